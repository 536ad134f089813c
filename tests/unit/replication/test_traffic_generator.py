"""The traffic generator: realistic, reproducible events; PutRecords resends only throttled records."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from tools.traffic_generator import TrafficGenerator, generate_events, stream_name_from_stack


def test_events_look_like_web_analytics() -> None:
    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    events = generate_events(2000, users=50, start=start, spread_seconds=600, seed=1)

    kinds = Counter(e["event"] for e in events)
    assert set(kinds) == {"page view", "impression", "click"}
    assert kinds["page view"] > kinds["impression"] > kinds["click"] > 0
    assert len({e["userId"] for e in events}) <= 50
    assert len({e["eventId"] for e in events}) == 2000
    assert events[0]["timestamp"] == "2026-11-22T12:00:00.000Z"
    assert events[-1]["timestamp"] < "2026-11-22T12:10:00.000Z"
    assert all("position" in e for e in events if e["event"] == "click")


def test_a_seed_makes_the_traffic_reproducible() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert generate_events(20, start=start, seed=5) == generate_events(20, start=start, seed=5)
    assert generate_events(20, start=start, seed=5) != generate_events(20, start=start, seed=6)


class FakeKinesis:
    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Records)
        throttle = len(self.calls) == 1
        return {
            "Records": [
                {"ErrorCode": "ProvisionedThroughputExceededException"}
                if throttle and i % 2
                else {"SequenceNumber": "1"}
                for i in range(len(Records))
            ]
        }


def test_records_go_500_a_call_and_only_throttled_ones_are_resent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tools.traffic_generator.time.sleep", lambda _: None)
    kinesis = FakeKinesis()

    sent = TrafficGenerator("web", kinesis=kinesis).send(generate_events(700, seed=2))

    assert sent == 700
    assert [len(c) for c in kinesis.calls] == [500, 250, 200]
    assert all(r["PartitionKey"].startswith("user-") for r in kinesis.calls[0])


def test_the_stream_is_found_from_the_stack_outputs() -> None:
    class Stacks:
        def describe_stacks(self, StackName: str) -> dict[str, Any]:
            return {"Stacks": [{"Outputs": [{"OutputKey": "WebAnalyticsStreamName", "OutputValue": "s-1"}]}]}

    assert stream_name_from_stack("stratus", Stacks()) == "s-1"
