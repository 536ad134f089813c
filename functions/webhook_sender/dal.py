"""The sender's only boto3 code: one read and one write per batch, retries queued or scheduled, KMS, events.

Per batch of up to 10 deliveries: one BatchGetItem (messages from the outbox, endpoints and delivery
states from the webhook table), one BatchWriteItem (attempts and delivery states), and SQS/Scheduler
calls only for what failed. Signing keys are decrypted with KMS once per secret per warm container.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
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
    rate_sk,
    tenant_pk,
)
from stratus_shared.webhooks import OutboxEvent

_SERIALIZE = TypeSerializer().serialize
_DESERIALIZE = TypeDeserializer().deserialize
GET_BATCH_LIMIT = 100
WRITE_BATCH_LIMIT = 25
SEND_BATCH_LIMIT = 10
EVENTS_BATCH_LIMIT = 10
ATTEMPTS = 5
MAX_SQS_DELAY = 900
EVENT_SOURCE = "stratus.webhooks"


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _python(_DESERIALIZE(v)) for k, v in item.items()}


def _python(value: Any) -> Any:
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_python(v) for v in value]
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if hasattr(value, "value") and isinstance(value.value, bytes):
        return bytes(value.value)
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZE(v) for k, v in values.items() if v is not None}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class Loaded:
    def __init__(self) -> None:
        self.messages: dict[str, OutboxEvent] = {}
        self.endpoints: dict[tuple[str, str], dict[str, Any]] = {}
        self.states: dict[tuple[str, str, str], dict[str, Any]] = {}


class WebhookStore:
    def __init__(self, webhook_table: str, outbox_table: str, dynamodb: Any | None = None) -> None:
        self.table = webhook_table
        self.outbox = outbox_table
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    def load(self, tasks: Iterable[DeliveryTask]) -> Loaded:
        """Messages, endpoints and delivery states of a batch of tasks, in one BatchGetItem per 100 keys."""
        wanted: dict[tuple[str, str, str], dict[str, Any]] = {}
        for task in tasks:
            wanted[(self.outbox, task.message_id, "")] = {"id": {"S": task.message_id}}
            wanted[(self.table, tenant_pk(task.tenant_id), endpoint_sk(task.endpoint_id))] = key(
                tenant_pk(task.tenant_id), endpoint_sk(task.endpoint_id)
            )
            pk = message_pk(task.tenant_id, task.message_id)
            wanted[(self.table, pk, delivery_sk(task.endpoint_id))] = key(pk, delivery_sk(task.endpoint_id))
        loaded = Loaded()
        entries = list(wanted.items())
        for start in range(0, len(entries), GET_BATCH_LIMIT):
            request: dict[str, Any] = {}
            for (table, _, _), item_key in entries[start : start + GET_BATCH_LIMIT]:
                request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(item_key)
            for attempt in range(ATTEMPTS):
                answer = self.dynamodb.batch_get_item(RequestItems=request)
                for table, items in answer.get("Responses", {}).items():
                    for item in items:
                        self._keep(loaded, table, item)
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
            if request:
                raise StoreUnavailableError("BatchGetItem left keys unprocessed")
        return loaded

    def _keep(self, loaded: Loaded, table: str, item: dict[str, Any]) -> None:
        if table == self.outbox:
            event = OutboxEvent.from_item(item)
            loaded.messages[event.id] = event
            return
        values = plain(item)
        sk = str(values["sk"])
        if sk.startswith("EP#"):
            loaded.endpoints[(values["tenantId"], values["endpointId"])] = values
        elif sk.startswith("D#"):
            loaded.states[(values["tenantId"], values["messageId"], values["endpointId"])] = values

    def write(self, items: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
        """Put every item (25 a call, unprocessed ones retried); returns the (pk, sk) never written."""
        unwritten: set[tuple[str, str]] = set()
        for start in range(0, len(items), WRITE_BATCH_LIMIT):
            requests = [
                {"PutRequest": {"Item": to_item(i)}} for i in items[start : start + WRITE_BATCH_LIMIT]
            ]
            for attempt in range(ATTEMPTS):
                try:
                    answer = self.dynamodb.batch_write_item(RequestItems={self.table: requests})
                except ClientError:
                    if attempt == ATTEMPTS - 1:
                        break
                    time.sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
                    continue
                requests = answer.get("UnprocessedItems", {}).get(self.table, [])
                if not requests:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
            unwritten |= {
                (r["PutRequest"]["Item"]["pk"]["S"], r["PutRequest"]["Item"]["sk"]["S"]) for r in requests
            }
        return unwritten

    def update_endpoint(
        self,
        tenant_id: str,
        endpoint_id: str,
        changes: dict[str, Any],
        condition: str,
        values: dict[str, Any] | None = None,
    ) -> bool:
        """A conditional UpdateItem of an endpoint; False when the condition did not hold."""
        names = {f"#n{i}": name for i, name in enumerate(changes)}
        expression_values = {f":v{i}": _SERIALIZE(v) for i, v in enumerate(changes.values())}
        expression_values.update({k: _SERIALIZE(v) for k, v in (values or {}).items()})
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=key(tenant_pk(tenant_id), endpoint_sk(endpoint_id)),
                UpdateExpression="SET " + ", ".join(f"#n{i} = :v{i}" for i in range(len(changes))),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=expression_values,
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def take_tokens(self, tenant_id: str, endpoint_id: str, second: int, wanted: int, limit: int) -> int:
        """Up to `wanted` sends in this second of an endpoint's rate limit, counted across containers."""
        counter_key = key(attempts_pk(tenant_id, endpoint_id), rate_sk(second))
        for first in (True, False):
            take = min(wanted, limit)
            if not first:  # all did not fit: take what is left
                current = self.dynamodb.get_item(TableName=self.table, Key=counter_key, ConsistentRead=True)
                used = int(current.get("Item", {}).get("count", {}).get("N", "0"))
                take = min(wanted, limit - used)
                if take <= 0:
                    return 0
            try:
                self.dynamodb.update_item(
                    TableName=self.table,
                    Key=counter_key,
                    UpdateExpression="ADD #count :take SET expiresAt = :expires",
                    ConditionExpression="attribute_not_exists(#count) OR #count <= :room",
                    ExpressionAttributeNames={"#count": "count"},
                    ExpressionAttributeValues={
                        ":take": {"N": str(take)},
                        ":room": {"N": str(limit - take)},
                        ":expires": {"N": str(second + 120)},
                    },
                )
            except ClientError as exc:
                if _code(exc) != "ConditionalCheckFailedException":
                    raise
                continue
            return take
        return 0


