"""The inactivity table and Cognito groups as the guard reads them: the only module touching boto3."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from stratus_shared.aws import client
from stratus_shared.cognito_groups import groups_of
from stratus_shared.inactivity import InactivityRecord


class LookupUnavailableError(Exception):
    """The record or the user's groups could not be read in time."""


class GuardLookups:
    def __init__(self, table_name: str, dynamodb: Any, cognito: Any) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.cognito = cognito

    @classmethod
    def for_trigger(
        cls, table_name: str, *, attempts: int, connect_timeout: float, read_timeout: float
    ) -> GuardLookups:
        timeouts = {
            "max_attempts": attempts,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
        }
        return cls(table_name, client("dynamodb", **timeouts), client("cognito-idp", **timeouts))

    def record(self, sub: str) -> InactivityRecord | None:
        try:
            item = self.dynamodb.get_item(
                TableName=self.table_name, Key={"sub": {"S": sub}}, ConsistentRead=True
            ).get("Item")
            return InactivityRecord.from_item(item) if item else None
        except (ClientError, BotoCoreError, ValidationError) as exc:
            raise LookupUnavailableError(str(exc)) from exc

    def groups_of(self, user_pool_id: str, username: str) -> set[str]:
        try:
            return groups_of(self.cognito, user_pool_id, username)
        except (ClientError, BotoCoreError) as exc:
            raise LookupUnavailableError(str(exc)) from exc
