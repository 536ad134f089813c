"""The admin users routes against the template deployed in moto: the users view joins Cognito with the
inactivity records, re-enabling restarts the inactivity clock, and only the admin group gets in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stratus_shared.inactivity import InactivityRecord, RecordSource
from tests.integration.webapp.support import ADMIN_FUNCTION, admin_event, body, create_user
from tests.support.harness import StackHarness


def _record(stack: StackHarness, sub: str) -> InactivityRecord | None:
    item = stack.client("dynamodb").get_item(TableName=stack.ref("InactivityTable"), Key={"sub": {"S": sub}})
    return InactivityRecord.from_item(item["Item"]) if "Item" in item else None


def _put_record(stack: StackHarness, sub: str, username: str, at: datetime) -> InactivityRecord:
    record = InactivityRecord.starting(
        sub=sub,
        username=username,
        userpool_id=stack.output("UserPoolId"),
        at=at,
        threshold_days=90,
        source=RecordSource.SIGN_IN,
    )
    stack.client("dynamodb").put_item(TableName=stack.ref("InactivityTable"), Item=record.to_item())
    return record


def test_users_view_shows_last_sign_in_expiry_exempt_and_disabled(stack: StackHarness) -> None:
    # Given a tracked user, an exempt one and a disabled one
    signed_in = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    ada = create_user(stack, "ada@example.com")
    record = _put_record(stack, ada, "ada@example.com", signed_in)
    create_user(stack, "break-glass@example.com", groups=("stratus-exempt",))
    create_user(stack, "dormant@example.com", enabled=False)

    # When an admin lists the users
    result = stack.function(ADMIN_FUNCTION).invoke(admin_event("list_users"))

    # Then each shows what the operator needs
    assert result["statusCode"] == 200
    page = body(result)
    users = {u["email"]: u for u in page["items"]}
    assert page["remediation"] is True
    assert users["ada@example.com"]["lastSignIn"] == record.timestamp
    expires = datetime.fromisoformat(users["ada@example.com"]["inactivityExpiresAt"])
    assert expires == signed_in + timedelta(days=90)
    assert users["break-glass@example.com"]["exempt"] is True
    assert users["ada@example.com"]["exempt"] is False
    assert users["dormant@example.com"]["enabled"] is False
    assert users["dormant@example.com"]["lastSignIn"] is None


def test_users_view_pages_through_the_pool(stack: StackHarness) -> None:
    for i in range(5):
        create_user(stack, f"user{i}@example.com")
    seen: list[str] = []
    token = None
    for _ in range(5):
        event = admin_event("list_users")
        event["queryStringParameters"] = {"limit": "2", **({"nextToken": token} if token else {})}
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in event["queryStringParameters"].items()}
        page = body(stack.function(ADMIN_FUNCTION).invoke(event))
        seen += [u["email"] for u in page["items"]]
        token = page.get("nextToken")
        if not token:
            break
    assert sorted(seen) == [f"user{i}@example.com" for i in range(5)]


def test_re_enable_restarts_the_inactivity_clock(stack: StackHarness) -> None:
    # Given a user disabled for inactivity, whose record expired long ago
    sub = create_user(stack, "dormant@example.com", enabled=False)
    _put_record(stack, sub, "dormant@example.com", datetime.now(UTC) - timedelta(days=200))
    before = datetime.now(UTC)

    # When an admin re-enables them
    result = stack.function(ADMIN_FUNCTION).invoke(admin_event("enable_user", username="dormant@example.com"))

    # Then they can sign in again and their record runs from now
    assert result["statusCode"] == 200
    user = stack.client("cognito-idp").admin_get_user(
        UserPoolId=stack.output("UserPoolId"), Username="dormant@example.com"
    )
    assert user["Enabled"] is True
    record = _record(stack, sub)
    assert record is not None
    assert datetime.fromisoformat(record.timestamp) >= before.replace(microsecond=0)
    assert not record.expired(datetime.now(UTC) + timedelta(days=89))
    assert body(result)["inactivityExpiresAt"] == datetime.fromtimestamp(record.ttl, UTC).isoformat()


def test_re_enabling_an_unknown_user_is_404(stack: StackHarness) -> None:
    result = stack.function(ADMIN_FUNCTION).invoke(admin_event("enable_user", username="nobody@example.com"))
    assert result["statusCode"] == 404


def test_non_admins_get_403_from_both_routes(stack: StackHarness) -> None:
    sub = create_user(stack, "dormant@example.com", enabled=False)
    for event in (
        admin_event("list_users", groups=None),
        admin_event("list_users", groups="stratus-exempt"),
        admin_event("enable_user", groups="analysts", username="dormant@example.com"),
    ):
        result = stack.function(ADMIN_FUNCTION).invoke(event)
        assert result["statusCode"] == 403, result
    user = stack.client("cognito-idp").admin_get_user(
        UserPoolId=stack.output("UserPoolId"), Username="dormant@example.com"
    )
    assert user["Enabled"] is False
    assert _record(stack, sub) is None


def test_without_remediation_the_view_has_no_inactivity_fields(stack_factory) -> None:  # type: ignore[no-untyped-def]
    stack = stack_factory(EnableInactiveUserRemediation="false")
    create_user(stack, "ada@example.com", enabled=False)
    page = body(stack.function(ADMIN_FUNCTION).invoke(admin_event("list_users")))
    assert page["remediation"] is False
    assert page["items"][0]["inactivityExpiresAt"] is None
    result = stack.function(ADMIN_FUNCTION).invoke(admin_event("enable_user", username="ada@example.com"))
    assert body(result)["enabled"] is True
    assert body(result)["inactivityExpiresAt"] is None
