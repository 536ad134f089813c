"""The processor in-process against moto, fed from the inbound table's own stream: order, statuses,
the analytics target, and what a failure does to the webhooks behind it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stratus_shared import aws
from tests.integration.webhooks_in.conftest import (
    PROCESSOR,
    dead_letters,
    items,
    observe_bus,
    post,
    received_inserts,
    register,
    signed,
)
from tests.support.harness import StackHarness


def _send(stack: StackHarness, source: str, count: int, kind: str = "invoice.paid") -> list[str]:
    ids = []
    for n in range(count):
        body = json.dumps({"type": kind, "n": n}).encode()
        status, answer = post(stack, source, body, signed(f"{source}-{n}", body))
        assert status == 202, answer
        ids.append(answer["id"])
    return ids


def _statuses(stack: StackHarness, source: str) -> dict[str, str]:
    return {i["sk"]["S"]: i["status"]["S"] for i in items(stack, source)}


@pytest.fixture
def throttled_bus() -> Iterator[dict[str, int]]:
    """PutEvents refused (throttled) while `left` > 0."""
    state = {"left": 0, "calls": 0}
    events = aws.client("events")

    def maybe_refuse(**_: Any) -> None:
        state["calls"] += 1
        if state["left"] > 0:
            state["left"] -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "rate"}}, "PutEvents")

    events.meta.events.register("before-call.events.PutEvents", maybe_refuse)
    yield state
    events.meta.events.unregister("before-call.events.PutEvents", maybe_refuse)


def test_webhooks_reach_the_bus_in_receive_order_and_are_processed(stack: StackHarness) -> None:
    bus = observe_bus(stack)
    register(stack, "acme")
    register(stack, "beta", eventTypePath="n")
    ids = _send(stack, "acme", 25)
    _send(stack, "beta", 2)

    result = stack.function(PROCESSOR).invoke({"Records": received_inserts(stack)})

    assert result == {"batchItemFailures": []}
    events = bus()
    assert [e["detail"]["webhookId"] for e in events if e["detail"]["source"] == "acme"] == ids
    assert {e["detail-type"] for e in events} == {"acme.invoice.paid", "beta.0", "beta.1"}
    first = next(e for e in events if e["detail"]["webhookId"] == ids[0])
    assert first["detail"]["payload"] == {"type": "invoice.paid", "n": 0}
    assert first["detail"]["s3"]["key"].startswith("in/acme/")
    assert set(_statuses(stack, "acme").values()) == {"PROCESSED"}


def test_a_retried_batch_does_not_publish_twice(stack: StackHarness) -> None:
    bus = observe_bus(stack)
    register(stack, "acme")
    _send(stack, "acme", 3)
    records = received_inserts(stack)
    stack.function(PROCESSOR).invoke({"Records": records})
    stack.function(PROCESSOR).invoke({"Records": records})  # Lambda may deliver a batch again
    assert len(bus()) == 3


def test_a_throttled_bus_retries_from_that_webhook_and_keeps_the_order(
    stack: StackHarness, throttled_bus: dict[str, int]
) -> None:
    bus = observe_bus(stack)
    register(stack, "acme")
    ids = _send(stack, "acme", 4)
    records = received_inserts(stack)
    throttled_bus["left"] = 1

    first = stack.function(PROCESSOR).invoke({"Records": records})
    # Nothing is out of order: the first webhook failed, so it and everything after it come again.
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == sequences
    assert bus() == []
    assert stack.function(PROCESSOR).invoke({"Records": records}) == {"batchItemFailures": []}
    assert [e["detail"]["webhookId"] for e in bus()] == ids
    [item] = [i for i in items(stack, "acme") if i["sk"]["S"] == ids[0]]
    assert (item["status"]["S"], item["attempts"]["N"]) == ("PROCESSED", "1")


def test_a_webhook_that_keeps_failing_is_failed_and_stops_blocking(
    stack: StackHarness, throttled_bus: dict[str, int]
) -> None:
    bus = observe_bus(stack)
    register(stack, "acme")
    ids = _send(stack, "acme", 2)
    records = received_inserts(stack)
    throttled_bus["left"] = 5  # MAX_ATTEMPTS of the template

    answers = [stack.function(PROCESSOR).invoke({"Records": records}) for _ in range(5)]

    assert [len(a["batchItemFailures"]) for a in answers] == [2, 2, 2, 2, 0]  # both, from the first
    assert [e["detail"]["webhookId"] for e in bus()] == [ids[1]]
    assert _statuses(stack, "acme") == {ids[0]: "FAILED", ids[1]: "PROCESSED"}
    [letter] = dead_letters(stack)
    assert (letter["webhookId"], letter["reason"]) == (ids[0], "gave up after 5 attempts: ClientError")


def test_a_webhook_whose_body_is_gone_fails_at_once(stack: StackHarness) -> None:
    register(stack, "acme")
    ids = _send(stack, "acme", 2)
    [item] = [i for i in items(stack, "acme") if i["sk"]["S"] == ids[0]]
    s3 = stack.client("s3")
    for version in s3.list_object_versions(Bucket=item["bucket"]["S"], Prefix=item["key"]["S"])["Versions"]:
        s3.delete_object(Bucket=item["bucket"]["S"], Key=item["key"]["S"], VersionId=version["VersionId"])

    assert stack.function(PROCESSOR).invoke({"Records": received_inserts(stack)}) == {"batchItemFailures": []}
    assert _statuses(stack, "acme") == {ids[0]: "FAILED", ids[1]: "PROCESSED"}
    [failed] = [i for i in items(stack, "acme") if i["sk"]["S"] == ids[0]]
    assert failed["reason"]["S"].endswith("is gone")
    assert [d["webhookId"] for d in dead_letters(stack)] == [ids[0]]


def test_the_analytics_target_puts_web_events_on_the_stream(stack: StackHarness) -> None:
    register(stack, "shop", targets=["analytics"])
    register(stack, "quiet")
    _send(stack, "shop", 2, kind="order.created")
    _send(stack, "quiet", 1)
    stack.function(PROCESSOR).invoke({"Records": received_inserts(stack)})

    kinesis = stack.client("kinesis")
    name = stack.output("WebAnalyticsStreamName")
    records = []
    for shard in kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )
        records += kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    events = [json.loads(r["Data"]) for r in records]
    assert [(e["event"], e["userId"]) for e in events] == [("order.created", "webhook:shop")] * 2


def test_analytics_is_refused_when_the_stack_has_no_web_analytics_stream(stack_factory: Any) -> None:
    from tests.integration.webhooks_in.conftest import admin_call

    stack = stack_factory(EnableStreamReplication="false")
    status, body = admin_call(
        stack, "PUT", "/webhooks/sources/shop", {"scheme": "github", "secret": "s", "targets": ["analytics"]}
    )
    assert (status, body["message"]) == (
        400,
        "targets: analytics needs the web-analytics stream (stream replication)",
    )
