"""The dispatcher's only boto3 code: reads endpoints, writes pending delivery states, queues tasks."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError
from models import Subscriber

from stratus_shared import aws
from stratus_shared.webhook_records import DeliveryTask, endpoint_sk, key, tenant_pk

WRITE_BATCH_LIMIT = 25
SEND_BATCH_LIMIT = 10
ATTEMPTS = 4


class WebhookStore:
    def __init__(self, webhook_table: str, outbox_table: str, dynamodb: Any | None = None) -> None:
        self.table = webhook_table
        self.outbox = outbox_table
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    def subscribers(self, tenant_id: str) -> list[Subscriber]:
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :ep)",
            ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant_id)}, ":ep": {"S": "EP#"}},
            ProjectionExpression="endpointId, eventTypes, enabled",
        )
        found = []
        for page in pages:
            for item in page.get("Items", []):
                types = item.get("eventTypes", {}).get("L")
                found.append(
                    Subscriber(
                        endpoint_id=item["endpointId"]["S"],
                        event_types=frozenset(t["S"] for t in types) if types is not None else None,
                        enabled=item.get("enabled", {}).get("BOOL", True),
                    )
                )
        return found

    def write_items(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """BatchWriteItem puts, unprocessed ones retried; returns the items that never got written."""
        failed: list[dict[str, Any]] = []
        for start in range(0, len(items), WRITE_BATCH_LIMIT):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + WRITE_BATCH_LIMIT]]
            for attempt in range(ATTEMPTS):
                answer = self.dynamodb.batch_write_item(RequestItems={self.table: requests})
                requests = answer.get("UnprocessedItems", {}).get(self.table, [])
                if not requests:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
            failed += [r["PutRequest"]["Item"] for r in requests]
        return failed

    def mark_dispatched(self, message_id: str, at: str) -> None:
        """For a message no endpoint takes: record that it was dispatched (to nobody)."""
        try:
            self.dynamodb.update_item(
                TableName=self.outbox,
                Key={"id": {"S": message_id}},
                UpdateExpression="SET dispatchedAt = :at",
                ConditionExpression="attribute_exists(id)",  # never create an item (a phantom INSERT)
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise


def endpoint_key(tenant_id: str, endpoint_id: str) -> dict[str, Any]:
    return key(tenant_pk(tenant_id), endpoint_sk(endpoint_id))


class TaskQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self.sqs = sqs if sqs is not None else aws.client("sqs")

    def send_batch(self, tasks: Sequence[DeliveryTask]) -> list[DeliveryTask]:
        """One SendMessageBatch (at most 10 tasks), failed entries retried; returns the tasks not queued."""
        pending = {str(i): task for i, task in enumerate(tasks)}
        for attempt in range(ATTEMPTS):
            answer = self.sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": i, "MessageBody": task.body()} for i, task in pending.items()],
            )
            pending = {f["Id"]: pending[f["Id"]] for f in answer.get("Failed", [])}
            if not pending:
                break
            time.sleep(aws.full_jitter(attempt, base=0.1, cap=2.0))
        return list(pending.values())
