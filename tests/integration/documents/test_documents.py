"""Documents end to end in-process: the REST API, ingestion, indexing, failures, deletion, isolation."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from stratus_shared import documents, retrieval
from tests.integration.documents.support import (
    DEAD_LETTER,
    OTHER,
    OWNER,
    call,
    ingest,
    items,
    objects_under,
    put_pdf,
    run_indexer,
    upload_and_index,
)
from tests.support import pdfs
from tests.support.harness import StackHarness, load_event

MEGABYTE = 1024 * 1024
GUIDE = [
    "Welcome to the Stratus handbook. This guide explains accounts, billing and support.",
    "Refunds. A refund is paid back to the original card within fourteen days of the request.",
    "Terminating the membership. Members may end their plan at any time from the account page; "
    "access stays until the end of the paid period.",
]


@pytest.fixture
def stack(offline_stack: StackHarness) -> StackHarness:
    return offline_stack


@pytest.fixture
def search_env(stack: StackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a function that searches gets (the chat API's)."""
    monkeypatch.setenv("DOCUMENTS_TABLE", stack.output("DocumentsTableName"))
    monkeypatch.setenv("DOCUMENTS_BUCKET", stack.output("DocumentsBucketName"))
    monkeypatch.setenv("DOCUMENT_CHAT_MODE", "offline")


def _policy(created: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(created["upload"]["fields"]["policy"])))


def test_an_upload_is_a_presigned_post_for_a_pdf_under_the_callers_own_key(stack: StackHarness) -> None:
    status, created = call(stack, "POST", "/documents/uploads", {"fileName": "guide.pdf", "sizeBytes": 2048})
    assert status == 201
    key = f"ugc/{OWNER}/{created['documentId']}/document.pdf"
    assert created["upload"]["fields"]["key"] == key
    conditions = _policy(created)["conditions"]
    assert {"key": key} in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert ["content-length-range", 1, 100 * MEGABYTE] in conditions
    assert {"bucket": stack.output("DocumentsBucketName")} in conditions


def test_a_size_over_the_cap_is_a_400_at_once_and_nothing_is_created(stack: StackHarness) -> None:
    before = len(items(stack))
    status, body = call(
        stack, "POST", "/documents/uploads", {"fileName": "big.pdf", "sizeBytes": 100 * MEGABYTE + 1}
    )
    assert status == 400
    assert body["message"] == f"sizeBytes: {100 * MEGABYTE + 1} bytes is over the 100 MB upload limit"
    assert len(items(stack)) == before


def test_a_file_that_is_not_named_pdf_is_refused(stack: StackHarness) -> None:
    status, body = call(stack, "POST", "/documents/uploads", {"fileName": "notes.docx", "sizeBytes": 10})
    assert status == 400
    assert "PDF" in body["message"]


def test_a_pdf_becomes_ready_with_its_pages_and_a_download_link(stack: StackHarness) -> None:
    document = upload_and_index(stack, pdfs.text_pdf(GUIDE, title="Stratus handbook"), name="handbook.pdf")
    assert document["status"] == "READY"
    assert document["pages"] == 3
    assert document["imageOnlyPages"] == 0
    assert document["title"] == "Stratus handbook"
    assert document["name"] == "handbook.pdf"
    assert document["source"] == "upload"
    assert documents.object_key(OWNER, document["documentId"]) in document["downloadUrl"]
    status, listed = call(stack, "GET", "/documents")
    assert status == 200
    assert document["documentId"] in {d["documentId"] for d in listed["items"]}


def test_a_question_worded_differently_from_the_page_finds_it(stack: StackHarness, search_env: None) -> None:
    document = upload_and_index(stack, pdfs.text_pdf(GUIDE))
    [best, *_] = retrieval.search(OWNER, [document["documentId"]], "How do I cancel my subscription?", k=3)
    assert best.page == 3
    assert best.document_id == document["documentId"]


def test_image_only_pages_in_a_readable_pdf_are_counted(stack: StackHarness) -> None:
    document = upload_and_index(stack, pdfs.mixed_pdf(["A page of text about invoices.", None, None]))
    assert document["status"] == "READY"
    assert document["pages"] == 3
    assert document["imageOnlyPages"] == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (pdfs.text_pdf(["Secret plans."], password="hunter2"), "ENCRYPTED"),
        (b"", "INVALID_PDF"),
        (pdfs.corrupt_pdf(), "INVALID_PDF"),
        (pdfs.zero_page_pdf(), "NO_PAGES"),
        (b"PK\x03\x04 this is a zip file, not a PDF", "INVALID_PDF"),
        (pdfs.image_only_pdf(2), "NO_TEXT"),
    ],
    ids=["encrypted", "empty", "corrupt", "zero-page", "not-a-pdf", "image-only"],
)
def test_an_unreadable_file_ends_failed_with_its_reason(
    stack: StackHarness, data: bytes, reason: str
) -> None:
    document = upload_and_index(stack, data)
    assert (document["status"], document["failureReason"]) == ("FAILED", reason)


