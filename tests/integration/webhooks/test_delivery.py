"""The sender and dispatcher against moto, with a real receiver on loopback: what one batch costs and
how duplicates, poison records and long retries are handled."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from botocore.client import BaseClient

from tests.integration.webhooks.conftest import (
    DISPATCHER,
    SENDER,
    TENANT,
    queued_tasks,
    seed_endpoint,
    seed_message,
    sqs_event,
)
from tests.support.harness import StackHarness, load_event
from tests.support.webhook_receiver import Planned, Receiver


@pytest.fixture
def loopback_stack(stack_factory: Callable[..., StackHarness]) -> StackHarness:
    return stack_factory(WebhookAllowLoopbackTargets="true")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def _task(message_id: str, endpoint_id: str, **fields: Any) -> str:
    return json.dumps({"tenantId": TENANT, "messageId": message_id, "endpointId": endpoint_id, **fields})


def _counted() -> Any:
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls[f"{self.meta.service_model.service_name}.{operation}"] += 1
        return original(self, operation, params)

    return calls, mock.patch.object(BaseClient, "_make_api_call", counting)


def test_signing_keys_are_decrypted_once_per_endpoint_per_warm_container(
    loopback_stack: StackHarness, receiver: Receiver
) -> None:
    stack = loopback_stack
    for name in ("a", "b"):
        seed_endpoint(stack, f"ep_{name}", receiver.url(f"/{name}"))
    messages = [seed_message(stack, {"n": n}) for n in range(6)]
    calls, counting = _counted()

    with counting:
        for batch in (messages[:2], messages[2:4], messages[4:]):
            tasks = [_task(m, f"ep_{e}") for m in batch for e in ("a", "b")]
            assert stack.function(SENDER).invoke(sqs_event(stack, tasks)) == {"batchItemFailures": []}

    assert len(receiver.received("/a")) == len(receiver.received("/b")) == 6
    assert calls["kms.Decrypt"] == 2  # one per endpoint, for 12 deliveries in 3 invocations
    assert calls["dynamodb.BatchGetItem"] == 3  # one read per batch ...
    assert calls["dynamodb.BatchWriteItem"] == 3  # ... and one write
    assert calls["secretsmanager.GetSecretValue"] == 0


def test_a_duplicate_task_is_not_delivered_twice(loopback_stack: StackHarness, receiver: Receiver) -> None:
    stack = loopback_stack
    seed_endpoint(stack, "ep_a", receiver.url("/a"))
    message_id = seed_message(stack, {"once": True})

    first = stack.function(SENDER).invoke(sqs_event(stack, [_task(message_id, "ep_a")]))
    again = stack.function(SENDER).invoke(
        sqs_event(stack, [_task(message_id, "ep_a"), _task(message_id, "ep_a")])
    )

    assert first == again == {"batchItemFailures": []}
    assert len(receiver.received("/a")) == 1


def test_a_retry_further_than_fifteen_minutes_is_a_one_time_schedule_that_deletes_itself(
    loopback_stack: StackHarness, receiver: Receiver
) -> None:
    stack = loopback_stack
    receiver.plan("/a", Planned(500))
    seed_endpoint(stack, "ep_a", receiver.url("/a"))
    message_id = seed_message(stack, {"late": True})

    stack.function(SENDER).invoke(sqs_event(stack, [_task(message_id, "ep_a", attempt=3, trigger="retry")]))

    scheduler = stack.client("scheduler")
    group = stack.output("WebhookRetryScheduleGroupName")
    [listed] = scheduler.list_schedules(GroupName=group)["Schedules"]
    schedule = scheduler.get_schedule(GroupName=group, Name=listed["Name"])
    assert schedule["ScheduleExpression"].startswith("at(")
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"].endswith(
        ":" + stack.output("WebhookDeliveryQueueUrl").rsplit("/", 1)[-1]
    )
    assert json.loads(schedule["Target"]["Input"])["attempt"] == 4
    assert queued_tasks(stack) == []


def test_a_malformed_task_fails_alone(loopback_stack: StackHarness, receiver: Receiver) -> None:
    stack = loopback_stack
    seed_endpoint(stack, "ep_a", receiver.url("/a"))
    message_id = seed_message(stack, {"fine": True})

    result = stack.function(SENDER).invoke(sqs_event(stack, ["not a task", _task(message_id, "ep_a")]))

    assert result == {
        "batchItemFailures": [{"itemIdentifier": "m-0"}]
    }  # SQS retries it, then dead-letters it
    assert len(receiver.received("/a")) == 1


def test_a_malformed_outbox_record_is_skipped_without_holding_the_stream(stack: StackHarness) -> None:
    seed_endpoint(stack, "ep_a", "https://hooks.example.com/a")
    event = load_event("webhook_dispatcher", "outbox_insert")
    good = event["Records"][0]
    broken = json.loads(json.dumps(good))
    broken["dynamodb"]["NewImage"].pop("tenantId")
    broken["dynamodb"]["SequenceNumber"] = "111100000000000000000000"
    good["dynamodb"]["NewImage"]["tenantId"] = {"S": TENANT}
    good["dynamodb"]["NewImage"]["eventType"] = {"S": "webhook.test"}

    result = stack.function(DISPATCHER).invoke({"Records": [broken, good]})

    assert result == {"batchItemFailures": []}
    assert [t["endpointId"] for t in queued_tasks(stack)] == ["ep_a"]
