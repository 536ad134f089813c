"""Inactive-user remediation, whole: no handler is called here, only AWS APIs.

Cognito runs the sign-in recorder as a trigger; the clock moves past the inactivity threshold; DynamoDB
TTL deletes the record, the stream filter passes only TTL deletes, the disabler disables the user; and
Cognito refuses the next sign-in.
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import E2eCloud, moves_the_clock

DAY = 86400
PASSWORD = "Correct-Horse-9-Battery!"


def _sign_up_and_confirm(cloud: E2eCloud, email: str) -> str:
    """Sign up and confirm (an administrator confirms, so no mailbox is needed; the stack must be deployed
    with AllowSelfSignUp=true); the PostConfirmation trigger records the new user. Returns the user's sub."""
    cognito = cloud.client("cognito-idp")
    signed_up = cognito.sign_up(
        ClientId=cloud.output("UserPoolClientId"),
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    cognito.admin_confirm_sign_up(UserPoolId=cloud.output("UserPoolId"), Username=email)
    return str(signed_up["UserSub"])


def _sign_in(cloud: E2eCloud, email: str) -> dict[str, str]:
    result = cloud.client("cognito-idp").initiate_auth(
        ClientId=cloud.output("UserPoolClientId"),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return dict(result["AuthenticationResult"])


def _record(cloud: E2eCloud, sub: str) -> dict[str, object] | None:
    item = cloud.client("dynamodb").get_item(
        TableName=cloud.output("InactivityTableName"), Key={"sub": {"S": sub}}, ConsistentRead=True
    )
    return item.get("Item")


def _enabled(cloud: E2eCloud, email: str) -> bool:
    user = cloud.client("cognito-idp").admin_get_user(UserPoolId=cloud.output("UserPoolId"), Username=email)
    return bool(user["Enabled"])


def _threshold_seconds(cloud: E2eCloud) -> int:
    return int(cloud.parameter("UserInactiveThresholdDays")) * DAY


@moves_the_clock
def test_an_inactive_user_is_disabled_and_cannot_sign_in(cloud: E2eCloud) -> None:
    email = f"inactive-{uuid.uuid4().hex[:8]}@example.com"
    sub = _sign_up_and_confirm(cloud, email)
    cloud.clock.drain()
    recorded_at_confirmation = _record(cloud, sub)
    assert "IdToken" in _sign_in(cloud, email)
    cloud.clock.drain()
    recorded = _record(cloud, sub)

    cloud.clock.advance(_threshold_seconds(cloud) - DAY)
    cloud.clock.drain()
    enabled_before_threshold = _enabled(cloud, email)
    cloud.clock.advance(2 * DAY)
    cloud.clock.drain()

    assert recorded_at_confirmation is not None  # the recorder ran as the PostConfirmation trigger
    assert recorded is not None  # ... and as the PostAuthentication trigger
    assert enabled_before_threshold
    assert _record(cloud, sub) is None  # TTL deleted it
    assert not _enabled(cloud, email)
    with pytest.raises(ClientError, match="User is disabled"):
        _sign_in(cloud, email)


@moves_the_clock
def test_signing_in_again_restarts_the_inactivity_period(cloud: E2eCloud) -> None:
    email = f"active-{uuid.uuid4().hex[:8]}@example.com"
    _sign_up_and_confirm(cloud, email)
    cloud.clock.drain()

    cloud.clock.advance(_threshold_seconds(cloud) - DAY)
    cloud.clock.drain()
    _sign_in(cloud, email)
    cloud.clock.drain()
    cloud.clock.advance(2 * DAY)
    cloud.clock.drain()

    assert _enabled(cloud, email)
    assert "IdToken" in _sign_in(cloud, email)


@moves_the_clock
def test_a_manual_delete_of_a_record_disables_no_one(cloud: E2eCloud) -> None:
    email = f"deleted-{uuid.uuid4().hex[:8]}@example.com"
    sub = _sign_up_and_confirm(cloud, email)
    cloud.clock.drain()
    assert _record(cloud, sub) is not None

    cloud.client("dynamodb").delete_item(
        TableName=cloud.output("InactivityTableName"), Key={"sub": {"S": sub}}
    )
    cloud.clock.drain()
    cloud.clock.advance(_threshold_seconds(cloud) + DAY)
    cloud.clock.drain()

    assert _enabled(cloud, email)
    assert "IdToken" in _sign_in(cloud, email)


def test_backfill_workflow_started_through_step_functions_completes(cloud: E2eCloud) -> None:
    email = f"backfill-{uuid.uuid4().hex[:8]}@example.com"
    sub = _sign_up_and_confirm(cloud, email)
    cloud.clock.drain()
    cloud.client("dynamodb").delete_item(
        TableName=cloud.output("InactivityTableName"), Key={"sub": {"S": sub}}
    )
    sfn = cloud.client("stepfunctions")

    started = sfn.start_execution(stateMachineArn=cloud.output("BackfillUsersStateMachineArn"), input="{}")
    cloud.clock.drain()
    execution = sfn.describe_execution(executionArn=started["executionArn"])

    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert json.loads(execution["output"])
    assert _record(cloud, sub) is not None  # the user without a record got one
