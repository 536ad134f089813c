"""The processor's only boto3 code: the inbound table, the bodies, the bus, the analytics stream, the DLQ."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from stratus_shared import aws
from stratus_shared.inbound_webhooks import STATUS_FAILED, STATUS_PROCESSED, STATUS_RECEIVED, webhook_pk

BATCH_GET_LIMIT = 100
# EventBridge: failures a later attempt may get past (anything else is this event's own fault).
TRANSIENT_BUS_ERRORS = {"ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable"}


class TransientError(Exception):
    """A call failed in a way a retry may fix."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class InboundAws:
    def __init__(self, table: str, bus: str, dead_letter_queue_url: str, stream: str) -> None:
        self.table = table
        self.bus = bus
        self.dlq = dead_letter_queue_url
        self.stream = stream
        self.dynamodb = aws.client("dynamodb")
        self.s3 = aws.client("s3")
        self.events = aws.client("events")
        self.sqs = aws.client("sqs")
        self.kinesis = aws.client("kinesis") if stream else None

    def states(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]:
        """(status, attempts) of each webhook now: a retried batch skips what was processed already."""
        found: dict[tuple[str, str], tuple[str, int]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self.table: {
                    "Keys": [
                        {"pk": {"S": webhook_pk(s)}, "sk": {"S": w}}
                        for s, w in unique[start : start + BATCH_GET_LIMIT]
                    ],
                    "ProjectionExpression": "#src, webhookId, #s, attempts",
                    "ExpressionAttributeNames": {"#s": "status", "#src": "source"},
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self.dynamodb.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    attempts = int(item.get("attempts", {}).get("N", "0"))
                    found[(item["source"]["S"], item["webhookId"]["S"])] = (item["status"]["S"], attempts)
                request = answer.get("UnprocessedKeys") or {}
        return found

    def body(self, bucket: str, key: str) -> bytes:
        try:
            return bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except ClientError as exc:
            if _code(exc) in {"NoSuchKey", "NoSuchBucket", "404"}:
                raise LookupError(f"body s3://{bucket}/{key} is gone") from exc
            raise

    def publish(self, entries: list[dict[str, Any]]) -> list[str | None]:
        """Put the entries on the bus; per entry None (published) or its error code."""
        answer = self.events.put_events(Entries=[{**e, "EventBusName": self.bus} for e in entries])
        return [r.get("ErrorCode") for r in answer.get("Entries", [])]

    def to_analytics(self, records: list[dict[str, Any]]) -> None:
        if not records or self.kinesis is None:
            return
        answer = self.kinesis.put_records(
            StreamName=self.stream,
            Records=[{"Data": json.dumps(r).encode(), "PartitionKey": r["userId"]} for r in records],
        )
        if answer.get("FailedRecordCount"):
            raise TransientError("the analytics stream refused some records")

    def mark(
        self,
        source: str,
        webhook_id: str,
        status: str,
        at: str,
        *,
        reason: str | None = None,
        event_type: str | None = None,
    ) -> None:
        names = {"#s": "status"}
        values: dict[str, Any] = {
            ":new": {"S": status},
            ":at": {"S": at},
            ":received": {"S": STATUS_RECEIVED},
        }
        sets = ["#s = :new", "processedAt = :at" if status == STATUS_PROCESSED else "failedAt = :at"]
        if reason:
            sets.append("reason = :reason")
            values[":reason"] = {"S": reason[:500]}
        if event_type:
            sets.append("eventType = :type")
            values[":type"] = {"S": event_type}
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": webhook_pk(source)}, "sk": {"S": webhook_id}},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#s = :received",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise

    def count_attempt(self, source: str, webhook_id: str) -> int:
        answer = self.dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": webhook_pk(source)}, "sk": {"S": webhook_id}},
            UpdateExpression="ADD attempts :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["attempts"]["N"])

    def dead_letter(self, message: dict[str, Any]) -> None:
        self.sqs.send_message(QueueUrl=self.dlq, MessageBody=json.dumps(message))


STATUSES = (STATUS_RECEIVED, STATUS_PROCESSED, STATUS_FAILED)
