"""Counter logic without AWS: event times, one increment per distinct counter, deterministic chunks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

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
