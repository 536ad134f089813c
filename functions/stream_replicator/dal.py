"""The replicator's only boto3 code: the replica table (here or in another account) and the poison queue."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from functools import cache
from typing import Any

import boto3
import botocore.session
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, DeferredRefreshableCredentials
from botocore.exceptions import ClientError
from models import PoisonRecord, ReplicaItem, WriteOutcome

from stratus_shared import aws
from stratus_shared.observability import logger

BATCH_WRITE_LIMIT = 25  # BatchWriteItem's own maximum
SQS_BATCH_LIMIT = 10  # SendMessageBatch takes 10 messages and 256 KiB in all
SQS_BATCH_BYTES = 256 * 1024
_SOURCE = "stratus.stream_replicator"
# botocore refreshes these before they expire (15 minutes ahead, advisory), so an hour-long session
# serves every warm invocation of a busy container with one AssumeRole an hour.
ASSUMED_ROLE_SECONDS = 3600
_SERIALIZER = TypeSerializer()
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


class _AssumedRoleProvider(CredentialProvider):  # type: ignore[misc]
    """Credentials for the analytics account's writer role, assumed lazily and refreshed before expiry."""

    METHOD = "stratus-assume-role"
    CANONICAL_NAME = "StratusAssumeRole"

    def __init__(self, role_arn: str, external_id: str) -> None:
        super().__init__()
        self._role_arn = role_arn
        self._external_id = external_id

    def _fetch(self) -> dict[str, str]:
        request: dict[str, Any] = {
            "RoleArn": self._role_arn,
            "RoleSessionName": "stratus-replicator",
            "DurationSeconds": ASSUMED_ROLE_SECONDS,
        }
        if self._external_id:
            request["ExternalId"] = self._external_id
        credentials = aws.client("sts").assume_role(**request)["Credentials"]
        logger.info("assumed replica writer role", role_arn=self._role_arn)
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    def load(self) -> DeferredRefreshableCredentials:
        return DeferredRefreshableCredentials(refresh_using=self._fetch, method=self.METHOD)


@cache
def table_client(role_arn: str, external_id: str) -> Any:
    """DynamoDB client for the replica table, created once per container and role."""
    if not role_arn:
        return aws.client("dynamodb")
    core = botocore.session.get_session()
    provider = _AssumedRoleProvider(role_arn, external_id)
    core.register_component("credential_provider", CredentialResolver([provider]))
    session = boto3.session.Session(botocore_session=core)
    return session.client("dynamodb", config=_CLIENT_CONFIG)


class DeadLetterError(Exception):
    """SQS refused some dead letters; failing the batch makes Lambda retry rather than lose them."""


class DynamoReplicaSink:
    """Writes replica items 25 a call and dead-letters poison records to SQS."""

    def __init__(
        self,
        table_name: str,
        poison_queue_url: str,
        dynamodb: Any,
        *,
        max_attempts: int = 6,
        sleep: Callable[[float], None] = time.sleep,
        sqs: Any | None = None,
    ) -> None:
        self._table_name = table_name
        self._queue_url = poison_queue_url
        self._dynamodb = dynamodb
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._sqs = sqs

    def write_items(self, items: Sequence[ReplicaItem]) -> WriteOutcome:
        outcome = WriteOutcome()
        storable: list[tuple[ReplicaItem, dict[str, Any]]] = []
        for item in items:
            try:
                storable.append((item, _serialize(item)))
            except (TypeError, ValueError, ArithmeticError) as exc:
                # e.g. a number beyond DynamoDB's 38 digits (decimal.Inexact): refuse this item alone.
                outcome.rejected.append((item, f"{type(exc).__name__}: {exc}"))
        for start in range(0, len(storable), BATCH_WRITE_LIMIT):
            chunk = storable[start : start + BATCH_WRITE_LIMIT]
            try:
                outcome.unwritten.extend(self._write_chunk(chunk))
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ValidationException":
                    raise
                # One unstorable item fails its whole call: find it alone so the other 24 still land.
                self._write_one_by_one(chunk, outcome)
        return outcome

    def _write_chunk(self, chunk: list[tuple[ReplicaItem, dict[str, Any]]]) -> list[ReplicaItem]:
        by_key = {item.key: item for item, _ in chunk}
        requests = [{"PutRequest": {"Item": serialized}} for _, serialized in chunk]
        for attempt in range(self._max_attempts):
            response = self._dynamodb.batch_write_item(RequestItems={self._table_name: requests})
            requests = response.get("UnprocessedItems", {}).get(self._table_name, [])
            if not requests:
                return []
            if attempt + 1 < self._max_attempts:
                # Unprocessed items mean the table is throttling this partition.
                self._sleep(aws.full_jitter(attempt, base=0.05, cap=2.0))
        logger.warning("items left unprocessed after retries", count=len(requests))
        return [by_key[_key_of(request["PutRequest"]["Item"])] for request in requests]

    def _write_one_by_one(
        self, chunk: list[tuple[ReplicaItem, dict[str, Any]]], outcome: WriteOutcome
    ) -> None:
        for item, serialized in chunk:
            try:
                self._dynamodb.put_item(TableName=self._table_name, Item=serialized)
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ValidationException":
                    outcome.unwritten.append(item)
                    continue
                outcome.rejected.append((item, exc.response["Error"].get("Message", "ValidationException")))

    def dead_letter(self, records: Sequence[PoisonRecord]) -> None:
        sqs = self._sqs if self._sqs is not None else aws.client("sqs")
        entries = [
            {
                "Id": str(index),
                "MessageBody": json.dumps({"source": _SOURCE, **_camel(asdict(record))}),
                "MessageAttributes": {"reason": _string_attribute(record.reason[:256])},
            }
            for index, record in enumerate(records)
        ]
        for chunk in _sqs_batches(entries):
            response = sqs.send_message_batch(QueueUrl=self._queue_url, Entries=chunk)
            if response.get("Failed"):
                # A lost dead letter would hide a record for good: fail so Lambda retries the batch.
                raise DeadLetterError(f"could not dead-letter {len(response['Failed'])} record(s)")


def _sqs_batches(entries: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Consecutive groups within SendMessageBatch's 10 messages and 256 KiB (each message fits alone:
    the raw data is only copied while it is well under the limit)."""
    batch: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        entry_size = len(entry["MessageBody"].encode()) + sum(
            len(name) + len(value["DataType"]) + len(value["StringValue"].encode())
            for name, value in entry["MessageAttributes"].items()
        )
        if batch and (len(batch) == SQS_BATCH_LIMIT or size + entry_size > SQS_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += entry_size
    if batch:
        yield batch


def _serialize(item: ReplicaItem) -> dict[str, Any]:
    return {name: _SERIALIZER.serialize(value) for name, value in item.attributes.items()}


def _key_of(serialized: dict[str, Any]) -> tuple[str, str]:
    return (serialized["seqNumbershardIdHash"]["S"], serialized["sequenceNumber"]["S"])


def _string_attribute(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def _camel(values: dict[str, Any]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(k): v for k, v in values.items()}
