"""The inactivity table, as the recorder writes it: the only module here that touches boto3."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from stratus_shared.aws import client
from stratus_shared.inactivity import InactivityRecord


class StoreUnavailableError(Exception):
    """The table could not take the write within the retry budget."""


class RecordTable:
    def __init__(self, table_name: str, dynamodb: Any) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb

    @classmethod
    def for_trigger(
        cls, table_name: str, *, attempts: int, connect_timeout: float, read_timeout: float
    ) -> RecordTable:
        return cls(
            table_name,
            client(
                "dynamodb", max_attempts=attempts, connect_timeout=connect_timeout, read_timeout=read_timeout
            ),
        )

    def put(self, record: InactivityRecord) -> None:
        """Write the record, replacing any earlier one (a sign-in restarts the inactivity clock)."""
        try:
            self.dynamodb.put_item(TableName=self.table_name, Item=record.to_item())
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailableError(str(exc)) from exc

    def put_if_absent(self, record: InactivityRecord) -> bool:
        """Write the record only if the user has none; False when one already exists."""
        try:
            self.dynamodb.put_item(
                TableName=self.table_name,
                Item=record.to_item(),
                ConditionExpression="attribute_not_exists(#sub)",
                ExpressionAttributeNames={"#sub": "sub"},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StoreUnavailableError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StoreUnavailableError(str(exc)) from exc
        return True
