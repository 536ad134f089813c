"""Document ingestion and retrieval: a 1,000-page PDF through each stage, warm retrieval, package sizes.

Stages on the generated 1,000-page PDF (fpdf2, about 2,000 chunks):
- extraction (pypdfium2), chunking within pages, BM25 build: pages per second;
- embeddings through the Bedrock stand-in (the real boto3 Titan v2 path, answers from the stand-in's
  before-send hook: it measures our side, serialisation, signing, concurrency, not Bedrock);
- the offline embedder (all-MiniLM-L6-v2 int8, onnxruntime) on a sample, and what the whole document
  would take;
- the whole indexer (upload -> ingest -> index -> READY) in in-process moto, both modes' index writes;
- warm retrieval (index cached by ETag) p50/p95 over 100 questions, BM25 + vectors, offline embedder;
- the built size of the document functions with their layers (`make build` first), against Lambda's
  250 MB limit for a function and its layers unzipped.

`python -m benchmarks.document_ingest_bench --pages 200` runs a smaller document.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from benchmarks.cold_start_bench import BUILD, _size_mb, functions
from stratus_shared import document_index, embeddings, pdf_text, retrieval
from tests.integration.documents.support import OWNER, upload_and_index
from tests.support import pdfs
from tests.support.bedrock_standin import bedrock_standin
from tests.support.harness import deployed_stack

PAGES = 1000
QUESTIONS = 100
OFFLINE_SAMPLE = 256
LAMBDA_LIMIT_MB = 250
DOCUMENT_FUNCTIONS = ("DocumentsApiFunction", "DocumentIngestFunction", "DocumentIndexerFunction")


def _page(number: int) -> str:
    return (
        f"Section {number}. Maintenance notes for unit {number % 37}: inspect pump {number % 11}, record the "
        f"pressure of line {number % 5}, replace filter {number * 3 % 17} when it reads above {number % 90} "
        f"kPa and file report {number * 7} with the operations desk before the weekly review. "
    ) * 4


def _pdf(pages: int) -> bytes:

    return pdfs.text_pdf([_page(n) for n in range(1, pages + 1)])


def _rate(what: str, count: int, seconds: float, unit: str = "pages") -> None:
    print(f"{what:<46} {seconds:8.2f} s   {count / seconds:9.0f} {unit}/s", flush=True)


def stages(data: bytes, pages: int) -> list[document_index.Chunk]:

    started = time.perf_counter()
    texts = list(pdf_text.page_texts(data))
    _rate("extraction (pypdfium2)", pages, time.perf_counter() - started)
    started = time.perf_counter()
    chunks = document_index.chunk_pages(texts)
    _rate(f"chunking ({len(chunks)} chunks)", pages, time.perf_counter() - started)
    started = time.perf_counter()
    document_index.Bm25.build([c.text for c in chunks])
    _rate("BM25 index", pages, time.perf_counter() - started)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with bedrock_standin() as bedrock:
        titan = embeddings.BedrockTitanEmbedder("amazon.titan-embed-text-v2:0", 1024, "us-east-1")
        started = time.perf_counter()
        titan.embed_documents([c.text for c in chunks])
        seconds = time.perf_counter() - started
    _rate(f"Titan v2 via the stand-in ({len(bedrock.embedding_requests)} requests)", pages, seconds)
    offline = embeddings.OfflineEmbedder()
    sample = [c.text for c in chunks[:OFFLINE_SAMPLE]]
    started = time.perf_counter()
    offline.embed_documents(sample)
    seconds = time.perf_counter() - started
    per_chunk = seconds / len(sample)
    print(
        f"{'offline embedder (' + str(len(sample)) + ' chunks)':<46} {seconds:8.2f} s   "
        f"{len(sample) / seconds:9.0f} chunks/s (whole document about {per_chunk * len(chunks):.0f} s, "
        f"{os.cpu_count()} cores)",
        flush=True,
    )
    return chunks


def pipeline(data: bytes, pages: int) -> None:
    """Upload -> READY through the deployed functions (bedrock mode, stand-in), then warm retrieval."""

    embeddings.reset()
    with deployed_stack() as stack, bedrock_standin():
        started = time.perf_counter()
        document = upload_and_index(stack, data, name="manual.pdf")
        seconds = time.perf_counter() - started
        assert document["status"] == "READY", document
        _rate("whole indexer in moto, bedrock mode (stand-in)", pages, seconds)
        os.environ.update(
            DOCUMENTS_TABLE=stack.output("DocumentsTableName"),
            DOCUMENTS_BUCKET=stack.output("DocumentsBucketName"),
        )
        embeddings.reset()
        titan = embeddings.BedrockTitanEmbedder("amazon.titan-embed-text-v2:0", 1024, "us-east-1")
        _retrieval("bedrock stand-in", document["documentId"], titan)
    embeddings.reset()


def offline_retrieval(data: bytes) -> None:

    embeddings.reset()
    with deployed_stack({"DocumentChatMode": "offline"}) as stack:
        started = time.perf_counter()
        document = upload_and_index(stack, data, name="manual.pdf")
        print(
            f"{'whole indexer in moto, offline mode':<46} {time.perf_counter() - started:8.2f} s", flush=True
        )
        os.environ.update(
            DOCUMENTS_TABLE=stack.output("DocumentsTableName"),
            DOCUMENTS_BUCKET=stack.output("DocumentsBucketName"),
            DOCUMENT_CHAT_MODE="offline",
        )
        _retrieval("offline MiniLM", document["documentId"], None)
    embeddings.reset()


def _retrieval(mode: str, document_id: str, embedder: Any) -> None:
    questions = [
        f"What pressure should line {n % 5} of unit {n % 37} read before filter {n % 17}?"
        for n in range(QUESTIONS)
    ]
    document_index.clear_cache()
    started = time.perf_counter()
    retrieval.search(OWNER, [document_id], "first question loads the index", embedder=embedder)
    first = time.perf_counter() - started
    timings = []
    for question in questions:
        started = time.perf_counter()
        retrieval.search(OWNER, [document_id], question, embedder=embedder)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"warm retrieval, {mode:<16} {QUESTIONS} questions: p50 {statistics.median(timings):6.1f} ms, "
        f"p95 {p95:6.1f} ms (first, loading the index: {first * 1000:.0f} ms; goal p50 < 50 ms); "
        f"index downloads {document_index.cache_loads()}",
        flush=True,
    )


def sizes() -> None:

    print(f"\nbuilt sizes (unzipped, function + its layers; Lambda's limit is {LAMBDA_LIMIT_MB} MB):")
    for function in functions():
        if function.logical_id not in DOCUMENT_FUNCTIONS and "Document" not in function.logical_id:
            continue
        code = BUILD / function.logical_id
        if not code.is_dir():
            print(f"  {function.logical_id:<32} n/a (run make build)")
            continue
        parts = [(function.logical_id, _size_mb(code))] + [
            (lid, _size_mb(BUILD / lid)) for lid in function.layer_ids
        ]
        total = sum(size for _, size in parts)
        detail = ", ".join(f"{name} {size:.1f}" for name, size in parts)
        flag = "" if total <= LAMBDA_LIMIT_MB else "  OVER THE LIMIT"
        print(f"  {function.logical_id:<32} {total:7.1f} MB  ({detail}){flag}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    args = parser.parse_args(argv if argv is not None else [])
    os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    # Nothing here reaches AWS (the stand-in answers Bedrock, moto the rest); botocore still signs.
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "stratus")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Stratus")
    started = time.perf_counter()
    data = _pdf(args.pages)
    seconds = time.perf_counter() - started
    print(f"{args.pages}-page PDF generated (fpdf2): {len(data) / 1e6:.1f} MB in {seconds:.1f} s")
    stages(data, args.pages)
    pipeline(data, args.pages)
    offline_retrieval(data)
    sizes()
