"""Documents over the `stack` harness: API calls as a user, PDFs put where a presigned POST would put
them, and the ingest -> queue -> indexer path run in-process (the local cloud wires it for real)."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

from stratus_shared import documents
from tests.support.harness import StackHarness, load_event

API = "DocumentsApiFunction"
INGEST = "DocumentIngestFunction"
INDEXER = "DocumentIndexerFunction"
DEAD_LETTER = "DocumentDeadLetterFunction"
OWNER = "6c1f8a2e-0b7d-4e39-9a51-3d2c1b0a9f87"  # the sub of the events/documents_api files
OTHER = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"


def api_event(method: str, path: str, body: Any = None, *, owner: str = OWNER) -> dict[str, Any]:
    event = copy.deepcopy(load_event("documents_api", "list_documents"))
    parts = path.strip("/").split("/")
    resource, parameters = path, None
    if len(parts) == 2 and parts[1] != "uploads":
        resource, parameters = "/documents/{documentId}", {"documentId": parts[1]}
    event.update(httpMethod=method, path=path, resource=resource, pathParameters=parameters)
    event["body"] = json.dumps(body) if body is not None else None
    context = event["requestContext"]
    context.update(httpMethod=method, resourcePath=resource, path="/v1" + path)
    context["authorizer"]["claims"] = {
        **context["authorizer"]["claims"],
        "sub": owner,
        "cognito:username": owner,
    }
    return event


def call(
    stack: StackHarness, method: str, path: str, body: Any = None, *, owner: str = OWNER
) -> tuple[int, Any]:
    result = stack.function(API).invoke(api_event(method, path, body, owner=owner))
    text = result.get("body") or ""
    return int(result["statusCode"]), (json.loads(text) if text else None)


def put_pdf(
    stack: StackHarness,
    data: bytes,
    *,
    owner: str = OWNER,
    document_id: str | None = None,
    name: str = "guide.pdf",
    source: str = "upload",
) -> str:
    """What a browser's presigned POST leaves behind (moto does not enforce POST policies, so the
    object is put directly; the policy itself is tested apart). Returns the document id."""
    if document_id is None:
        status, created = call(
            stack, "POST", "/documents/uploads", {"fileName": name, "sizeBytes": len(data) or 1}
        )
        assert status == 201, created
        document_id = str(created["documentId"])
    stack.client("s3").put_object(
        Bucket=stack.output("DocumentsBucketName"),
        Key=documents.object_key(owner, document_id),
        Body=data,
        ContentType="application/pdf",
        Metadata={"source": source, "name": quote(name)},
    )
    return document_id


def s3_event(stack: StackHarness, owner: str, document_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("document_ingest", "object_created"))
    record = event["Records"][0]["s3"]
    record["bucket"]["name"] = stack.output("DocumentsBucketName")
    record["bucket"]["arn"] = f"arn:aws:s3:::{stack.output('DocumentsBucketName')}"
    record["object"]["key"] = quote(documents.object_key(owner, document_id), safe="/")
    return event


def ingest(stack: StackHarness, document_id: str, *, owner: str = OWNER) -> Any:
    return stack.function(INGEST).invoke(s3_event(stack, owner, document_id))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    template = load_event("document_indexer", "index_request")["Records"][0]
    records = []
    for message in messages:
        record = copy.deepcopy(template)
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            eventSourceARN=queue_arn,
        )
        record["attributes"]["ApproximateReceiveCount"] = message.get("Attributes", {}).get(
            "ApproximateReceiveCount", "1"
        )
        records.append(record)
    return {"Records": records}


def receive(stack: StackHarness, output: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    found = sqs.receive_message(
        QueueUrl=stack.output(output), MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
    ).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=stack.output(output), ReceiptHandle=message["ReceiptHandle"])
    return list(found)


def run_indexer(stack: StackHarness) -> list[Any]:
    """Deliver every queued index request to the indexer, one per invocation (BatchSize 1)."""
    arn = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.output("DocumentIngestQueueUrl"), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    results = []
    while messages := receive(stack, "DocumentIngestQueueUrl"):
        for message in messages:
            results.append(stack.function(INDEXER).invoke(sqs_event([message], arn)))
    return results


def upload_and_index(stack: StackHarness, data: bytes, **kwargs: Any) -> dict[str, Any]:
    """Upload, ingest, index; the document as GET /documents/{id} answers it."""
    owner = kwargs.get("owner", OWNER)
    document_id = put_pdf(stack, data, **kwargs)
    ingest(stack, document_id, owner=owner)
    run_indexer(stack)
    status, body = call(stack, "GET", f"/documents/{document_id}", owner=owner)
    assert status == 200, body
    return dict(body)


def objects_under(stack: StackHarness, prefix: str) -> list[str]:
    s3 = stack.client("s3")
    listed = s3.list_object_versions(Bucket=stack.output("DocumentsBucketName"), Prefix=prefix)
    return [v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]


def items(stack: StackHarness) -> list[dict[str, Any]]:
    return list(stack.client("dynamodb").scan(TableName=stack.output("DocumentsTableName"))["Items"])
