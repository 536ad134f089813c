"""The webhooks API's only boto3 code: the webhook table, the outbox, the delivery queue and KMS."""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from stratus_shared import aws
from stratus_shared.webhook_records import (
    DeliveryTask,
    attempts_pk,
    delivery_sk,
    endpoint_sk,
    key,
    message_pk,
    quota_sk,
    tenant_pk,
)
from stratus_shared.webhooks import OutboxEvent, outbox_put

_SERIALIZE = TypeSerializer().serialize
_DESERIALIZE = TypeDeserializer().deserialize
BATCH_GET_LIMIT = 100
SEND_BATCH_LIMIT = 10
SEND_ATTEMPTS = 4


class QueueUnavailableError(Exception):
    """The delivery queue did not take the tasks within the retry budget."""


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Python values -> attribute values, leaving out None (an absent attribute)."""
    return {k: _SERIALIZE(v) for k, v in values.items() if v is not None}


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """Attribute values -> Python values (integral numbers as int, binary as bytes)."""
    return {k: _python(_DESERIALIZE(v)) for k, v in item.items()}


def _python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_python(v) for v in value]
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3 Binary
        return bytes(value.value)
    return value


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoStore:
    def __init__(self, webhook_table: str, outbox_table: str, dynamodb: Any | None = None) -> None:
        self.table = webhook_table
        self.outbox = outbox_table
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    # ---- endpoints --------------------------------------------------------------------------
    def count_endpoints(self, tenant_id: str) -> int:
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :ep)",
            ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant_id)}, ":ep": {"S": "EP#"}},
            Select="COUNT",
        )
        return sum(int(page["Count"]) for page in pages)

    def put_endpoint(self, item: dict[str, Any]) -> None:
        values = {"pk": tenant_pk(item["tenantId"]), "sk": endpoint_sk(item["endpointId"]), **item}
        self.dynamodb.put_item(
            TableName=self.table, Item=to_item(values), ConditionExpression="attribute_not_exists(pk)"
        )

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> dict[str, Any] | None:
        found = self.dynamodb.get_item(
            TableName=self.table, Key=key(tenant_pk(tenant_id), endpoint_sk(endpoint_id)), ConsistentRead=True
        ).get("Item")
        return plain(found) if found else None

    def list_endpoints(
        self, tenant_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self._page(tenant_pk(tenant_id), "EP#", limit, start, forward=True)

    def update_endpoint(
        self, tenant_id: str, endpoint_id: str, changes: dict[str, Any], removals: Iterable[str]
    ) -> dict[str, Any] | None:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets, removes = [], []
        for index, (name, value) in enumerate(changes.items()):
            names[f"#n{index}"] = name
            if value is None:
                removes.append(f"#n{index}")
            else:
                values[f":v{index}"] = _SERIALIZE(value)
                sets.append(f"#n{index} = :v{index}")
        for index, name in enumerate(removals):
            names[f"#r{index}"] = name
            removes.append(f"#r{index}")
        expression = ("SET " + ", ".join(sets) if sets else "") + (
            " REMOVE " + ", ".join(removes) if removes else ""
        )
        try:
            result = self.dynamodb.update_item(
                TableName=self.table,
                Key=key(tenant_pk(tenant_id), endpoint_sk(endpoint_id)),
                UpdateExpression=expression.strip(),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                **({"ExpressionAttributeValues": values} if values else {}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return None
            raise
        return plain(result["Attributes"])

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> bool:
        try:
            self.dynamodb.delete_item(
                TableName=self.table,
                Key=key(tenant_pk(tenant_id), endpoint_sk(endpoint_id)),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    # ---- attempts and deliveries ------------------------------------------------------------
    def list_attempts(
        self, tenant_id: str, endpoint_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self._page(attempts_pk(tenant_id, endpoint_id), "A#", limit, start, forward=False)

    def failed_attempt_messages(
        self, tenant_id: str, endpoint_id: str, since: str, until: str, limit: int
    ) -> list[str]:
        """Messages with a failed attempt to the endpoint between the two times, oldest first."""
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            FilterExpression="success = :no",
            ExpressionAttributeValues={
                ":pk": {"S": attempts_pk(tenant_id, endpoint_id)},
                ":from": {"S": f"A#{since}"},
                ":to": {"S": f"A#{until}~"},
                ":no": {"BOOL": False},
            },
            ProjectionExpression="messageId",
        )
        found: dict[str, None] = {}
        for page in pages:
            for item in page.get("Items", []):
                found.setdefault(item["messageId"]["S"], None)
                if len(found) >= limit:
                    return list(found)
        return list(found)

    def deliveries(self, tenant_id: str, message_id: str) -> dict[str, dict[str, Any]]:
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
            ExpressionAttributeValues={":pk": {"S": message_pk(tenant_id, message_id)}, ":d": {"S": "D#"}},
            ConsistentRead=True,
        )
        states = [plain(item) for page in pages for item in page.get("Items", [])]
        return {state["endpointId"]: state for state in states}

    def delivery_states(
        self, tenant_id: str, endpoint_id: str, message_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        states: dict[str, dict[str, Any]] = {}
        for start in range(0, len(message_ids), BATCH_GET_LIMIT):
            keys = [
                key(message_pk(tenant_id, m), delivery_sk(endpoint_id))
                for m in message_ids[start : start + BATCH_GET_LIMIT]
            ]
            request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(5):
                answer = self.dynamodb.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    state = plain(item)
                    states[state["messageId"]] = state
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
        return states

    # ---- messages ---------------------------------------------------------------------------
    def take_publish_quota(self, tenant_id: str, minute: int, limit: int) -> bool:
        """One more publish in this minute, unless the tenant already made `limit` (atomic)."""
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=key(tenant_pk(tenant_id), quota_sk(minute)),
                UpdateExpression="ADD #count :one SET expiresAt = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str((minute + 2) * 60)},
                },
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def put_message(self, event: OutboxEvent) -> bool:
        """Write the outbox item; False when a message with that id (same event id) already exists."""
        try:
            self.dynamodb.put_item(**outbox_put(self.outbox, event)["Put"])
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def get_message(self, message_id: str) -> dict[str, Any] | None:
        found = self.dynamodb.get_item(
            TableName=self.outbox, Key={"id": {"S": message_id}}, ConsistentRead=True
        ).get("Item")
        return plain(found) if found else None

    # ---- paging -----------------------------------------------------------------------------
    def _page(
        self, pk: str, prefix: str, limit: int, start: dict[str, Any] | None, *, forward: bool
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        arguments: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "Limit": limit,
            "ScanIndexForward": forward,
        }
        if start is not None:
            arguments["ExclusiveStartKey"] = start
        answer = self.dynamodb.query(**arguments)
        return [plain(item) for item in answer.get("Items", [])], answer.get("LastEvaluatedKey")


class KmsCipher:
    def __init__(self, key_id: str, kms: Any | None = None) -> None:
        self.key_id = key_id
        self.kms = kms if kms is not None else aws.client("kms")

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        blob: bytes = self.kms.encrypt(KeyId=self.key_id, Plaintext=plaintext, EncryptionContext=context)[
            "CiphertextBlob"
        ]
        return blob


class SqsTaskQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self.sqs = sqs if sqs is not None else aws.client("sqs")

    def send(self, tasks: list[DeliveryTask]) -> None:
        for start in range(0, len(tasks), SEND_BATCH_LIMIT):
            pending = {str(i): task for i, task in enumerate(tasks[start : start + SEND_BATCH_LIMIT])}
            for attempt in range(SEND_ATTEMPTS):
                answer = self.sqs.send_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": i, "MessageBody": t.body()} for i, t in pending.items()],
                )
                pending = {f["Id"]: pending[f["Id"]] for f in answer.get("Failed", [])}
                if not pending:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.1, cap=2.0))
            if pending:
                raise QueueUnavailableError(f"{len(pending)} delivery tasks were not queued")
