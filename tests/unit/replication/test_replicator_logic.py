"""Replicator logic and batching, without AWS: keys, poison records, 25-item calls, unprocessed retries."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

FUNCTION = "stream_replicator"


@pytest.fixture
def logic(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "logic")


@pytest.fixture
def dal(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "dal")


def _record(template: dict[str, Any], data: bytes, sequence_number: str) -> dict[str, Any]:
    record = json.loads(json.dumps(template))
    record["kinesis"]["data"] = base64.b64encode(data).decode()
    record["kinesis"]["sequenceNumber"] = sequence_number
    record["eventID"] = f"shardId-000000000003:{sequence_number}"
    return record


class FakeSink:
    def __init__(self, models: ModuleType, unwritten: int = 0) -> None:
        self.models = models
        self.items: list[Any] = []
        self.dead: list[Any] = []
        self.unwritten = unwritten

    def write_items(self, items: Any) -> Any:
        self.items.extend(items)
        return self.models.WriteOutcome(unwritten=list(items[: self.unwritten]))

    def dead_letter(self, records: Any) -> None:
        self.dead.extend(records)


def test_items_are_keyed_as_the_source_design_with_empty_values_dropped(
    logic: ModuleType, event: Any
) -> None:
    # Given a real-shaped record whose payload has an empty referrer and a null field
    raw = event(FUNCTION, "web_events")["Records"][0]
    payload = json.loads(base64.b64decode(raw["kinesis"]["data"]))
    payload.update({"referrer": "", "campaign": None, "score": 1.25})
    record = _record(
        raw, json.dumps(payload).encode(), "49657123456789012345678901234567890123456789012345678942"
    )

    # When it is planned
    items, poisoned = logic.plan([record])

    # Then its key is sequenceNumber[-3:-1] + "_" + shardId, empty values are gone, numbers stay exact
    assert poisoned == []
    attributes = items[0].attributes
    assert attributes["seqNumbershardIdHash"] == "94_shardId-000000000003"
    assert attributes["sequenceNumber"] == "49657123456789012345678901234567890123456789012345678942"
    assert attributes["shardId"] == "shardId-000000000003"
    assert "referrer" not in attributes
    assert "campaign" not in attributes
    assert attributes["score"] == Decimal("1.25")
    assert attributes["userId"] == payload["userId"]


def test_non_object_records_are_poison_with_reason_and_sequence_number(logic: ModuleType, event: Any) -> None:
    records = event(FUNCTION, "poison_records")["Records"]

    items, poisoned = logic.plan(records)

    assert [item.sequence_number for item in items] == [
        records[0]["kinesis"]["sequenceNumber"],
        records[3]["kinesis"]["sequenceNumber"],
    ]
    assert [(p.sequence_number, p.reason.split(":")[0]) for p in poisoned] == [
        (records[1]["kinesis"]["sequenceNumber"], "not JSON"),
        (records[2]["kinesis"]["sequenceNumber"], "not a JSON object"),
    ]
    assert poisoned[0].data_base64 == records[1]["kinesis"]["data"]


def test_a_record_too_large_for_an_item_is_poison(logic: ModuleType, event: Any) -> None:
    raw = event(FUNCTION, "web_events")["Records"][0]
    big = _record(
        raw,
        json.dumps({"event": "page view", "blob": "x" * 420_000}).encode(),
        raw["kinesis"]["sequenceNumber"],
    )

    items, poisoned = logic.plan([big])

    assert items == []
    assert poisoned[0].reason.startswith("too large for an item")
    assert poisoned[0].data_base64 is None  # too big to copy into an SQS message
    assert poisoned[0].data_bytes > 420_000


def test_undecodable_record_is_poison_not_an_exception(logic: ModuleType, event: Any) -> None:
    raw = event(FUNCTION, "web_events")["Records"][0]
    broken = json.loads(json.dumps(raw))
    del broken["kinesis"]["partitionKey"]

    items, poisoned = logic.plan([broken, raw])

    assert len(items) == 1
    assert poisoned[0].reason.startswith("malformed Kinesis record")
    assert poisoned[0].sequence_number == raw["kinesis"]["sequenceNumber"]


def test_unwritten_items_are_reported_for_retry_and_poison_is_dead_lettered(
    logic: ModuleType, function_module: Callable[[str, str], ModuleType], event: Any
) -> None:
    records = event(FUNCTION, "poison_records")["Records"]
    sink = FakeSink(function_module(FUNCTION, "models"), unwritten=1)

    result = logic.replicate(records, sink)

    assert result.failed_sequence_numbers == [records[0]["kinesis"]["sequenceNumber"]]
    assert result.written == 1
    assert len(sink.dead) == 2


class FakeDynamo:
    """Records BatchWriteItem calls; leaves the first `unprocessed` items of each call unprocessed."""

    def __init__(self, unprocessed: int = 0, reject_sequence: str | None = None) -> None:
        self.calls: list[int] = []
        self.puts: list[str] = []
        self.unprocessed = unprocessed
        self.reject_sequence = reject_sequence

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        (table, requests), *_ = RequestItems.items()
        self.calls.append(len(requests))
        sequences = [r["PutRequest"]["Item"]["sequenceNumber"]["S"] for r in requests]
        items = [r["PutRequest"]["Item"] for r in requests]
        keys = [(i["seqNumbershardIdHash"]["S"], i["sequenceNumber"]["S"]) for i in items]
        if len(set(keys)) != len(keys):  # as DynamoDB does
            raise ClientError(
                {
                    "Error": {
                        "Code": "ValidationException",
                        "Message": "Provided list of item keys contains duplicates",
                    }
                },
                "BatchWriteItem",
            )
        if self.reject_sequence in sequences:
            raise ClientError(
                {"Error": {"Code": "ValidationException", "Message": "bad number"}}, "BatchWriteItem"
            )
        left = requests[: self.unprocessed]
        return {"UnprocessedItems": {table: left} if left else {}}

    def put_item(self, TableName: str, Item: dict[str, Any]) -> None:
        if Item["sequenceNumber"]["S"] == self.reject_sequence:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad number"}}, "PutItem")
        self.puts.append(Item["sequenceNumber"]["S"])


def _items(logic: ModuleType, event: Any, count: int) -> list[Any]:
    raw = event(FUNCTION, "web_events")["Records"][0]
    records = [_record(raw, b'{"event": "click", "n": %d}' % i, str(10**55 + i)) for i in range(count)]
    items, _ = logic.plan(records)
    return list(items)


def test_items_are_written_25_a_call(logic: ModuleType, dal: ModuleType, event: Any) -> None:
    dynamo = FakeDynamo()
    sink = dal.DynamoReplicaSink("replica", "queue", dynamo, sleep=lambda _: None)

    outcome = sink.write_items(_items(logic, event, 60))

    assert dynamo.calls == [25, 25, 10]
    assert outcome.unwritten == []


def test_only_unprocessed_items_are_resent_and_leftovers_reported(
    logic: ModuleType, dal: ModuleType, event: Any
) -> None:
    dynamo = FakeDynamo(unprocessed=2)
    sink = dal.DynamoReplicaSink("replica", "queue", dynamo, max_attempts=3, sleep=lambda _: None)

    outcome = sink.write_items(_items(logic, event, 10))

    assert dynamo.calls == [10, 2, 2]
    assert len(outcome.unwritten) == 2


def test_an_item_dynamodb_refuses_does_not_sink_its_call(
    logic: ModuleType, dal: ModuleType, event: Any
) -> None:
    items = _items(logic, event, 5)
    dynamo = FakeDynamo(reject_sequence=items[2].sequence_number)
    sink = dal.DynamoReplicaSink("replica", "queue", dynamo, sleep=lambda _: None)

    outcome = sink.write_items(items)

    assert [item.sequence_number for item, _ in outcome.rejected] == [items[2].sequence_number]
    assert sorted(dynamo.puts) == sorted(i.sequence_number for i in items if i is not items[2])


def test_numbers_dynamodb_cannot_hold_are_refused_alone(
    logic: ModuleType, dal: ModuleType, event: Any
) -> None:
    raw = event(FUNCTION, "web_events")["Records"][0]
    huge = _record(
        raw, b'{"event": "click", "n": 1.0000000000000000000000000000000000000001}', str(10**55 + 99)
    )
    nan = _record(raw, b'{"event": "click", "n": NaN}', str(10**55 + 98))
    items, poisoned = logic.plan([huge, nan, *event(FUNCTION, "web_events")["Records"][1:3]])
    dynamo = FakeDynamo()

    outcome = dal.DynamoReplicaSink("replica", "queue", dynamo, sleep=lambda _: None).write_items(items)

    assert [p.sequence_number for p in poisoned] == [str(10**55 + 98)]
    assert [item.sequence_number for item, _ in outcome.rejected] == [str(10**55 + 99)]
    assert dynamo.calls == [2]


def test_a_record_twice_in_one_batch_is_one_put_in_one_call(
    logic: ModuleType, function_module: Callable[[str, str], ModuleType], event: Any
) -> None:
    # Given a batch in which Lambda delivers the same records twice (a replay inside one batch)
    records = event(FUNCTION, "web_events")["Records"]
    dynamo = FakeDynamo()
    sink = function_module(FUNCTION, "dal").DynamoReplicaSink(
        "replica", "queue", dynamo, sleep=lambda _: None
    )

    result = logic.replicate([*records, *records], sink)

    # Then each key is written once, in one BatchWriteItem call DynamoDB accepts (no one-by-one fallback)
    assert dynamo.calls == [len(records)]
    assert dynamo.puts == []
    assert result.written == len(records)
    assert result.poisoned == []
    assert result.failed_sequence_numbers == []


class FakeSqs:
    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def test_dead_letters_go_in_calls_sqs_accepts(logic: ModuleType, dal: ModuleType, event: Any) -> None:
    # Given a batch with a dozen small poison records and three large non-JSON ones (~130 KB base64 each)
    raw = event(FUNCTION, "web_events")["Records"][0]
    small = [_record(raw, b"[1, 2]", str(10**55 + i)) for i in range(12)]
    large = [_record(raw, b"x" * 100_000, str(10**55 + 50 + i)) for i in range(3)]
    sqs = FakeSqs()
    sink = dal.DynamoReplicaSink("replica", "queue", FakeDynamo(), sleep=lambda _: None, sqs=sqs)

    logic.replicate([*small, *large], sink)

    # Then every record is dead-lettered once, in calls of at most 10 messages and 256 KiB
    sent = [json.loads(e["MessageBody"])["sequenceNumber"] for call in sqs.calls for e in call]
    assert sorted(sent) == sorted(r["kinesis"]["sequenceNumber"] for r in [*small, *large])
    assert all(len(call) <= 10 for call in sqs.calls)
    assert all(sum(len(e["MessageBody"].encode()) for e in call) <= 256 * 1024 for call in sqs.calls)
    assert all(json.loads(e["MessageBody"])["dataBase64"] for call in sqs.calls for e in call)
