"""Cognito ListUsers and the inactivity table, as the backfill uses them: the only module touching boto3."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from models import PoolUser

from stratus_shared.aws import client
from stratus_shared.inactivity_store import InactivityStore


class CognitoThrottledError(Exception):
    """ListUsers stayed throttled after botocore's retries; the state machine retries with back-off."""


class UserPage:
    def __init__(self, users: list[PoolUser], next_token: str | None) -> None:
        self.users = users
        self.next_token = next_token


class PoolUsers:
    def __init__(self, cognito: Any) -> None:
        self.cognito = cognito

    def page(self, user_pool_id: str, token: str | None, limit: int) -> UserPage:
        # Only `sub` is needed: the users' other attributes (email, phone ...) are not fetched at all.
        args: dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": limit, "AttributesToGet": ["sub"]}
        if token:
            args["PaginationToken"] = token
        try:
            response = self.cognito.list_users(**args)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TooManyRequestsException":
                raise CognitoThrottledError(str(exc)) from exc
            raise
        users = []
        for user in response.get("Users", []):
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            users.append(
                PoolUser(
                    username=user["Username"], sub=attributes["sub"], enabled=bool(user.get("Enabled", True))
                )
            )
        return UserPage(users, response.get("PaginationToken") or None)


def pool_users() -> PoolUsers:
    return PoolUsers(client("cognito-idp", max_attempts=5))


def record_table(table_name: str) -> InactivityStore:
    return InactivityStore(table_name, client("dynamodb"))
