"""Users in the deployed pool for the admin users tests (the pool and groups come from the template)."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.support.harness import StackHarness, load_event

ADMIN_FUNCTION = "AdminUsersFunction"


def create_user(
    stack: StackHarness, email: str, *, enabled: bool = True, groups: tuple[str, ...] = ()
) -> str:
    """A confirmed user; returns its sub."""
    cognito = stack.client("cognito-idp")
    pool = stack.output("UserPoolId")
    user = cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )["User"]
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    if not enabled:
        cognito.admin_disable_user(UserPoolId=pool, Username=email)
    return str(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))


def admin_event(case: str, *, groups: str | None = "stratus-admin", username: str | None = None) -> Any:
    """An event file re-addressed: the caller's groups claim, and the user in the path."""
    event = copy.deepcopy(load_event("admin_users", case))
    claims = event["requestContext"]["authorizer"]["claims"]
    if groups is None:
        claims.pop("cognito:groups", None)
    else:
        claims["cognito:groups"] = groups
    if username is not None:
        event["pathParameters"] = {"username": username}
        event["path"] = f"/admin/users/{username}/enable"
    return event


def body(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])
