"""What an operator relies on: alarms fed by the metrics the functions really emit, and the rate cap."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from moto.cognitoidp.models import CognitoIdpBackend

from tests.integration.remediation.support import (
    RECORDER,
    Pool,
    TableStream,
    as_ttl_deletion,
    deliver,
)
from tests.support.harness import StackHarness


def _emitted(output: str) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every EMF document printed."""
    found = []
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: document[name] for names in directive["Dimensions"] for name in names}
            found.extend((directive["Namespace"], m["Name"], dimensions) for m in directive["Metrics"])
    return found


def _alarm(stack: StackHarness, logical_id: str) -> dict[str, Any]:
    (alarm,) = stack.client("cloudwatch").describe_alarms(AlarmNames=[stack.ref(logical_id)])["MetricAlarms"]
    return dict(alarm)


def test_an_unavailable_table_lets_the_sign_in_through_and_trips_the_alarm(
    stack: StackHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    stack.client("dynamodb").delete_table(TableName=stack.ref("InactivityTable"))
    event = pool.trigger_event("signin_recorder", "post_authentication", user)

    returned = stack.function(RECORDER).invoke(event)  # within the template's 5 s timeout, or it raises

    assert returned == event
    alarm = _alarm(stack, "SignInRecordWriteFailedAlarm")
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert (alarm["Namespace"], alarm["MetricName"], dimensions) in _emitted(capsys.readouterr().out)
    assert alarm["AlarmActions"] == [stack.ref("AlarmTopic")]


def test_the_failure_queue_has_an_alarm(stack: StackHarness) -> None:
    alarm = _alarm(stack, "RemediationFailureQueueAlarm")
    queue_name = stack.attr("RemediationFailureQueue", "QueueName")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": queue_name}]
    assert alarm["AlarmActions"] == [stack.ref("AlarmTopic")]


def test_a_record_from_a_pool_not_configured_is_refused(stack: StackHarness) -> None:
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    other = stack.client("cognito-idp").create_user_pool(PoolName="not-monitored")["UserPool"]["Id"]
    record = {
        "sub": {"S": user["sub"]},
        "timestamp": {"S": "2025-01-01T00:00:00+00:00"},
        "username": {"S": user["username"]},
        "userpool_id": {"S": other},
        "ttl": {"N": "1743465600"},
    }
    stream = TableStream(stack)
    ddb, table = stack.client("dynamodb"), stack.ref("InactivityTable")
    ddb.put_item(TableName=table, Item=record)
    ddb.delete_item(TableName=table, Key={"sub": record["sub"]})
    removal = [as_ttl_deletion(r) for r in stream.new_records() if r["eventName"] == "REMOVE"]

    outcome = deliver(stack, removal)

    assert outcome["batchItemFailures"] == [{"itemIdentifier": removal[0]["dynamodb"]["SequenceNumber"]}]
    assert pool.enabled(user["username"])


def test_admin_disable_user_never_exceeds_25_requests_in_any_second(stack: StackHarness) -> None:
    pool = Pool(stack)
    users = [pool.create_user(f"user{i:02d}@example.com") for i in range(40)]
    stream = TableStream(stack)
    ddb, table = stack.client("dynamodb"), stack.ref("InactivityTable")
    for user in users:
        item = {
            "sub": {"S": user["sub"]},
            "timestamp": {"S": "2025-01-01T00:00:00+00:00"},
            "username": {"S": user["username"]},
            "userpool_id": {"S": pool.id},
            "ttl": {"N": "1743465600"},
        }
        ddb.put_item(TableName=table, Item=item)
        ddb.delete_item(TableName=table, Key={"sub": item["sub"]})
    removals = [as_ttl_deletion(r) for r in stream.new_records() if r["eventName"] == "REMOVE"]
    calls: list[float] = []
    lock = threading.Lock()
    original = CognitoIdpBackend.admin_disable_user

    def timed(backend: Any, user_pool_id: str, username: str) -> None:
        with lock:
            calls.append(time.monotonic())
        original(backend, user_pool_id, username)

    CognitoIdpBackend.admin_disable_user = timed  # type: ignore[method-assign]
    try:
        outcome = deliver(stack, removals)
    finally:
        CognitoIdpBackend.admin_disable_user = original  # type: ignore[method-assign]

    assert outcome["batchItemFailures"] == []
    assert len(calls) == 40
    busiest = max(sum(1 for t in calls if start <= t < start + 1.0) for start in calls)
    assert busiest <= 25
