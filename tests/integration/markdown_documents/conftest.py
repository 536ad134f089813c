"""Markdown documents over the `stack` harness: API events for a signed-in user, and the documents
table and bucket read back as a user's browser (through the documents API) or an operator would."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.support.harness import StackHarness, load_event

MARKDOWN = "MarkdownDocumentsFunction"
DOCUMENTS = "DocumentsApiFunction"
OWNER = "6c1f8a2e-0b7d-4e39-9a51-3d2c1b0a9f87"  # the sub of events/markdown_documents/*.json
OTHER = "0f3b9e41-5a6c-4d7e-8f90-a1b2c3d4e5f6"


def api_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    sub: str = OWNER,
    name: str | None = "Zoë Müller",
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    claims: bool = True,
) -> dict[str, Any]:
    """An API Gateway proxy event for the user `sub`, shaped like events/markdown_documents/*.json."""
    event = copy.deepcopy(load_event("markdown_documents", "create_markdown_document"))
    event.update(httpMethod=method, path=path, resource=resource or path, pathParameters=path_parameters)
    event["body"] = json.dumps(body) if body is not None else None
    context = event["requestContext"]
    context.update(httpMethod=method, resourcePath=resource or path, path="/v1" + path)
    if not claims:
        context.pop("authorizer")
        return event
    user = {
        **context["authorizer"]["claims"],
        "sub": sub,
        "cognito:username": sub,
        "email": f"{sub[:8]}@example.com",
    }
    if name is None:
        user.pop("name", None)
    else:
        user["name"] = name
    context["authorizer"]["claims"] = user
    return event


def answer(result: dict[str, Any]) -> tuple[int, Any]:
    text = result.get("body") or ""
    return int(result["statusCode"]), (json.loads(text) if text else None)


def create(stack: StackHarness, body: Any, **kwargs: Any) -> tuple[int, Any]:
    """POST /documents/markdown as API Gateway would call the function."""
    return answer(stack.function(MARKDOWN).invoke(api_event("POST", "/documents/markdown", body, **kwargs)))


def documents_api(stack: StackHarness, method: str, path: str, *, sub: str = OWNER) -> tuple[int, Any]:
    """The documents API (documents-core's function) for the user `sub`."""
    parts = path.strip("/").split("/")
    resource, parameters = path, None
    if len(parts) == 2:
        resource, parameters = "/documents/{documentId}", {"documentId": parts[1]}
    event = api_event(method, path, sub=sub, resource=resource, path_parameters=parameters)
    return answer(stack.function(DOCUMENTS).invoke(event))


def items(stack: StackHarness) -> list[dict[str, Any]]:
    table = stack.output("DocumentsTableName")
    return list(stack.client("dynamodb").scan(TableName=table).get("Items", []))


def objects(stack: StackHarness) -> list[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=stack.output("DocumentsBucketName"))
    return [entry["Key"] for entry in listed.get("Contents", [])]
