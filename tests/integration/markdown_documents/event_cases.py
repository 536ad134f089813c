"""Expected outcome of events/markdown_documents/*.json (see tests/integration/event_cases.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.support.harness import StackHarness


def _created(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result["statusCode"] == 201
    document_id = json.loads(outcome.result["body"])["documentId"]
    sub = event["requestContext"]["authorizer"]["claims"]["sub"]
    item = stack.client("dynamodb").get_item(
        TableName=stack.output("DocumentsTableName"),
        Key={"ownerId": {"S": sub}, "documentId": {"S": document_id}},
    )["Item"]
    assert item["source"] == {"S": "markdown"}
    assert item["name"] == {"S": "Travel notes from Zürich"}
    head = stack.client("s3").head_object(
        Bucket=stack.output("DocumentsBucketName"), Key=f"ugc/{sub}/{document_id}/document.pdf"
    )
    assert head["Metadata"]["source"] == "markdown"


CASES: dict[tuple[str, str], EventCase] = {
    ("markdown_documents", "create_markdown_document"): EventCase(check=_created),
}
