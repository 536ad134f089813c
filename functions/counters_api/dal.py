"""The counters API's only boto3 code: the source design's key-condition query, never a scan."""

from __future__ import annotations

from typing import Any

from stratus_shared import aws
from stratus_shared.counters import COUNT_ATTRIBUTE, Resolution


class DynamoCounterStore:
    def __init__(self, minute_table: str, hour_table: str, dynamodb: Any | None = None) -> None:
        self._tables = {Resolution.MINUTE: minute_table, Resolution.HOUR: hour_table}
        self._dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    def counts(self, resolution: Resolution, event: str, start: str, end: str) -> dict[str, int]:
        paginator = self._dynamodb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._tables[resolution],
            KeyConditionExpression="EventName = :event AND DateHour BETWEEN :start AND :end",
            ExpressionAttributeValues={":event": {"S": event}, ":start": {"S": start}, ":end": {"S": end}},
            ProjectionExpression=f"DateHour, {COUNT_ATTRIBUTE}",
        )
        return {
            item["DateHour"]["S"]: int(item.get(COUNT_ATTRIBUTE, {"N": "0"})["N"])
            for page in pages
            for item in page.get("Items", [])
        }
