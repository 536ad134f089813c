"""Cognito triggers run around the Cognito API at the local endpoint, with Cognito's event shapes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostAuthenticationTriggerEvent,
    PostConfirmationTriggerEvent,
    PreAuthenticationTriggerEvent,
    PreSignUpTriggerEvent,
)
from botocore.exceptions import ClientError

from stratus_local.cloud import LocalCloud
from tests.local.runtime_stack import calls, start_runtime_cloud

PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    yield from start_runtime_cloud()


def _sign_in(cloud: LocalCloud, email: str, client_output: str = "UserPoolClientId") -> dict[str, str]:
    result = cloud.client("cognito-idp").initiate_auth(
        ClientId=cloud.output(client_output),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return dict(result["AuthenticationResult"])


def _triggers_for(cloud: LocalCloud, username: str) -> list[tuple[str, dict[str, object]]]:
    return [(c.source, c.event) for c in calls(cloud, "_") if username in c.names]


def test_sign_up_confirm_and_sign_in_run_each_trigger_once_with_cognito_event_shapes(
    cloud: LocalCloud,
) -> None:
    email = f"ann-{uuid.uuid4().hex[:6]}@example.com"
    cognito = cloud.client("cognito-idp")

    signed_up = cognito.sign_up(ClientId=cloud.output("UserPoolClientId"), Username=email, Password=PASSWORD)
    cognito.confirm_sign_up(
        ClientId=cloud.output("UserPoolClientId"), Username=email, ConfirmationCode="123456"
    )
    tokens = _sign_in(cloud, email)

    username = signed_up["UserSub"]  # email-as-username pools name users by their sub
    seen = _triggers_for(cloud, username)
    assert signed_up["UserConfirmed"] is False
    assert "IdToken" in tokens
    # PreSignUp runs before the user exists, so it is keyed by what the client sent.
    pre_sign_up = [c.event for c in calls(cloud, "PreSignUp") if email in str(c.event)]
    assert len(pre_sign_up) == 1
    assert PreSignUpTriggerEvent(pre_sign_up[0]).request.user_attributes["email"] == email
    assert [s for s, _ in seen] == [
        "PostConfirmation_ConfirmSignUp",
        "PreAuthentication_Authentication",
        "PostAuthentication_Authentication",
    ]
    confirmation = PostConfirmationTriggerEvent(seen[0][1])
    assert confirmation.request.user_attributes["sub"] == username
    assert confirmation.request.user_attributes["email"] == email
    assert confirmation.user_pool_id == cloud.output("UserPoolId")
    assert (
        PreAuthenticationTriggerEvent(seen[1][1]).request.user_attributes["cognito:user_status"]
        == "CONFIRMED"
    )
    post = PostAuthenticationTriggerEvent(seen[2][1])
    assert post.caller_context.client_id == cloud.output("UserPoolClientId")
    assert post.request.new_device_used is False


def test_pre_sign_up_response_can_confirm_the_user(cloud: LocalCloud) -> None:
    email = f"bob-{uuid.uuid4().hex[:6]}@auto.example"

    signed_up = cloud.client("cognito-idp").sign_up(
        ClientId=cloud.output("UserPoolClientId"), Username=email, Password=PASSWORD
    )

    assert signed_up["UserConfirmed"] is True
    assert "IdToken" in _sign_in(cloud, email)


def test_a_failing_pre_authentication_trigger_refuses_the_sign_in_as_cognito_does(cloud: LocalCloud) -> None:
    email = f"blocked-{uuid.uuid4().hex[:6]}@example.com"
    cognito = cloud.client("cognito-idp")
    user = cognito.sign_up(ClientId=cloud.output("UserPoolClientId"), Username=email, Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=cloud.output("UserPoolId"), Username=email)

    with pytest.raises(ClientError) as refused:
        _sign_in(cloud, email)

    error = refused.value.response["Error"]
    assert error["Code"] == "UserLambdaValidationException"
    assert error["Message"] == "PreAuthentication failed with error This account is blocked."
    assert "PostAuthentication_Authentication" not in [s for s, _ in _triggers_for(cloud, user["UserSub"])]


def test_a_disabled_user_is_refused_before_any_trigger_runs(cloud: LocalCloud) -> None:
    email = f"cy-{uuid.uuid4().hex[:6]}@auto.example"
    cognito = cloud.client("cognito-idp")
    user = cognito.sign_up(ClientId=cloud.output("UserPoolClientId"), Username=email, Password=PASSWORD)
    cognito.admin_disable_user(UserPoolId=cloud.output("UserPoolId"), Username=email)

    with pytest.raises(ClientError, match="User is disabled"):
        _sign_in(cloud, email)

    assert [s for s, _ in _triggers_for(cloud, user["UserSub"])] == []


def test_an_invite_only_pool_refuses_self_sign_up(cloud: LocalCloud) -> None:
    with pytest.raises(ClientError) as refused:
        cloud.client("cognito-idp").sign_up(
            ClientId=cloud.output("InviteOnlyPoolClientId"), Username="dee@example.com", Password=PASSWORD
        )

    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == "SignUp is not permitted for this user pool"


def test_an_admin_created_user_runs_pre_sign_up_with_the_admin_trigger_source(cloud: LocalCloud) -> None:
    email = f"eve-{uuid.uuid4().hex[:6]}@example.com"

    cloud.client("cognito-idp").admin_create_user(
        UserPoolId=cloud.output("UserPoolId"), Username=email, MessageAction="SUPPRESS"
    )

    events = [c.event for c in calls(cloud, "PreSignUp_AdminCreateUser") if email in str(c.event)]
    assert len(events) == 1
    assert PreSignUpTriggerEvent(events[0]).request.user_attributes["email"] == email
