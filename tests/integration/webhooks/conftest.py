"""Webhook fixtures over the `stack` harness: API events for a tenant, endpoints and messages seeded the
way the functions write them, and the delivery queue read back."""

from __future__ import annotations

import copy
import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pytest

from stratus_shared import webhook_targets
from stratus_shared.webhooks import outbox_event, outbox_put
from tests.support.harness import StackHarness, load_event

API = "WebhooksApiFunction"
DISPATCHER = "WebhookDispatcherFunction"
SENDER = "WebhookSenderFunction"
RELAY = "WebhookBusRelayFunction"
TENANT = "6c1f8a2e-0b7d-4e39-9a51-3d2c1b0a9f87"  # the sub of the events/webhooks_api files


class FakeDns:
    """A resolver whose answers the test decides (and may change between calls: DNS rebinding)."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = dict(answers or {})
        self.asked: list[str] = []

    def resolve(self, host: str, port: int) -> list[webhook_targets.IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("Name or service not known")
        return [ipaddress.ip_address(a) for a in self.answers[host]]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    fake = FakeDns()
    monkeypatch.setattr(webhook_targets, "resolver", fake)
    return fake


def api_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    tenant: str = TENANT,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway proxy event for `tenant`, shaped like events/webhooks_api/*.json."""
    event = copy.deepcopy(load_event("webhooks_api", "list_event_types"))
    event.update(httpMethod=method, path=path, resource=resource or path, pathParameters=path_parameters)
    event["body"] = json.dumps(body) if body is not None else None
    event["headers"] = {**event["headers"], **(headers or {})}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    context = event["requestContext"]
    context.update(httpMethod=method, resourcePath=resource or path, path="/v1" + path)
    context["authorizer"]["claims"] = {
        **context["authorizer"]["claims"],
        "sub": tenant,
        "cognito:username": tenant,
    }
    return event


def call(stack: StackHarness, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
    """Invoke the API function as API Gateway would; (status, parsed body)."""
    resource, parameters = _route(path)
    result = stack.function(API).invoke(
        api_event(method, path, body, resource=resource, path_parameters=parameters, **kwargs)
    )
    text = result.get("body") or ""
    return int(result["statusCode"]), (json.loads(text) if text else None)


def _route(path: str) -> tuple[str, dict[str, str] | None]:
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[1] == "endpoints":
        return "/" + "/".join([*parts[:2], "{endpointId}", *parts[3:]]), {"endpointId": parts[2]}
    if len(parts) >= 3 and parts[1] == "messages":
        return "/" + "/".join([*parts[:2], "{messageId}", *parts[3:]]), {"messageId": parts[2]}
    return path, None


def sqs_event(stack: StackHarness, bodies: list[str]) -> dict[str, Any]:
    record = load_event("webhook_sender", "delivery_task")["Records"][0]
    return {"Records": [{**record, "messageId": f"m-{i}", "body": body} for i, body in enumerate(bodies)]}


def queued_tasks(stack: StackHarness) -> list[dict[str, Any]]:
    """Every task on the delivery queue now (delayed ones are not visible)."""
    sqs = stack.client("sqs")
    url = stack.output("WebhookDeliveryQueueUrl")
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def seed_message(
    stack: StackHarness, payload: dict[str, Any], tenant: str = TENANT, event_id: str | None = None
) -> str:
    from datetime import UTC, datetime

    event = outbox_event(tenant, "webhook.test", payload, now=datetime.now(UTC), event_id=event_id)
    stack.client("dynamodb").put_item(**outbox_put(stack.output("WebhookOutboxTableName"), event)["Put"])
    return event.id


def scan(stack: StackHarness, table_output: str, prefix: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in stack.client("dynamodb").get_paginator("scan").paginate(TableName=stack.output(table_output)):
        items += [i for i in page["Items"] if i.get("pk", {}).get("S", "").startswith(prefix) or not prefix]
    return items


Seeder = Callable[..., str]


def seed_endpoint(
    stack: StackHarness,
    endpoint_id: str,
    url: str,
    *,
    tenant: str = TENANT,
    event_types: list[str] | None = None,
    raw_secret: bytes = b"k" * 32,
) -> None:
    """An endpoint item as the API writes it (secret encrypted under the stack's key), without the
    API's URL check: what an endpoint saved when its host still resolved to a public address looks like."""
    from datetime import UTC, datetime

    from boto3.dynamodb.types import TypeSerializer

    kms = stack.client("kms")
    context = {"tenantId": tenant, "endpointId": endpoint_id, "purpose": "webhook-signing"}
    blob = kms.encrypt(KeyId=stack.ref("WebhookSecretsKey"), Plaintext=raw_secret, EncryptionContext=context)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    values: dict[str, Any] = {
        "pk": f"T#{tenant}",
        "sk": f"EP#{endpoint_id}",
        "tenantId": tenant,
        "endpointId": endpoint_id,
        "url": url,
        "description": "",
        "enabled": True,
        "secrets": [{"ciphertext": blob["CiphertextBlob"], "createdAt": now}],
        "createdAt": now,
        "updatedAt": now,
    }
    if event_types is not None:
        values["eventTypes"] = event_types
    serialize = TypeSerializer().serialize
    stack.client("dynamodb").put_item(
        TableName=stack.output("WebhookTableName"), Item={k: serialize(v) for k, v in values.items()}
    )