def test_nothing_is_left_processing_when_a_dead_letter_arrives(stack: StackHarness) -> None:
    document_id = put_pdf(stack, pdfs.text_pdf(["Will never be indexed."]))
    ingest(stack, document_id)
    # Lambda gave up on the ingest invocation: its on-failure record carries the S3 event.
    s3_event = {"Records": [{"s3": {"object": {"key": documents.object_key(OWNER, document_id)}}}]}
    record = load_event("document_dead_letter", "index_request_dead_lettered")
    record["Records"][0]["body"] = json.dumps(
        {"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": s3_event}
    )
    assert stack.function(DEAD_LETTER).invoke(record) == {"batchItemFailures": []}
    _status, body = call(stack, "GET", f"/documents/{document_id}")
    assert (body["status"], body["failureReason"]) == ("FAILED", "INTERNAL")
    run_indexer(stack)  # the index request that was queued is dropped: the document has ended
    assert call(stack, "GET", f"/documents/{document_id}")[1]["status"] == "FAILED"


def test_a_retried_index_run_never_duplicates_chunks(stack: StackHarness) -> None:
    document = upload_and_index(stack, pdfs.text_pdf(GUIDE))
    document_id = document["documentId"]
    s3 = stack.client("s3")
    key = documents.index_prefix(OWNER, document_id) + "chunks.json"
    bucket = stack.output("DocumentsBucketName")
    first = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["chunks"]
    # The first attempt crashed after writing its index: the item is PROCESSING and SQS redelivers.
    stack.client("dynamodb").update_item(
        TableName=stack.output("DocumentsTableName"),
        Key={"ownerId": {"S": OWNER}, "documentId": {"S": document_id}},
        UpdateExpression="SET #s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": {"S": "PROCESSING"}},
    )
    stack.client("sqs").send_message(
        QueueUrl=stack.output("DocumentIngestQueueUrl"),
        MessageBody=json.dumps({"ownerId": OWNER, "documentId": document_id}),
    )
    run_indexer(stack)
    again = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["chunks"]
    assert again == first
    assert call(stack, "GET", f"/documents/{document_id}")[1]["status"] == "READY"


def test_ready_and_failed_are_published_to_the_owners_webhooks(stack: StackHarness) -> None:
    ready = upload_and_index(stack, pdfs.text_pdf(["Published when ready."]))
    failed = upload_and_index(stack, b"not a pdf at all")
    outbox = stack.client("dynamodb").scan(TableName=stack.output("WebhookOutboxTableName"))["Items"]
    events = {(i["eventType"]["S"], json.loads(i["payload"]["S"])["documentId"]): i for i in outbox}
    assert events[("document.ready", ready["documentId"])]["tenantId"]["S"] == OWNER
    assert (
        json.loads(events[("document.failed", failed["documentId"])]["payload"]["S"])["reason"]
        == "INVALID_PDF"
    )


def test_deleting_a_document_leaves_nothing_of_it(stack: StackHarness) -> None:
    document = upload_and_index(stack, pdfs.text_pdf(GUIDE))
    document_id = document["documentId"]
    prefix = documents.document_prefix(OWNER, document_id)
    assert len(objects_under(stack, prefix)) == 5  # the PDF and the four index files
    status, _ = call(stack, "DELETE", f"/documents/{document_id}")
    assert status == 204
    assert objects_under(stack, prefix) == []
    assert [i for i in items(stack) if i["documentId"]["S"] == document_id] == []
    assert call(stack, "GET", f"/documents/{document_id}")[0] == 404


def test_another_user_gets_404_on_every_route_and_finds_nothing(
    stack: StackHarness, search_env: None
) -> None:
    document = upload_and_index(stack, pdfs.text_pdf(GUIDE))
    document_id = document["documentId"]
    assert call(stack, "GET", f"/documents/{document_id}", owner=OTHER)[0] == 404
    assert call(stack, "DELETE", f"/documents/{document_id}", owner=OTHER)[0] == 404
    assert call(stack, "GET", "/documents", owner=OTHER) == (200, {"items": []})
    assert retrieval.search(OTHER, [document_id], "refund") == []
    assert call(stack, "GET", f"/documents/{document_id}")[1]["status"] == "READY"  # still the owner's


def test_an_id_that_is_not_a_document_id_is_a_404(stack: StackHarness) -> None:
    assert call(stack, "GET", "/documents/..%2F..%2Fetc")[0] == 404


def test_the_same_upload_refused_twice_ends_failed_both_times(stack: StackHarness) -> None:
    document_id = put_pdf(stack, b"first: not a pdf")
    ingest(stack, document_id)
    put_pdf(stack, b"second: still not a pdf", document_id=document_id)  # the presigned POST used again
    ingest(stack, document_id)
    assert call(stack, "GET", f"/documents/{document_id}")[1]["status"] == "FAILED"
