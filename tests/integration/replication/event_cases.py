"""Expected outcomes of the replication and counters functions' event files (see
tests/integration/event_cases.py): what an analyst or operator would notice after each invoke."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.integration.replication.conftest import archived_lines, scan_all
from tests.support.harness import StackHarness


def _sent(event: Any) -> list[dict[str, Any]]:
    return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]


def _replicated_all(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result == {"batchItemFailures": []}
    items = scan_all(stack.client("dynamodb"), stack.output("ReplicaTableName"))
    assert sorted(i["eventId"]["S"] for i in items) == sorted(e["eventId"] for e in _sent(event))


def _poison_dead_lettered(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.result == {"batchItemFailures": []}
    items = scan_all(stack.client("dynamodb"), stack.output("ReplicaTableName"))
    assert len(items) == 2
    messages = stack.client("sqs").receive_message(
        QueueUrl=stack.output("ReplicatorPoisonQueueUrl"), MaxNumberOfMessages=10
    )["Messages"]
    bad = {event["Records"][1]["kinesis"]["sequenceNumber"], event["Records"][2]["kinesis"]["sequenceNumber"]}
    assert {json.loads(m["Body"])["sequenceNumber"] for m in messages} == bad


def _archived(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.result == {"batchItemFailures": []}
    lines = archived_lines(stack)
    assert sorted(line["sequenceNumber"] for line in lines) == sorted(
        r["dynamodb"]["NewImage"]["sequenceNumber"]["S"] for r in event["Records"]
    )
    assert all(isinstance(line["nanotimestamp"], int) for line in lines)


def _hour_total(stack: StackHarness) -> int:
    items = scan_all(stack.client("dynamodb"), stack.output("CountersHourTableName"))
    return sum(int(i["EventCount"]["N"]) for i in items)


def _counted(expected: int) -> Any:
    def check(stack: StackHarness, event: Any, outcome: Outcome) -> None:
        assert outcome.error is None, outcome.error
        assert _hour_total(stack) == expected

    return check


def _hour_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:00:00")


def _seed_click_counter(stack: StackHarness, event: Any) -> Any:
    stack.client("dynamodb").put_item(
        TableName=stack.output("CountersHourTableName"),
        Item={"EventName": {"S": "click"}, "DateHour": {"S": _hour_now()}, "EventCount": {"N": "7"}},
    )
    return event


def _series_served(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.result["statusCode"] == 200
    body = json.loads(outcome.result["body"])
    series = {s["event"]: s for s in body["series"]}
    assert list(series) == ["page view", "click"]
    assert len(series["click"]["points"]) == 6
    assert series["click"]["points"][-1] == {"dateHour": _hour_now(), "count": 7}
    assert series["page view"]["total"] == 0


def _rejected(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.result["statusCode"] == 400
    assert "resolution" in json.loads(outcome.result["body"])["message"]


CASES: dict[tuple[str, str], EventCase] = {
    ("stream_replicator", "web_events"): EventCase(check=_replicated_all),
    ("stream_replicator", "poison_records"): EventCase(check=_poison_dead_lettered),
    ("replica_archiver", "new_items"): EventCase(check=_archived),
    ("event_counter", "new_events"): EventCase(check=_counted(6)),
    ("event_counter", "mixed_changes"): EventCase(check=_counted(1)),
    ("counters_api", "get_counters"): EventCase(check=_series_served, prepare=_seed_click_counter),
    ("counters_api", "bad_resolution"): EventCase(check=_rejected),
}
