"""Stratus's own events reach the operator tenant's webhook endpoints: an inactive user disabled by the
remediation capability becomes a signed `user.disabled` delivery, with nothing called but AWS APIs and
the REST API (the operator's tenant comes from the `custom:tenant_id` claim of their token)."""

from __future__ import annotations

import json
import secrets
import urllib.request
from collections.abc import Iterator

import pytest
import standardwebhooks

from stratus_local import demo
from stratus_local.apigw import LocalApi
from stratus_local.cloud import LocalCloud
from tests.e2e.conftest import local_only
from tests.support.webhook_receiver import Receiver, verifying_at

pytestmark = local_only("deliveries go to a receiver on this machine's loopback interface")

OPERATORS = "stratus-operators"
PASSWORD = "Correct-Horse-9-Battery!"
DAY = 86400


@pytest.fixture(scope="module")
def local_cloud() -> Iterator[LocalCloud]:
    parameters = {
        "AllowSelfSignUp": "true",
        "WebhookAllowLoopbackTargets": "true",
        "WebhookOperatorTenantId": OPERATORS,
    }
    with LocalCloud(port=0, prefix_logs=False, parameters=parameters) as cloud:
        yield cloud


def _operator_token(cloud: LocalCloud) -> str:
    """An operator whose token says custom:tenant_id = the operator tenant (an attribute an administrator
    adds to the pool and sets; users cannot set it themselves)."""
    cognito = cloud.client("cognito-idp")
    pool = cloud.output("UserPoolId")
    cognito.add_custom_attributes(
        UserPoolId=pool,
        CustomAttributes=[{"Name": "tenant_id", "AttributeDataType": "String", "Mutable": True}],
    )
    user = demo.create_demo_user(
        cognito, cloud.stack.outputs, username=f"ops-{secrets.token_hex(3)}@example.com"
    )
    cognito.admin_update_user_attributes(
        UserPoolId=pool,
        Username=user.username,
        UserAttributes=[{"Name": "custom:tenant_id", "Value": OPERATORS}],
    )
    return demo.sign_in(cognito, user)["IdToken"]


def test_an_inactive_user_disabled_reaches_the_operator_tenant_as_a_signed_webhook(
    local_cloud: LocalCloud,
) -> None:
    with (
        Receiver(clock=local_cloud.clock.now) as receiver,
        LocalApi(local_cloud.stack, local_cloud.invoke, endpoint_url=local_cloud.endpoint_url) as api,
    ):
        token = _operator_token(local_cloud)
        request = urllib.request.Request(  # noqa: S310 - the local API on loopback
            api.url + "/webhooks/endpoints",
            method="POST",
            data=json.dumps({"url": receiver.url("/ops"), "eventTypes": ["user.disabled"]}).encode(),
            headers={"Authorization": token, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            endpoint = json.loads(response.read())
        cognito = local_cloud.client("cognito-idp")
        email = f"dormant-{secrets.token_hex(3)}@example.com"
        signed_up = cognito.sign_up(
            ClientId=local_cloud.output("UserPoolClientId"),
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        cognito.admin_confirm_sign_up(UserPoolId=local_cloud.output("UserPoolId"), Username=email)
        local_cloud.clock.drain()
        threshold = int(local_cloud.parameter("UserInactiveThresholdDays")) * DAY

        local_cloud.clock.advance(threshold + DAY)
        local_cloud.clock.drain()

        deliveries = receiver.received("/ops")
        payloads = []
        for delivery in deliveries:
            with verifying_at(delivery.timestamp):
                payloads.append(
                    standardwebhooks.Webhook(endpoint["secret"]).verify(delivery.body, delivery.headers)
                )
    mine = [p for p in payloads if p["data"]["sub"] == signed_up["UserSub"]]
    assert len(mine) == 1
    assert mine[0]["type"] == "user.disabled"
    assert mine[0]["source"] == "/stratus/remediation"
    assert mine[0]["data"]["username"]
    assert mine[0]["data"]["inactive_threshold_days"] == threshold // DAY
