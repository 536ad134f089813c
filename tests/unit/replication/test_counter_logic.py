"""Counter logic without AWS: event times, one increment per distinct counter, deterministic chunks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

FUNCTION = "event_counter"


@pytest.fixture
def logic(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "logic")


@pytest.mark.parametrize(
    "value",
    ["2026-11-22T21:58:30.000Z", "2026-11-22T21:58:30+00:00", 1795384710, 1795384710000, 1795384710000000000],
)
def test_event_time_reads_iso_and_epoch_units(logic: ModuleType, value: Any) -> None:
    assert logic.event_time(value, None) == datetime(2026, 11, 22, 21, 58, 30, tzinfo=UTC)


def test_unreadable_time_falls_back_to_arrival(logic: ModuleType) -> None:
    arrival = datetime(2026, 1, 1, tzinfo=UTC)
    assert logic.event_time("yesterday", arrival) == arrival
    assert logic.event_time(None, arrival) == arrival


def test_one_increment_per_distinct_counter(logic: ModuleType, event: Any) -> None:
    records = event(FUNCTION, "new_events")["Records"]

    counters, uncounted = logic.count(records, "event", "timestamp")

    assert uncounted == 0
    hours = {k: n for k, n in counters.items() if k.resolution == "hour"}
    minutes = {k: n for k, n in counters.items() if k.resolution == "minute"}
    assert sum(hours.values()) == sum(minutes.values()) == len(records)
    assert all(k.date_hour.endswith(":00:00") for k in hours)
    assert all(len(k.date_hour) == 19 and k.date_hour.endswith(":00") for k in minutes)


def test_events_without_a_name_are_not_counted(logic: ModuleType, event: Any) -> None:
    records = json.loads(json.dumps(event(FUNCTION, "new_events")["Records"]))
    del records[0]["dynamodb"]["NewImage"]["event"]

    counters, uncounted = logic.count(records, "event", "timestamp")

    assert uncounted == 1
    assert sum(n for k, n in counters.items() if k.resolution == "hour") == len(records) - 1


def test_configured_attributes_are_used(logic: ModuleType, event: Any) -> None:
    records = event(FUNCTION, "new_events")["Records"]

    counters, _ = logic.count(records, "country", "nanotimestamp")

    countries = {json.loads(json.dumps(r["dynamodb"]["NewImage"]["country"]["S"])) for r in records}
    assert {k.event_name for k in counters} == countries


def test_a_retried_batch_rebuilds_the_same_chunks(logic: ModuleType, event: Any) -> None:
    records = event(FUNCTION, "new_events")["Records"]
    counters, _ = logic.count(records, "event", "timestamp")

    first = logic.chunks(logic.batch_identity(records), counters)
    again = logic.chunks(logic.batch_identity(json.loads(json.dumps(records))), counters)

    assert first == again
    assert logic.batch_identity(records[:-1]) != logic.batch_identity(records)


def test_more_counters_than_a_transaction_takes_are_split(logic: ModuleType, function_module: Any) -> None:
    models = function_module(FUNCTION, "models")
    from collections import Counter

    counters = Counter(
        {
            models.CounterKey("minute", "click", f"2026-11-22T{h:02d}:{m:02d}:00"): 1
            for h in range(3)
            for m in range(60)
        }
    )

    chunks = logic.chunks("batch", counters)

    assert [len(c.increments) for c in chunks] == [99, 81]
    assert [c.marker_id for c in chunks] == ["batch#0", "batch#1"]


class ConflictingDynamo:
    """Cancels the first `conflicts` transactions as DynamoDB does when another one holds the items."""

    def __init__(self, conflicts: int, first_reason: str = "None") -> None:
        self.conflicts = conflicts
        self.first_reason = first_reason
        self.calls = 0
        self.committed: list[list[Any]] = []

    def transact_write_items(self, TransactItems: list[Any]) -> None:
        self.calls += 1
        if self.calls <= self.conflicts:
            reasons = [{"Code": self.first_reason}] + [{"Code": "TransactionConflict"}] * (
                len(TransactItems) - 1
            )
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons},
                "TransactWriteItems",
            )
        self.committed.append(TransactItems)


def _chunk(logic: ModuleType, event: Any) -> Any:
    records = event(FUNCTION, "new_events")["Records"]
    counters, _ = logic.count(records, "event", "timestamp")
    (chunk,) = logic.chunks(logic.batch_identity(records), counters)
    return chunk


def test_a_transaction_conflict_on_a_hot_counter_is_retried_not_failed(
    logic: ModuleType, function_module: Callable[[str, str], ModuleType], event: Any
) -> None:
    # Given another shard's counter holding the same counters twice in a row
    dynamo = ConflictingDynamo(conflicts=2)
    sink = function_module(FUNCTION, "dal").DynamoCounterSink(
        "minute", "hour", "batches", dynamodb=dynamo, sleep=lambda _: None
    )

    # When the chunk is applied, Then it commits on the third attempt, once
    assert sink.apply(_chunk(logic, event)) is True
    assert dynamo.calls == 3
    assert len(dynamo.committed) == 1


def test_conflicts_that_do_not_clear_fail_the_batch_and_a_found_marker_skips_it(
    logic: ModuleType, function_module: Callable[[str, str], ModuleType], event: Any
) -> None:
    dal = function_module(FUNCTION, "dal")
    stuck = ConflictingDynamo(conflicts=99)
    with pytest.raises(ClientError):
        dal.DynamoCounterSink(
            "minute", "hour", "batches", dynamodb=stuck, max_attempts=4, sleep=lambda _: None
        ).apply(_chunk(logic, event))
    assert stuck.calls == 4

    counted = ConflictingDynamo(conflicts=1, first_reason="ConditionalCheckFailed")
    sink = dal.DynamoCounterSink("minute", "hour", "batches", dynamodb=counted, sleep=lambda _: None)
    assert sink.apply(_chunk(logic, event)) is False
    assert counted.calls == 1