class StoreUnavailableError(Exception):
    """DynamoDB did not answer within the retry budget."""


class Retries:
    """Tasks back on the queue later: SQS DelaySeconds up to 15 min, a one-time Scheduler schedule beyond."""

    def __init__(
        self,
        queue_url: str,
        queue_arn: str,
        *,
        group: str,
        role_arn: str,
        sqs: Any | None = None,
        scheduler: Any | None = None,
    ) -> None:
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.group = group
        self.role_arn = role_arn
        self.sqs = sqs if sqs is not None else aws.client("sqs")
        self._scheduler = scheduler

    @property
    def scheduler(self) -> Any:
        if self._scheduler is None:
            self._scheduler = aws.client("scheduler")
        return self._scheduler

    def queue(self, delayed: Sequence[tuple[DeliveryTask, int]]) -> list[DeliveryTask]:
        """(task, delay <= 900 s) pairs sent 10 to a call; returns the tasks that were not queued."""
        failed: list[DeliveryTask] = []
        for start in range(0, len(delayed), SEND_BATCH_LIMIT):
            pending = {str(i): pair for i, pair in enumerate(delayed[start : start + SEND_BATCH_LIMIT])}
            for attempt in range(ATTEMPTS):
                try:
                    answer = self.sqs.send_message_batch(
                        QueueUrl=self.queue_url,
                        Entries=[
                            {
                                "Id": i,
                                "MessageBody": task.body(),
                                "DelaySeconds": min(MAX_SQS_DELAY, max(0, delay)),
                            }
                            for i, (task, delay) in pending.items()
                        ],
                    )
                except ClientError:
                    time.sleep(aws.full_jitter(attempt, base=0.1, cap=2.0))
                    continue
                pending = {f["Id"]: pending[f["Id"]] for f in answer.get("Failed", [])}
                if not pending:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.1, cap=2.0))
            failed += [task for task, _ in pending.values()]
        return failed

    def schedule(self, task: DeliveryTask, at: datetime) -> None:
        """A one-time schedule that puts the task back on the queue at `at` and then deletes itself."""
        digest = hashlib.sha256(
            f"{task.tenant_id}/{task.message_id}/{task.endpoint_id}/{task.round}/{task.attempt}".encode()
        )
        name = "wh-" + digest.hexdigest()[:40]
        try:
            self.scheduler.create_schedule(
                Name=name,
                GroupName=self.group,
                ScheduleExpression=f"at({at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={"Arn": self.queue_arn, "RoleArn": self.role_arn, "Input": task.body()},
            )
        except ClientError as exc:
            if _code(exc) != "ConflictException":  # the same retry was already scheduled
                raise


class SecretKeys:
    """Endpoint signing keys decrypted with KMS once per secret per warm container (never logged)."""

    def __init__(self, kms: Any | None = None, capacity: int = 4096) -> None:
        self._kms = kms
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.capacity = capacity

    @property
    def kms(self) -> Any:
        if self._kms is None:
            self._kms = aws.client("kms")
        return self._kms

    def key(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        cache_key = hashlib.sha256(ciphertext).hexdigest() + json.dumps(context, sort_keys=True)
        with self._lock:
            found = self._keys.get(cache_key)
        if found is not None:
            return found
        plaintext: bytes = self.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)["Plaintext"]
        with self._lock:
            if len(self._keys) >= self.capacity:
                self._keys.pop(next(iter(self._keys)))
            self._keys[cache_key] = plaintext
        return plaintext


class OperationalEvents:
    def __init__(self, bus_name: str, events: Any | None = None) -> None:
        self.bus_name = bus_name
        self._events = events

    @property
    def events(self) -> Any:
        if self._events is None:
            self._events = aws.client("events")
        return self._events

    def put(self, entries: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """(detail-type, detail) pairs on the webhooks bus; returns how many EventBridge refused."""
        refused = 0
        for start in range(0, len(entries), EVENTS_BATCH_LIMIT):
            answer = self.events.put_events(
                Entries=[
                    {
                        "Source": EVENT_SOURCE,
                        "DetailType": detail_type,
                        "Detail": json.dumps(detail),
                        "EventBusName": self.bus_name,
                    }
                    for detail_type, detail in entries[start : start + EVENTS_BATCH_LIMIT]
                ]
            )
            refused += int(answer.get("FailedEntryCount", 0))
        return refused


# One per container: the point of the cache is that warm invocations share it.
secret_keys = SecretKeys()
