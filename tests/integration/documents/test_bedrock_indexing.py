"""Indexing through Amazon Bedrock (the stand-in answers Titan v2 on botocore's before-send hook):
a 1,000-page PDF, the requests Bedrock receives, and model access refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stratus_shared import embeddings, retrieval
from tests.integration.documents.support import OWNER, upload_and_index
from tests.support import pdfs
from tests.support.bedrock_standin import BedrockStandIn, bedrock_standin
from tests.support.harness import REGION, StackHarness

FACT_PAGE = 437
FACT = "The emergency shutdown code for the Orion reactor is amber-falcon-nine."


def _filler(page: int) -> str:
    return (
        f"Section {page}. Routine maintenance notes for week {page % 52 + 1}: inspect the pumps, log the "
        f"pressure readings, check the valves and file report {page * 7} with the operations desk. "
    ) * 3


@pytest.fixture
def bedrock() -> Iterator[BedrockStandIn]:
    """The stand-in, and a fresh embedder: a cached client would keep an earlier stand-in's hook."""
    embeddings.reset()
    with bedrock_standin() as standin:
        yield standin
    embeddings.reset()


@pytest.fixture
def search_env(bedrock_stack: StackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_TABLE", bedrock_stack.output("DocumentsTableName"))
    monkeypatch.setenv("DOCUMENTS_BUCKET", bedrock_stack.output("DocumentsBucketName"))
    monkeypatch.setenv("DOCUMENT_CHAT_MODE", "bedrock")
    monkeypatch.setenv("BEDROCK_REGION", REGION)


def test_a_thousand_page_pdf_becomes_ready_and_its_fact_is_found_on_its_page(
    bedrock_stack: StackHarness, bedrock: BedrockStandIn, search_env: None
) -> None:
    pages = [FACT if number == FACT_PAGE else _filler(number) for number in range(1, 1001)]
    document = upload_and_index(bedrock_stack, pdfs.text_pdf(pages), name="manual.pdf")
    assert document["status"] == "READY"
    assert document["pages"] == 1000
    requests = bedrock.embedding_requests
    assert len(requests) >= 1000  # every page's text was embedded
    assert {r.model_id for r in requests} == {"amazon.titan-embed-text-v2:0"}
    assert {r.region for r in requests} == {REGION}
    assert {r.body["dimensions"] for r in requests} == {1024}
    assert any("amber-falcon-nine" in r.body["inputText"] for r in requests)
    hits = retrieval.search(
        OWNER, [document["documentId"]], "What is the emergency shutdown code of the reactor?"
    )
    assert hits[0].page == FACT_PAGE


def test_model_access_refused_ends_failed_model_access_denied(
    bedrock_stack: StackHarness, bedrock: BedrockStandIn
) -> None:
    bedrock.fail_always("AccessDeniedException")
    document = upload_and_index(bedrock_stack, pdfs.text_pdf(["A page Bedrock will never see."]))
    assert (document["status"], document["failureReason"]) == ("FAILED", "MODEL_ACCESS_DENIED")
