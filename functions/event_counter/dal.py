"""The counter's only boto3 code: one transaction per chunk of counter updates, with its batch marker."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from models import CounterChunk, CounterKey

from stratus_shared import aws
from stratus_shared.counters import COUNT_ATTRIBUTE, Resolution, parse_date_hour
from stratus_shared.observability import logger

# Counter Lambdas of different stream shards update the same hot counters (this minute's "page view")
# at once; DynamoDB cancels a transaction that overlaps another. Nothing was written then, so the
# chunk is simply tried again, here, rather than failing the whole batch.
_RETRYABLE_CANCELLATIONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


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
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._tables = {Resolution.MINUTE: minute_table, Resolution.HOUR: hour_table}
        self._batches = batches_table
        self._minute_retention = timedelta(days=minute_retention_days)
        self._marker_seconds = marker_retention_days * 86400
        self._dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")
        self._max_attempts = max_attempts
        self._sleep = sleep

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
        items = [marker, *(self._update(key, n) for key, n in chunk.increments)]
        attempt = 1
        while True:
            try:
                self._dynamodb.transact_write_items(TransactItems=items)
                return True
            except ClientError as exc:
                codes = _cancellation_codes(exc)
                if codes[:1] == ["ConditionalCheckFailed"]:
                    return False  # the marker exists: an earlier attempt committed this chunk
                if attempt >= self._max_attempts or not _RETRYABLE_CANCELLATIONS.intersection(codes):
                    raise
            logger.info("counter transaction cancelled, retrying", reasons=codes, attempt=attempt)
            self._sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
            attempt += 1


def _cancellation_codes(error: ClientError) -> list[str]:
    """Why each action of a cancelled transaction failed, in TransactItems order; [] for other errors."""
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return []
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
