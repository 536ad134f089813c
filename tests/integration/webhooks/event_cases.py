"""Expected outcomes of the webhook functions' event files (see tests/integration/event_cases.py):
what a tenant or operator would notice after each invoke."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.integration.webhooks.conftest import RELAY, TENANT, queued_tasks, scan, seed_endpoint, seed_message
from tests.support.harness import StackHarness

OPERATORS = "stratus-operators"


def _answer(outcome: Outcome) -> tuple[int, Any]:
    assert outcome.error is None, outcome.error
    return int(outcome.result["statusCode"]), json.loads(outcome.result["body"] or "null")


def _catalogue(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 200
    assert "webhook.test" in {item["name"] for item in body["items"]}


def _private_url_refused(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 400
    assert body["message"].startswith("url: 10.0.0.5 is in 10.0.0.0/8")
    assert scan(stack, "WebhookTableName", "T#") == []


def _published(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 202
    [item] = scan(stack, "WebhookOutboxTableName")
    assert item["id"]["S"] == body["id"]
    assert item["tenantId"]["S"] == TENANT
    assert json.loads(item["payload"]["S"]) == {"order": "ord_123", "amount": 4200}
    again = stack.function("WebhooksApiFunction").invoke(event)  # the same Idempotency-Key
    assert json.loads(again["body"]) == body
    assert len(scan(stack, "WebhookOutboxTableName")) == 1


def _two_endpoints(stack: StackHarness, event: Any) -> Any:
    tenant = event["Records"][0]["dynamodb"]["NewImage"]["tenantId"]["S"]
    seed_endpoint(
        stack, "ep_documents", "https://hooks.example.com/docs", tenant=tenant, event_types=["document.ready"]
    )
    seed_endpoint(
        stack, "ep_tests", "https://hooks.example.com/tests", tenant=tenant, event_types=["webhook.test"]
    )
    return event


def _fanned_out(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result == {"batchItemFailures": []}
    tasks = queued_tasks(stack)
    assert [(t["endpointId"], t["attempt"], t["round"]) for t in tasks] == [("ep_documents", 1, 0)]
    states = [i for i in scan(stack, "WebhookTableName", "T#") if i["sk"]["S"].startswith("D#")]
    assert [(s["endpointId"]["S"], s["status"]["S"]) for s in states] == [("ep_documents", "pending")]


def _message_to_a_private_endpoint(stack: StackHarness, event: Any) -> Any:
    message_id = seed_message(stack, {"order": 1})
    seed_endpoint(stack, "ep_private", "https://10.0.0.5/hooks")
    body = json.loads(event["Records"][0]["body"])
    event["Records"][0]["body"] = json.dumps({**body, "messageId": message_id, "endpointId": "ep_private"})
    return event


def _refused_at_send_and_retried(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result == {"batchItemFailures": []}
    [attempt] = [i for i in scan(stack, "WebhookTableName", "T#") if i["sk"]["S"].startswith("A#")]
    assert attempt["error"]["S"].startswith("refused target: 10.0.0.5 is in 10.0.0.0/8")
    assert attempt["success"]["BOOL"] is False
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.output("WebhookDeliveryQueueUrl"),
        AttributeNames=["ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # attempt 2, in about 5 s


def _relayed_once(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result["created"] is True
    again = stack.function(RELAY).invoke(event)  # EventBridge delivers at least once
    [item] = scan(stack, "WebhookOutboxTableName")
    assert again == {**outcome.result, "created": False}
    assert item["tenantId"]["S"] == OPERATORS
    assert item["eventType"]["S"] == "user.disabled"
    assert json.loads(item["payload"]["S"])["sub"] == event["detail"]["sub"]


CASES: dict[tuple[str, str], EventCase] = {
    ("webhooks_api", "list_event_types"): EventCase(check=_catalogue),
    ("webhooks_api", "create_endpoint_private_url"): EventCase(check=_private_url_refused),
    ("webhooks_api", "publish_message"): EventCase(check=_published),
    ("webhook_dispatcher", "outbox_insert"): EventCase(check=_fanned_out, prepare=_two_endpoints),
    ("webhook_sender", "delivery_task"): EventCase(
        check=_refused_at_send_and_retried, prepare=_message_to_a_private_endpoint
    ),
    ("webhook_bus_relay", "inactive_user_disabled"): EventCase(check=_relayed_once),
}
