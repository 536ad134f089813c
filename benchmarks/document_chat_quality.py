"""Page hit@1 / hit@3 on the evaluation set (benchmarks/document_chat_eval.py); see document_chat_bench.

The documents go through the indexer's own steps: PDF text per page (pypdfium2), chunks, BM25, the
embedder's matrix, the index files written to S3 (in-process moto) and read back by
`stratus_shared.retrieval.search`, the function the chat API calls.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from benchmarks.document_chat_eval import DOCUMENTS, QUESTIONS, EvalQuestion, pdf_bytes

OWNER = "bench-owner"
BUCKET = "bench-documents"
REGION = "us-east-1"


@dataclass(frozen=True)
class Score:
    hit1: int
    hit3: int
    total: int

    def line(self) -> str:
        return f"{self.hit1 / self.total:>6.0%} {self.hit3 / self.total:>6.0%}"


@contextmanager
def _cloud() -> Iterator[Any]:
    """In-process moto with the documents bucket, AWS variables pointing at it."""
    from moto import mock_aws  # noqa: PLC0415

    from stratus_shared import aws  # noqa: PLC0415

    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "DOCUMENTS_BUCKET": BUCKET,
            "DOCUMENTS_TABLE": "bench-documents-table",
        }
    )
    aws.reset_clients()
    try:
        with mock_aws():
            aws.client("s3").create_bucket(Bucket=BUCKET)
            yield aws
    finally:
        aws.reset_clients()
        os.environ.clear()
        os.environ.update(saved)


def _index_all(embedder: Any) -> dict[str, str]:
    """Index every evaluation document under its own id; {document name: document id}."""
    from stratus_shared import document_index, pdf_text  # noqa: PLC0415

    ids = {}
    for number, document in enumerate(DOCUMENTS):
        document_id = f"00000000-0000-4000-8000-{number:012d}"
        pages = list(pdf_text.page_texts(pdf_bytes(document)))
        chunks = document_index.chunk_pages(pages)
        matrix = embedder.embed_documents([c.text for c in chunks]) if embedder is not None else None
        index = document_index.build_index(
            document_id,
            chunks,
            matrix,
            model_id=embedder.model_id if embedder is not None else None,
            pages=len(pages),
        )
        document_index.write_index(OWNER, index, bucket=BUCKET)
        ids[document.name] = document_id
    return ids


def _score(questions: list[EvalQuestion], ids: dict[str, str], embedder: Any, use_vectors: bool) -> Score:
    from stratus_shared import retrieval  # noqa: PLC0415

    hit1 = hit3 = 0
    everything = list(ids.values())
    for question in questions:
        found = retrieval.search(
            OWNER,
            everything,
            question.question,
            k=3,
            embedder=embedder,
            bucket=BUCKET,
            use_vectors=use_vectors,
        )
        pages = [(p.document_id, p.page) for p in found]
        wanted = (ids[question.document], question.page)
        hit1 += int(pages[:1] == [wanted])
        hit3 += int(wanted in pages[:3])
    return Score(hit1, hit3, len(questions))


def _offline_embedder() -> Any:
    from stratus_shared import embeddings  # noqa: PLC0415

    return embeddings.OfflineEmbedder()


@contextmanager
def _titan_embedder() -> Iterator[Any]:
    from stratus_shared import embeddings  # noqa: PLC0415
    from tests.support.bedrock_standin import bedrock_standin  # noqa: PLC0415

    with bedrock_standin():
        yield embeddings.BedrockTitanEmbedder("amazon.titan-embed-text-v2:0", 1024, REGION, concurrency=8)


def _rows(name: str, ids: dict[str, str], embedder: Any) -> list[tuple[str, Score, Score, Score]]:
    literal = [q for q in QUESTIONS if not q.paraphrased]
    paraphrased = [q for q in QUESTIONS if q.paraphrased]
    rows = []
    for label, vectors in (("BM25 alone", False), (f"hybrid, {name}", True)):
        rows.append(
            (
                label,
                _score(list(QUESTIONS), ids, embedder, vectors),
                _score(literal, ids, embedder, vectors),
                _score(paraphrased, ids, embedder, vectors),
            )
        )
    return rows


def _latency(ids: dict[str, str], embedder: Any) -> tuple[float, float]:
    from stratus_shared import retrieval  # noqa: PLC0415

    everything = list(ids.values())
    timings = []
    for question in (QUESTIONS * 3)[:100]:
        started = time.perf_counter()
        retrieval.search(OWNER, everything, question.question, k=6, embedder=embedder, bucket=BUCKET)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main(goal: float) -> None:
    total = len(QUESTIONS)
    paraphrased = sum(q.paraphrased for q in QUESTIONS)
    pages = sum(len(d.pages) for d in DOCUMENTS)
    print(
        f"retrieval quality: {total} questions ({paraphrased} paraphrased) over {len(DOCUMENTS)} documents, "
        f"{pages} pages; a hit is the answering page (goal offline: hit@3 >= {goal:.0%})"
    )
    print(f"  {'retrieval':<34} {'all':>13} {'worded like the page':>21} {'paraphrased':>14}")
    print(f"  {'':<34} {'hit@1':>6} {'hit@3':>6} {'hit@1':>10} {'hit@3':>6}    {'hit@1':>6} {'hit@3':>6}")
    results: list[tuple[str, Score, Score, Score]] = []
    latency = None
    with _cloud():
        offline = _offline_embedder()
        ids = _index_all(offline)
        results += _rows("offline MiniLM embedder", ids, offline)
        latency = _latency(ids, offline)
    with _cloud(), _titan_embedder() as titan:
        ids = _index_all(titan)
        results += _rows("Titan via the stand-in*", ids, titan)[1:]
    for label, every, literal, para in results:
        print(f"  {label:<34} {every.line()}     {literal.line()}    {para.line()}")
    print(
        "  * the stand-in embeds a hashed bag of words: this row checks the Bedrock path, not Titan's quality"
    )
    if latency is not None:
        print(
            f"warm retrieval over the 3 documents (offline embedder, S3 in moto): "
            f"p50 {latency[0]:.1f} ms, p95 {latency[1]:.1f} ms"
        )
