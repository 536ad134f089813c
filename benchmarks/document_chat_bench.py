"""Document chat: retrieval quality on the evaluation set, and the chat function's cold import beside the
source design's LangChain stack.

Figures, not asserts.

1. Retrieval quality (goal: hit@3 at least 90% offline). The three generated documents of
   benchmarks/document_chat_eval.py are rendered to PDF and indexed by the real indexer code (in
   in-process moto: S3 holds the index as in AWS), once per embedder; each of the 47 questions is
   searched over all three documents, and a hit is the answering (document, page) among the first 1 or
   3 passages. Rows: BM25 alone, and hybrid (BM25 + vectors, rank fusion), for the offline embedder
   (the model shipped in the offline layer) and for Bedrock's Titan embedder, which here answers
   through the tests' Bedrock stand-in (tests/support/bedrock_standin.py: a hashed bag of words, not
   Titan): that row checks the Bedrock code path end to end, it says nothing about Titan's quality.
   Each row is split into the worded-like-the-page and the paraphrased questions.
2. Cold import, CPU seconds in a fresh interpreter (median of 7): the chat handler (`import app`), the
   handler plus what its first question loads (retrieval, numpy, the embedder), and the source design's
   chat function imports (LangChain's ConversationalRetrievalChain, ChatBedrock, BedrockEmbeddings,
   DynamoDBChatMessageHistory, FAISS; requirements/anchor-chat.txt, installed into .venv-anchor).
   Goal: at most a third of the anchor's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANCHOR_VENV = ROOT / ".venv-anchor"
ANCHOR_REQUIREMENTS = ROOT / "requirements" / "anchor-chat.txt"
CHAT_DIR = ROOT / "functions" / "chat_api"
LAYERS = sorted(p for p in (ROOT / "layers").iterdir() if p.is_dir())
IMPORT_GOAL = 1 / 3
HIT3_GOAL = 0.9

_TIMED = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
started = time.process_time()
exec(sys.argv[1])
print(json.dumps({"seconds": time.process_time() - started, "modules": len(sys.modules)}))
"""
OURS_HANDLER = "import app"
OURS_FIRST_QUESTION = (
    "import app\nfrom stratus_shared import retrieval, document_index, embeddings\nimport numpy"
)
ANCHOR = """
import boto3
from aws_lambda_powertools import Logger
from langchain.chains import ConversationalRetrievalChain
from langchain.memory import ConversationBufferMemory
from langchain_aws.chat_models import ChatBedrock
from langchain_aws.embeddings import BedrockEmbeddings
from langchain_community.chat_message_histories import DynamoDBChatMessageHistory
from langchain_community.vectorstores import FAISS
from langchain_core.prompts import PromptTemplate
import faiss
"""


# ---- cold import -----------------------------------------------------------------------------------
def ensure_anchor_venv() -> Path:
    """.venv-anchor with the source design's chat stack, rebuilt when its requirements change."""
    digest = hashlib.sha256(ANCHOR_REQUIREMENTS.read_bytes()).hexdigest()
    stamp = ANCHOR_VENV / ".requirements-sha256"
    python = ANCHOR_VENV / "bin" / "python"
    if stamp.is_file() and stamp.read_text() == digest and python.exists():
        return python
    print(f"creating {ANCHOR_VENV.relative_to(ROOT)} (the LangChain anchor) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(ANCHOR_VENV)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603 - pip in the venv just made, from a pinned file
        [str(python), "-m", "pip", "install", "-q", "--only-binary=:all:", "-r", str(ANCHOR_REQUIREMENTS)],
        check=True,
    )
    stamp.write_text(digest)
    return python


def _ours_python() -> Path:
    """The functions-only venv of the cold start bench when it exists (what Lambda ships), else this one."""
    from benchmarks.cold_start_bench import ensure_lambda_venv  # noqa: PLC0415

    try:
        return ensure_lambda_venv()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(functions-only venv unavailable: {exc}; using {sys.executable})")
        return Path(sys.executable)


def _env(pythonpath: list[Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_SERVICE_NAME": "stratus",
            "POWERTOOLS_METRICS_NAMESPACE": "Stratus",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    return env


def _timed(python: Path, code: str, env: dict[str, str], runs: int) -> tuple[float, int]:
    seconds, modules = [], 0
    for _ in range(runs):
        done = subprocess.run(  # noqa: S603 - a fixed probe in a bench venv
            [str(python), "-c", _TIMED, code], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "probe failed")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        seconds.append(result["seconds"])
        modules = result["modules"]
    return statistics.median(seconds), modules


def cold_import(runs: int) -> None:
    ours = _ours_python()
    layer_paths = [p / "python" if (p / "python").is_dir() else p for p in LAYERS]
    ours_env = _env([CHAT_DIR, *layer_paths])
    subprocess.run([str(ours), "-m", "compileall", "-q", str(CHAT_DIR), *map(str, layer_paths)], check=False)  # noqa: S603
    anchor = ensure_anchor_venv()
    anchor_env = _env([])
    handler, handler_modules = _timed(ours, OURS_HANDLER, ours_env, runs)
    try:
        first, first_modules = _timed(ours, OURS_FIRST_QUESTION, ours_env, runs)
    except RuntimeError as exc:
        first, first_modules = float("nan"), 0
        print(f"(first-question imports unavailable: {exc})")
    langchain, langchain_modules = _timed(anchor, ANCHOR, anchor_env, runs)
    print(f"cold import, CPU s, median of {runs} (goal: at most {IMPORT_GOAL:.2f} x the anchor's)")
    print(f"  {'what':<52} {'seconds':>8} {'modules':>8} {'x anchor':>9}")
    for name, seconds, modules in (
        ("Stratus chat handler (import app)", handler, handler_modules),
        ("Stratus chat handler + first question's imports", first, first_modules),
        ("anchor: source design's LangChain chat imports", langchain, langchain_modules),
    ):
        print(f"  {name:<52} {seconds:>8.3f} {modules:>8} {seconds / langchain:>9.2f}")


# ---- retrieval quality -------------------------------------------------------------------------------
def retrieval_quality() -> None:
    from benchmarks import document_chat_quality  # noqa: PLC0415 - moto and the indexer load here

    document_chat_quality.main(HIT3_GOAL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args(argv if argv is not None else [])
    if not args.skip_quality:
        retrieval_quality()
    if not args.skip_import:
        cold_import(args.runs)


if __name__ == "__main__":
    main(sys.argv[1:])
