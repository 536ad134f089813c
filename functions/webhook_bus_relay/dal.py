"""The relay's only boto3 code: one conditional put into the outbox."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from stratus_shared import aws
from stratus_shared.webhooks import OutboxEvent, outbox_put


class DynamoOutbox:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    def put(self, event: OutboxEvent) -> bool:
        """True when written, False when this event was already relayed."""
        try:
            self.dynamodb.put_item(**outbox_put(self.table_name, event)["Put"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
