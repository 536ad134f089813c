"""What an operator relies on: alarms fed by the metrics the functions really emit, and the rate cap."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from moto.cognitoidp.models import CognitoIdpBackend
from moto.core.exceptions import JsonRESTError

from tests.integration.remediation.support import (
    DISABLER,
    RECORDER,
    Pool,
    deliver,
    expired_removals,
    timed_disables,
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


@contextlib.contextmanager
def _put_item_throttled(times: int) -> Iterator[list[str]]:
    """DynamoDB answers the first `times` PutItem calls with a throttling error; yields the calls made."""
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.put_item
    calls: list[str] = []

    def throttled(backend: Any, table_name: str, *args: Any) -> Any:
        calls.append(table_name)
        if len(calls) <= times:
            raise DynamodbException(ERROR_TYPE_PREFIX + "ProvisionedThroughputExceededException", "slow down")
        return original(backend, table_name, *args)

    with mock.patch.object(DynamoDBBackend, "put_item", throttled):
        yield calls


@pytest.mark.parametrize(
    ("throttled_writes", "recorded"),
    [(1, True), (10, False)],
    ids=["throttled once: retried and recorded", "throttled throughout: two attempts, let through"],
)
def test_a_throttled_write_is_retried_once_within_the_trigger_budget(
    stack: StackHarness, capsys: pytest.CaptureFixture[str], throttled_writes: int, recorded: bool
) -> None:
    # Two attempts is what Cognito's 5 s was sized for; a third would not fit (see RecorderSettings).
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    event = pool.trigger_event("signin_recorder", "post_authentication", user)

    with _put_item_throttled(times=throttled_writes) as calls:
        returned = stack.function(RECORDER).invoke(event)

    assert returned == event  # the sign-in goes through either way
    assert len(calls) == 2
    item = stack.client("dynamodb").get_item(
        TableName=stack.ref("InactivityTable"), Key={"sub": {"S": user["sub"]}}
    )
    assert ("Item" in item) is recorded
    emitted = {metric for _, metric, _ in _emitted(capsys.readouterr().out)}
    assert ("SignInRecordWriteFailed" in emitted) is not recorded


def test_the_failure_queue_has_an_alarm(stack: StackHarness) -> None:
    alarm = _alarm(stack, "RemediationFailureQueueAlarm")
    queue_name = stack.attr("RemediationFailureQueue", "QueueName")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": queue_name}]
    assert alarm["AlarmActions"] == [stack.ref("AlarmTopic")]


def test_a_record_from_a_pool_not_configured_is_refused(stack: StackHarness) -> None:
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    other = stack.client("cognito-idp").create_user_pool(PoolName="not-monitored")["UserPool"]["Id"]
    removal = expired_removals(stack, [user], other)

    outcome = deliver(stack, removal)

    assert outcome["batchItemFailures"] == [{"itemIdentifier": removal[0]["dynamodb"]["SequenceNumber"]}]
    assert pool.enabled(user["username"])


def test_admin_disable_user_never_exceeds_25_requests_in_any_second(stack: StackHarness) -> None:
    pool = Pool(stack)
    users = [pool.create_user(f"user{i:02d}@example.com") for i in range(40)]
    removals = expired_removals(stack, users, pool.id)

    with timed_disables() as calls:
        outcome = deliver(stack, removals)

    assert outcome["batchItemFailures"] == []
    assert len(calls) == 40
    busiest = max(sum(1 for t in calls if start <= t < start + 1.0) for start in calls)
    assert busiest <= 25


def test_every_admin_disable_user_attempt_waits_for_the_limiter_retries_included(
    stack_factory: Callable[..., StackHarness],
) -> None:
    # Cognito counts a throttled request against the quota too: a limiter that let botocore's retries
    # through unmetered would push the real rate above 25/s exactly when Cognito is already pushing back.
    stack = stack_factory(extra_env={"COGNITO_MAX_ATTEMPTS": "2"})
    pool = Pool(stack)
    users = [pool.create_user(f"user{i}@example.com") for i in range(3)]
    removals = expired_removals(stack, users, pool.id)
    limiter = stack.function(DISABLER).module("dal").disable_limiter(25)
    original = CognitoIdpBackend.admin_disable_user
    arrived: list[str] = []

    def throttled_first_time(backend: Any, user_pool_id: str, username: str) -> None:
        arrived.append(username)
        if arrived.count(username) == 1:
            raise JsonRESTError("TooManyRequestsException", "Rate exceeded")
        original(backend, user_pool_id, username)

    with (
        mock.patch.object(CognitoIdpBackend, "admin_disable_user", throttled_first_time),
        mock.patch.object(limiter, "try_acquire", wraps=limiter.try_acquire) as acquired,
    ):
        outcome = deliver(stack, removals)

    assert outcome["batchItemFailures"] == []
    assert len(arrived) == 6  # each user: one throttled attempt, one retry
    assert acquired.call_count == len(arrived)
