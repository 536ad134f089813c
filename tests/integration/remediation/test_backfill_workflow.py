"""The backfill state machine from template.yaml, run by moto's Step Functions interpreter."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from tests.integration.remediation.support import BACKFILL, Pool
from tests.support.harness import StackHarness

USERS = 130  # ListUsers returns 60 a page: three pages


def _run(stack: StackHarness, execution_input: dict[str, Any] | None = None) -> dict[str, Any]:
    sfn = stack.client("stepfunctions")
    arn = stack.ref("BackfillUsersStateMachine")
    # A name of our own: moto names every unnamed execution "None" and refuses the second one.
    execution = sfn.start_execution(
        stateMachineArn=arn, name=f"backfill-{uuid.uuid4()}", input=json.dumps(execution_input or {})
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.2)
    raise AssertionError("backfill did not finish in 120 s")


def _records(stack: StackHarness) -> dict[str, dict[str, Any]]:
    pages = stack.client("dynamodb").get_paginator("scan").paginate(TableName=stack.ref("InactivityTable"))
    return {item["sub"]["S"]: item for page in pages for item in page["Items"]}


def test_backfill_gives_every_user_without_a_record_one_and_leaves_the_rest(stack: StackHarness) -> None:
    pool = Pool(stack)
    users = [pool.create_user(f"user{i:03d}@example.com") for i in range(USERS)]
    tracked = users[:10]
    for user in tracked:  # signed in before the backfill: their records must not change
        event = pool.trigger_event("signin_recorder", "post_authentication", user)
        stack.function("SignInRecorderFunction").invoke(event)
    before = _records(stack)
    disabled = users[-1]
    pool.idp.admin_disable_user(UserPoolId=pool.id, Username=disabled["username"])

    with stack.lambda_invokes_routed():
        execution = _run(stack)

    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    after = _records(stack)
    assert set(after) == {u["sub"] for u in users[:-1]}  # everyone but the already disabled user
    for user in tracked:
        assert after[user["sub"]] == before[user["sub"]]
    started = int(execution["startDate"].timestamp())
    for user in users[10:-1]:
        item = after[user["sub"]]
        assert item["source"]["S"] == "backfill"
        assert item["username"]["S"] == user["username"]
        assert item["userpool_id"]["S"] == pool.id
        assert abs(int(item["ttl"]["N"]) - (started + 90 * 86400)) <= 2
    (summary,) = json.loads(execution["output"])["pools"]
    assert summary["pages"] == 3
    assert (summary["created"], summary["existing"], summary["skipped_disabled"]) == (USERS - 11, 10, 1)


def test_running_the_backfill_again_changes_nothing(stack: StackHarness) -> None:
    pool = Pool(stack)
    for i in range(5):
        pool.create_user(f"user{i}@example.com")
    with stack.lambda_invokes_routed():
        assert _run(stack)["status"] == "SUCCEEDED"
        first = _records(stack)
        second_run = _run(stack)

    assert _records(stack) == first
    (summary,) = json.loads(second_run["output"])["pools"]
    assert (summary["created"], summary["existing"]) == (0, 5)


def test_the_backfill_function_is_the_state_machines_task(stack: StackHarness) -> None:
    definition = json.loads(stack.deployed.state_machines["BackfillUsersStateMachine"]["Definition"])
    task = definition["States"]["EachPool"]["ItemProcessor"]["States"]["BackfillPage"]
    assert stack.deployed.function_for_arn(task["Parameters"]["FunctionName"]) in (BACKFILL, None)
    assert task["Parameters"]["FunctionName"].endswith(BACKFILL)
