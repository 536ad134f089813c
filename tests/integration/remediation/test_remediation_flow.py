"""Inactive-user remediation end to end in moto: table, stream, filter and functions from template.yaml."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stratus_local.runner import FunctionError
from tests.integration.remediation.support import (
    DISABLER,
    GUARD,
    RECORDER,
    Pool,
    TableStream,
    as_ttl_deletion,
    capture_audit_events,
    deliver,
    disabler_mapping,
    passes_filter,
)
from tests.support.harness import StackHarness


def _item(stack: StackHarness, sub: str) -> dict[str, Any] | None:
    item = stack.client("dynamodb").get_item(TableName=stack.ref("InactivityTable"), Key={"sub": {"S": sub}})
    return item.get("Item")


def _sign_in(stack: StackHarness, pool: Pool, user: dict[str, str]) -> dict[str, Any]:
    """Cognito signs the user in, then calls the PostAuthentication trigger the pool names."""
    pool.sign_in(user["email"])
    trigger = stack.deployed.user_pools["UserPool"]["LambdaConfig"]["PostAuthentication"]
    assert stack.deployed.function_for_arn(trigger) in (RECORDER, None)
    event = pool.trigger_event("signin_recorder", "post_authentication", user)
    result: dict[str, Any] = stack.function(RECORDER).invoke(event)
    return result


def _expire(stack: StackHarness, sub: str) -> None:
    """What TTL eventually does to an expired item: delete it (the stream then says it was TTL)."""
    stack.client("dynamodb").delete_item(TableName=stack.ref("InactivityTable"), Key={"sub": {"S": sub}})


def test_a_sign_in_creates_the_users_record(stack: StackHarness, pool: Pool) -> None:
    user = pool.create_user("ada@example.com")
    before = int(time.time())

    returned = _sign_in(stack, pool, user)

    item = _item(stack, user["sub"])
    assert item is not None
    assert item["username"]["S"] == user["username"]
    assert item["userpool_id"]["S"] == pool.id
    threshold = 90 * 86400  # the template's default UserInactiveThresholdDays
    assert before + threshold <= int(item["ttl"]["N"]) <= int(time.time()) + threshold
    assert returned["userName"] == user["username"]  # Cognito needs its event back


def test_the_table_has_ttl_on_ttl_and_a_stream_with_old_images(stack: StackHarness) -> None:
    ddb = stack.client("dynamodb")
    table = stack.ref("InactivityTable")
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    stream = ddb.describe_table(TableName=table)["Table"]["StreamSpecification"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert stream["StreamViewType"] in {"OLD_IMAGE", "NEW_AND_OLD_IMAGES"}


def test_the_table_is_on_demand_encrypted_and_recoverable(stack: StackHarness) -> None:
    props = stack.resource("InactivityTable")["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_one_disabler_runs_at_a_time(stack: StackHarness) -> None:
    assert stack.resource(DISABLER)["Properties"]["ReservedConcurrentExecutions"] == 1


def test_the_mapping_is_throttle_safe_and_reports_partial_failures(stack: StackHarness) -> None:
    mapping = disabler_mapping(stack)
    assert mapping["BatchSize"] == 25
    assert mapping["ParallelizationFactor"] == 1
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == stack.attr(
        "RemediationFailureQueue", "Arn"
    )


def test_the_disabler_reads_only_the_inactivity_tables_stream(stack: StackHarness) -> None:
    role = stack.resource(f"{DISABLER}Role")["Properties"]
    granted = [
        (action, statement["Resource"])
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]
    stream = stack.attr("InactivityTable", "StreamArn")
    assert ("dynamodb:GetRecords", stream) in granted
    assert all(resource == stream for action, resource in granted if action == "dynamodb:GetRecords")
    # The managed stream policy SAM attaches for a DynamoDB event grants every stream in the account.
    assert not any("AWSLambdaDynamoDBExecutionRole" in arn for arn in role.get("ManagedPolicyArns", []))


def test_a_ttl_removal_passes_the_filter_and_disables_the_user(
    stack: StackHarness,
    pool: Pool,
    table_stream: TableStream,
    audit_events: Callable[[], list[dict[str, Any]]],
) -> None:
    user = pool.create_user("ada@example.com")
    _sign_in(stack, pool, user)
    _expire(stack, user["sub"])
    removal = [as_ttl_deletion(r) for r in table_stream.new_records() if r["eventName"] == "REMOVE"]

    outcome = deliver(stack, removal)

    assert outcome == {"delivered": 1, "batchItemFailures": []}
    assert not pool.enabled(user["username"])
    with pytest.raises(ClientError, match="disabled"):
        pool.sign_in(user["email"])
    (event,) = audit_events()
    assert event["detail-type"] == "Inactive User Disabled"
    assert event["detail"]["username"] == user["username"]
    assert event["detail"]["userpool_id"] == pool.id
    assert event["detail"]["last_sign_in"] == _last_sign_in(removal[0])
    expired_at = int(removal[0]["dynamodb"]["OldImage"]["ttl"]["N"])
    assert event["detail"]["expired_at"] == datetime.fromtimestamp(expired_at, UTC).isoformat()


def _last_sign_in(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["OldImage"]["timestamp"]["S"])


def test_a_manual_delete_does_not_pass_the_filter(
    stack: StackHarness, pool: Pool, table_stream: TableStream
) -> None:
    user = pool.create_user("ada@example.com")
    _sign_in(stack, pool, user)
    _expire(stack, user["sub"])  # as a person or a program deletes: no TTL identity on the record
    records = table_stream.new_records()

    outcome = deliver(stack, records)

    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert outcome["delivered"] == 0
    assert pool.enabled(user["username"])


def test_inserts_and_updates_do_not_pass_the_filter(
    stack: StackHarness, pool: Pool, table_stream: TableStream
) -> None:
    user = pool.create_user("ada@example.com")
    _sign_in(stack, pool, user)
    _sign_in(stack, pool, user)

    records = [as_ttl_deletion(r) for r in table_stream.new_records()]

    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert not any(passes_filter(stack, r) for r in records)


def test_an_exempt_user_stays_enabled(stack: StackHarness, pool: Pool, table_stream: TableStream) -> None:
    exempt = pool.create_user("root@example.com", groups=(stack.ref("RemediationExemptGroup"),))
    other = pool.create_user("ada@example.com")
    for user in (exempt, other):
        _sign_in(stack, pool, user)
        _expire(stack, user["sub"])
    removals = [as_ttl_deletion(r) for r in table_stream.new_records() if r["eventName"] == "REMOVE"]

    outcome = deliver(stack, removals)

    assert outcome == {"delivered": 2, "batchItemFailures": []}
    assert pool.enabled(exempt["username"])
    assert not pool.enabled(other["username"])


def test_a_user_already_gone_does_not_fail_the_batch(
    stack: StackHarness, pool: Pool, table_stream: TableStream
) -> None:
    gone = pool.create_user("gone@example.com")
    stays = pool.create_user("ada@example.com")
    for user in (gone, stays):
        _sign_in(stack, pool, user)
        _expire(stack, user["sub"])
    pool.idp.admin_delete_user(UserPoolId=pool.id, Username=gone["username"])
    removals = [as_ttl_deletion(r) for r in table_stream.new_records() if r["eventName"] == "REMOVE"]

    outcome = deliver(stack, removals)

    assert outcome == {"delivered": 2, "batchItemFailures": []}
    assert not pool.enabled(stays["username"])


def test_throttling_yields_a_partial_failure_and_the_retry_loses_no_record(
    stack_factory: Callable[..., StackHarness],
) -> None:
    # Two attempts instead of four keep botocore's back-off short; the behaviour is the same.
    stack = stack_factory(extra_env={"COGNITO_MAX_ATTEMPTS": "2"})
    pool, table_stream = Pool(stack), TableStream(stack)
    audit = capture_audit_events(stack)
    users = [pool.create_user(f"user{i}@example.com") for i in range(5)]
    for user in users:
        _sign_in(stack, pool, user)
        _expire(stack, user["sub"])
    removals = [as_ttl_deletion(r) for r in table_stream.new_records() if r["eventName"] == "REMOVE"]
    throttled = users[2]["username"]

    with _cognito_throttles(throttled) as attempts:
        first = deliver(stack, removals)

    assert attempts.count(throttled) == 2  # botocore retried it (COGNITO_MAX_ATTEMPTS) before giving up
    failed = [f["itemIdentifier"] for f in first["batchItemFailures"]]
    sequence = [r["dynamodb"]["SequenceNumber"] for r in removals]
    assert failed == sequence[2:]  # the throttled record and everything after it, left for the retry
    assert [pool.enabled(u["username"]) for u in users] == [False, False, True, True, True]
    assert _announced(audit()) == sorted(u["username"] for u in users[:2])

    # Lambda re-delivers from the lowest failed record once Cognito has capacity again.
    retry = deliver(stack, removals[sequence.index(failed[0]) :])

    assert retry["batchItemFailures"] == []
    assert [pool.enabled(u["username"]) for u in users] == [False] * 5
    assert _announced(audit()) == sorted(u["username"] for u in users[2:])  # each announced once


def _announced(events: list[dict[str, Any]]) -> list[str]:
    return sorted(str(e["detail"]["username"]) for e in events)


def test_strict_mode_refuses_an_expired_user(stack_factory: Callable[..., StackHarness]) -> None:
    stack = stack_factory(StrictInactivityMode="true", UserInactiveThresholdDays="0")
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    assert stack.deployed.user_pools["UserPool"]["LambdaConfig"]["PreAuthentication"].endswith(GUARD)
    _sign_in(stack, pool, user)  # threshold 0: the record expires at once
    attempt = pool.trigger_event("inactivity_guard", "pre_authentication", user)

    with pytest.raises(FunctionError) as refused:
        stack.function(GUARD).invoke(attempt)

    assert type(refused.value.error).__name__ == "InactiveAccountError"
    assert "re-enable" in str(refused.value.error)


def test_strict_mode_lets_an_active_user_in(stack_factory: Callable[..., StackHarness]) -> None:
    stack = stack_factory(StrictInactivityMode="true")
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    _sign_in(stack, pool, user)

    allowed = stack.function(GUARD).invoke(pool.trigger_event("inactivity_guard", "pre_authentication", user))

    assert allowed["userName"] == user["username"]


class _cognito_throttles:
    """Cognito answers TooManyRequestsException to AdminDisableUser for one user (every retry too)."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.attempts: list[str] = []

    def __enter__(self) -> list[str]:
        from moto.cognitoidp.models import CognitoIdpBackend
        from moto.core.exceptions import JsonRESTError

        original = CognitoIdpBackend.admin_disable_user
        self._original = original
        username, attempts = self.username, self.attempts

        def throttled(backend: Any, user_pool_id: str, name: str) -> None:
            attempts.append(name)
            if name == username:
                raise JsonRESTError("TooManyRequestsException", "Rate exceeded")
            original(backend, user_pool_id, name)

        CognitoIdpBackend.admin_disable_user = throttled  # type: ignore[method-assign]
        return attempts

    def __exit__(self, *exc: object) -> None:
        from moto.cognitoidp.models import CognitoIdpBackend

        CognitoIdpBackend.admin_disable_user = self._original  # type: ignore[method-assign]
