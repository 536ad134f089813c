"""Expected outcomes of the admin users function's event files (see tests/integration/event_cases.py)."""

from __future__ import annotations

from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.integration.webapp.support import body, create_user
from tests.support.harness import StackHarness


def _two_users(stack: StackHarness, event: Any) -> Any:
    create_user(stack, "ada@example.com", groups=(stack.output("AdminGroupName"),))
    create_user(stack, "dormant@example.com", enabled=False)
    return event


def _listed(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result["statusCode"] == 200
    users = {u["email"]: u for u in body(outcome.result)["items"]}
    assert set(users) == {"ada@example.com", "dormant@example.com"}
    assert users["ada@example.com"]["admin"] is True
    assert users["dormant@example.com"]["enabled"] is False


def _dormant_user(stack: StackHarness, event: Any) -> Any:
    create_user(stack, "dormant@example.com", enabled=False)
    return event


def _enabled(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.result["statusCode"] == 200, outcome.result
    user = stack.client("cognito-idp").admin_get_user(
        UserPoolId=stack.output("UserPoolId"), Username="dormant@example.com"
    )
    assert user["Enabled"] is True
    assert body(outcome.result)["inactivityExpiresAt"]


def _forbidden(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.result["statusCode"] == 403
    assert "stratus-admin" in body(outcome.result)["message"]


CASES: dict[tuple[str, str], EventCase] = {
    ("admin_users", "list_users"): EventCase(check=_listed, prepare=_two_users),
    ("admin_users", "enable_user"): EventCase(check=_enabled, prepare=_dormant_user),
    ("admin_users", "not_admin"): EventCase(check=_forbidden),
}
