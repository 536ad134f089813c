"""Writes to the inactivity table that the recorder and the backfill share (boto3 is theirs to pass in).

A sign-in replaces the user's record; a sign-up and the backfill only create one for a user who has
none, with a conditional write, so an existing record is never changed by them.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from stratus_shared.inactivity import InactivityRecord


class StoreUnavailableError(Exception):
    """The table did not take the write within the client's retry budget."""


class InactivityStore:
    def __init__(self, table_name: str, dynamodb: Any) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb

    def put(self, record: InactivityRecord) -> None:
        """Write the record, replacing any earlier one (a sign-in restarts the inactivity clock)."""
        try:
            self.dynamodb.put_item(TableName=self.table_name, Item=record.to_item())
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailableError(str(exc)) from exc

    def put_if_absent(self, record: InactivityRecord) -> bool:
        """Create the record unless the user already has one (left untouched); False in that case."""
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
