"""Expected outcomes of the document functions' event files (see tests/integration/event_cases.py)."""

from __future__ import annotations

import json
from typing import Any

from stratus_shared import documents
from stratus_shared.documents import Document, DocumentStatus
from tests.integration.documents.support import OWNER, items, objects_under, receive
from tests.integration.event_cases import EventCase, Outcome
from tests.support import pdfs
from tests.support.harness import StackHarness

DOC = "3b0c2f4e-8d1a-4c6b-9e2f-7a5d4c3b2a10"  # the document id in the event files


def seed(stack: StackHarness, status: DocumentStatus = DocumentStatus.READY, **fields: Any) -> Document:
    doc = Document(owner_id=OWNER, document_id=DOC, name="handbook.pdf", status=status, **fields)
    stack.client("dynamodb").put_item(TableName=stack.output("DocumentsTableName"), Item=doc.to_item())
    return doc


def put_object(stack: StackHarness, data: bytes) -> None:
    stack.client("s3").put_object(
        Bucket=stack.output("DocumentsBucketName"),
        Key=documents.object_key(OWNER, DOC),
        Body=data,
        Metadata={"source": "upload", "name": "handbook.pdf"},
    )


def _answer(outcome: Outcome) -> tuple[int, Any]:
    assert outcome.error is None, outcome.error
    return int(outcome.result["statusCode"]), json.loads(outcome.result["body"] or "null")


def _upload_created(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 201
    fields = body["upload"]["fields"]
    assert fields["key"] == documents.object_key(OWNER, body["documentId"])
    assert fields["Content-Type"] == "application/pdf"
    [item] = items(stack)
    assert item["status"]["S"] == "UPLOADED"
    assert item["name"]["S"] == "handbook.pdf"


def _too_large(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 400
    assert "100 MB" in body["message"]
    assert items(stack) == []


def _listed(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 200
    assert body == {"items": []}


def _seed_ready(stack: StackHarness, event: Any) -> Any:
    seed(stack, pages=12, size_bytes=482133)
    return event


def _got(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 200
    assert body["documentId"] == DOC
    assert body["pages"] == 12
    assert documents.object_key(OWNER, DOC) in body["downloadUrl"]


def _seed_with_object(stack: StackHarness, event: Any) -> Any:
    seed(stack, pages=1)
    put_object(stack, pdfs.text_pdf(["Delete me."]))
    return event


def _deleted(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, _ = _answer(outcome)
    assert status == 204
    assert items(stack) == []
    assert objects_under(stack, documents.document_prefix(OWNER, DOC)) == []


def _uploaded_pdf(stack: StackHarness, event: Any) -> Any:
    put_object(stack, pdfs.text_pdf(["Page one.", "Page two."], title="Handbook"))
    record = event["Records"][0]["s3"]
    record["bucket"]["name"] = stack.output("DocumentsBucketName")
    return event


def _queued(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    [item] = items(stack)
    assert item["status"]["S"] == "UPLOADED"
    assert item["pages"]["N"] == "2"
    assert item["title"]["S"] == "Handbook"
    [message] = receive(stack, "DocumentIngestQueueUrl")
    assert json.loads(message["Body"])["documentId"] == DOC


def _uploaded_item(stack: StackHarness, event: Any) -> Any:
    seed(stack, DocumentStatus.UPLOADED, pages=2)
    put_object(stack, pdfs.text_pdf(["Refunds take fourteen days.", "Shipping is free over fifty euros."]))
    return event


def _indexed(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result == {"batchItemFailures": []}
    [item] = items(stack)
    assert item["status"]["S"] == "READY", item
    index = {key.rsplit("/", 1)[-1] for key in objects_under(stack, documents.index_prefix(OWNER, DOC))}
    assert index == {"chunks.json", "bm25.json", "embeddings.npy", "manifest.json"}


def _processing(stack: StackHarness, event: Any) -> Any:
    seed(stack, DocumentStatus.PROCESSING, pages=2)
    return event


def _ended_failed(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    [item] = items(stack)
    assert item["status"]["S"] == "FAILED"
    assert item["failureReason"]["S"] == "INTERNAL"


CASES: dict[tuple[str, str], EventCase] = {
    ("documents_api", "create_upload"): EventCase(_upload_created),
    ("documents_api", "create_upload_too_large"): EventCase(_too_large),
    ("documents_api", "list_documents"): EventCase(_listed),
    ("documents_api", "get_document"): EventCase(_got, _seed_ready),
    ("documents_api", "delete_document"): EventCase(_deleted, _seed_with_object),
    ("document_ingest", "object_created"): EventCase(_queued, _uploaded_pdf),
    ("document_indexer", "index_request"): EventCase(_indexed, _uploaded_item),
    ("document_dead_letter", "index_request_dead_lettered"): EventCase(_ended_failed, _processing),
}
