"""Replica stream -> archiver (Firehose -> S3) and counters -> counters API, on the deployed template."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.replication.conftest import (
    API,
    ARCHIVER,
    COUNTER,
    KinesisPump,
    ReplicaStream,
    archived_lines,
)
from tests.support.harness import StackHarness, load_event
from tools.traffic_generator import generate_events


def _expected_item(event: dict[str, Any]) -> dict[str, Any]:
    """What the source design stores for an event: its non-empty fields (keys are checked separately)."""
    return {k: v for k, v in event.items() if v is not None and v != ""}


@pytest.fixture
def replicated(stack: StackHarness) -> tuple[list[dict[str, Any]], ReplicaStream]:
    """300 web events spread over the last 150 minutes, replicated into the replica table."""
    start = datetime.now(UTC) - timedelta(minutes=150)
    events = generate_events(300, users=25, start=start, spread_seconds=150 * 60, seed=11)
    pump = KinesisPump(stack)
    pump.put(events)
    assert pump.deliver() == []
    return events, ReplicaStream(stack)


def test_the_archive_holds_exactly_the_flattened_items(
    stack: StackHarness, replicated: tuple[list[dict[str, Any]], ReplicaStream]
) -> None:
    events, replica_stream = replicated

    results = replica_stream.deliver(ARCHIVER, replica_stream.read())

    assert all(r == {"batchItemFailures": []} for r in results)
    lines = archived_lines(stack)
    # Plain JSON, numbers as numbers (nested click positions included), one line per item
    assert sorted(
        (
            {k: v for k, v in line.items() if k not in {"sequenceNumber", "shardId", "seqNumbershardIdHash"}}
            for line in lines
        ),
        key=lambda row: row["eventId"],
    ) == sorted((_expected_item(e) for e in events), key=lambda row: row["eventId"])
    assert all(line["seqNumbershardIdHash"].endswith("_" + line["shardId"]) for line in lines)
    assert any(isinstance(line.get("position", {}).get("x"), int) for line in lines)


def _independent_counts(events: list[dict[str, Any]]) -> dict[str, Counter[tuple[str, str]]]:
    counts: dict[str, Counter[tuple[str, str]]] = {"minute": Counter(), "hour": Counter()}
    for event in events:
        moment = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
        counts["minute"][(event["event"], moment.strftime("%Y-%m-%dT%H:%M:00"))] += 1
        counts["hour"][(event["event"], moment.strftime("%Y-%m-%dT%H:00:00"))] += 1
    return counts


def _table_counts(stack: StackHarness, output: str) -> Counter[tuple[str, str]]:
    dynamodb = stack.client("dynamodb")
    counts: Counter[tuple[str, str]] = Counter()
    for page in dynamodb.get_paginator("scan").paginate(TableName=stack.output(output)):
        for item in page["Items"]:
            counts[(item["EventName"]["S"], item["DateHour"]["S"])] += int(item["EventCount"]["N"])
    return counts


def test_counters_match_a_count_computed_from_the_input(
    stack: StackHarness, replicated: tuple[list[dict[str, Any]], ReplicaStream]
) -> None:
    events, replica_stream = replicated

    replica_stream.deliver(COUNTER, replica_stream.read())

    expected = _independent_counts(events)
    assert _table_counts(stack, "CountersMinuteTableName") == expected["minute"]
    assert _table_counts(stack, "CountersHourTableName") == expected["hour"]


def test_a_retried_counter_batch_leaves_the_counts_unchanged(
    stack: StackHarness, replicated: tuple[list[dict[str, Any]], ReplicaStream]
) -> None:
    events, replica_stream = replicated
    records = replica_stream.read()
    replica_stream.deliver(COUNTER, records)
    before = (_table_counts(stack, "CountersMinuteTableName"), _table_counts(stack, "CountersHourTableName"))

    # When Lambda delivers the same batches again (a retry after a timeout, say)
    retried = replica_stream.deliver(COUNTER, records)

    assert (
        _table_counts(stack, "CountersMinuteTableName"),
        _table_counts(stack, "CountersHourTableName"),
    ) == before
    assert all(result["committed"] == 0 and result["skipped"] > 0 for result in retried)
    assert sum(before[1].values()) == len(events)


def test_replayed_items_are_not_counted_again(
    stack: StackHarness, replicated: tuple[list[dict[str, Any]], ReplicaStream]
) -> None:
    events, replica_stream = replicated
    replica_stream.deliver(COUNTER, replica_stream.read())
    # A replay from TRIM_HORIZON rewrites every item; changed ones come back as MODIFY
    dynamodb = stack.client("dynamodb")
    table = stack.output("ReplicaTableName")
    first = dynamodb.scan(TableName=table, Limit=5)["Items"]
    for item in first:
        dynamodb.put_item(TableName=table, Item={**item, "replayed": {"BOOL": True}})

    replica_stream.deliver(COUNTER, replica_stream.read())

    assert sum(_table_counts(stack, "CountersHourTableName").values()) == len(events)


def _api_event(query: dict[str, str]) -> dict[str, Any]:
    event: dict[str, Any] = load_event("counters_api", "get_counters")
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    return event


def test_the_api_returns_zero_filled_series_matching_the_counts(
    stack: StackHarness, replicated: tuple[list[dict[str, Any]], ReplicaStream]
) -> None:
    events, replica_stream = replicated
    replica_stream.deliver(COUNTER, replica_stream.read())
    api = stack.function(API)

    response = api.invoke(_api_event({"events": "page view,click", "hours": "3", "resolution": "minute"}))

    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert [s["event"] for s in body["series"]] == ["page view", "click"]
    expected = _independent_counts(events)["minute"]
    for series in body["series"]:
        points = series["points"]
        assert len(points) == 180  # every minute of the 3 hours, gaps included
        assert [p["dateHour"] for p in points] == sorted(p["dateHour"] for p in points)
        assert {p["dateHour"]: p["count"] for p in points if p["count"]} == {
            when: n
            for (name, when), n in expected.items()
            if name == series["event"] and when >= points[0]["dateHour"]
        }
        assert any(p["count"] == 0 for p in points)
        assert series["total"] == sum(p["count"] for p in points)


def test_the_api_serves_hourly_series(
    stack: StackHarness, replicated: tuple[list[dict[str, Any]], ReplicaStream]
) -> None:
    events, replica_stream = replicated
    replica_stream.deliver(COUNTER, replica_stream.read())

    response = stack.function(API).invoke(
        _api_event({"events": "impression", "hours": "6", "resolution": "hour"})
    )

    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert len(body["series"][0]["points"]) == 6
    assert body["series"][0]["total"] == sum(1 for e in events if e["event"] == "impression")


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ({"events": "click", "resolution": "second"}, "resolution"),
        ({"events": "click", "hours": "0"}, "hours"),
        ({"events": "click", "hours": "25", "resolution": "minute"}, "hours"),
        ({"events": "click", "hours": "many"}, "hours"),
        ({"events": "a,b,c,d,e,f"}, "at most 5"),
        ({"events": " , "}, "at least one"),
        ({"events": "bad#name"}, "not an event name"),
        ({"hours": "3"}, "events"),
    ],
)
def test_the_api_rejects_bad_input_with_a_400_saying_what_is_wrong(
    stack: StackHarness, query: dict[str, str], complaint: str
) -> None:
    response = stack.function(API).invoke(_api_event(query))

    assert response["statusCode"] == 400
    assert complaint in json.loads(response["body"])["message"]
