"""The counter's only boto3 code: one transaction per chunk of counter updates, with its batch marker."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from models import CounterChunk, CounterKey

from stratus_shared import aws
from stratus_shared.counters import COUNT_ATTRIBUTE, Resolution, parse_date_hour


class DynamoCounterSink:
    def __init__(
        self,
        minute_table: str,
        hour_table: str,
        batches_table: str,
        *,
        minute_retention_days: int = 8,
        marker_retention_days: int = 2,
        dynamodb: Any | None = None,
    ) -> None:
        self._tables = {Resolution.MINUTE: minute_table, Resolution.HOUR: hour_table}
        self._batches = batches_table
        self._minute_retention = timedelta(days=minute_retention_days)
        self._marker_seconds = marker_retention_days * 86400
        self._dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    def _update(self, key: CounterKey, increment: int) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._tables[key.resolution],
            "Key": {"EventName": {"S": key.event_name}, "DateHour": {"S": key.date_hour}},
            "UpdateExpression": f"ADD {COUNT_ATTRIBUTE} :n",
            "ExpressionAttributeValues": {":n": {"N": str(increment)}},
        }
        if key.resolution is Resolution.MINUTE:
            expires = parse_date_hour(key.date_hour) + self._minute_retention
            update["UpdateExpression"] += " SET ExpiresAt = :ttl"
            update["ExpressionAttributeValues"][":ttl"] = {"N": str(int(expires.timestamp()))}
        return {"Update": update}

    def apply(self, chunk: CounterChunk) -> bool:
        marker = {
            "Put": {
                "TableName": self._batches,
                "Item": {
                    "BatchId": {"S": chunk.marker_id},
                    "ExpiresAt": {"N": str(int(time.time()) + self._marker_seconds)},
                },
                "ConditionExpression": "attribute_not_exists(BatchId)",
            }
        }
        try:
            self._dynamodb.transact_write_items(
                TransactItems=[marker, *(self._update(key, n) for key, n in chunk.increments)]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False  # this chunk of this batch was committed by an earlier attempt
            raise
        return True
