"""Kinesis records -> replica items keyed so that a replayed stream overwrites instead of duplicating.

The key is the source design's: hash `seqNumbershardIdHash` = sequenceNumber[-3:-1] + "_" + shardId and
range `sequenceNumber`. Records that can never become an item are dead-lettered, never failing the batch.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamRecord
from models import PoisonRecord, ReplicaItem, ReplicationResult, WriteOutcome
from pydantic import ValidationError

# DynamoDB refuses items over 400 KB (attribute names + values); the serialised JSON is a close upper bound.
MAX_ITEM_BYTES = 400 * 1024
# Raw data is copied into the dead letter only while the SQS message stays well under its 256 KiB limit.
MAX_DEAD_LETTER_DATA_BYTES = 128 * 1024


class PoisonRecordError(Exception):
    """A Kinesis record that cannot become a replica item; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReplicaSink(Protocol):
    """Where items and dead letters go (the data-access module, or a fake in unit tests)."""

    def write_items(self, items: Sequence[ReplicaItem]) -> WriteOutcome: ...

    def dead_letter(self, records: Sequence[PoisonRecord]) -> None: ...


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON and DynamoDB cannot store them.
    raise json.JSONDecodeError(f"{name} is not a number DynamoDB can store", name, 0)


def hash_key(sequence_number: str, shard_id: str) -> str:
    """The source design's partition key: two well-distributed digits of the sequence number + the shard."""
    return f"{sequence_number[-3:-1]}_{shard_id}"


def to_item(record: KinesisDataStreamRecord) -> ReplicaItem:
    """Decode one record into an item; raise PoisonRecordError when it can never be stored."""
    data = record.kinesis.data
    assert isinstance(data, bytes)  # the parser model base64-decodes `data` into bytes
    try:
        # Decimal keeps fractional numbers exact (DynamoDB takes no floats).
        payload = json.loads(data, parse_float=Decimal, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonRecordError(f"not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise PoisonRecordError(f"not a JSON object: got {type(payload).__name__}")
    sequence_number = record.kinesis.sequenceNumber
    shard_id = record.eventID.split(":", 1)[0]
    # Drop empty values as the source design does; an empty attribute name is not storable either.
    attributes: dict[str, Any] = {k: v for k, v in payload.items() if k and v is not None and v != ""}
    attributes["sequenceNumber"] = sequence_number
    attributes["shardId"] = shard_id
    attributes["seqNumbershardIdHash"] = hash_key(sequence_number, shard_id)
    size = len(json.dumps(attributes, default=str).encode())
    if size > MAX_ITEM_BYTES:
        raise PoisonRecordError(f"too large for an item: {size} bytes > {MAX_ITEM_BYTES}")
    return ReplicaItem(sequence_number=sequence_number, shard_id=shard_id, attributes=attributes)


def _poison_from_raw(raw: Mapping[str, Any], reason: str) -> PoisonRecord:
    kinesis = raw.get("kinesis") or {}
    data = str(kinesis.get("data") or "")
    return PoisonRecord(
        sequence_number=str(kinesis.get("sequenceNumber", "")),
        shard_id=str(raw.get("eventID", "")).split(":", 1)[0],
        reason=reason,
        event_source_arn=str(raw.get("eventSourceARN", "")),
        partition_key=str(kinesis.get("partitionKey", "")),
        approximate_arrival_timestamp=kinesis.get("approximateArrivalTimestamp"),
        data_base64=data if len(data) <= MAX_DEAD_LETTER_DATA_BYTES else None,
        data_bytes=len(data) * 3 // 4,
    )


def _poison(record: KinesisDataStreamRecord, reason: str) -> PoisonRecord:
    data = record.kinesis.data
    assert isinstance(data, bytes)
    return PoisonRecord(
        sequence_number=record.kinesis.sequenceNumber,
        shard_id=record.eventID.split(":", 1)[0],
        reason=reason,
        event_source_arn=record.eventSourceARN,
        partition_key=record.kinesis.partitionKey,
        approximate_arrival_timestamp=record.kinesis.approximateArrivalTimestamp,
        data_base64=base64.b64encode(data).decode() if len(data) <= MAX_DEAD_LETTER_DATA_BYTES else None,
        data_bytes=len(data),
    )


def plan(raw_records: Iterable[Mapping[str, Any]]) -> tuple[list[ReplicaItem], list[PoisonRecord]]:
    """Split a batch into storable items (last copy of a key wins) and poison records."""
    items: dict[tuple[str, str], ReplicaItem] = {}
    poisoned: list[PoisonRecord] = []
    for raw in raw_records:
        try:
            record = KinesisDataStreamRecord.model_validate(raw)
        except ValidationError as exc:
            poisoned.append(_poison_from_raw(raw, f"malformed Kinesis record: {exc.error_count()} error(s)"))
            continue
        try:
            item = to_item(record)
        except PoisonRecordError as exc:
            poisoned.append(_poison(record, exc.reason))
            continue
        # BatchWriteItem refuses a call that names one key twice; a replay inside one batch is one item.
        items[item.key] = item
    return list(items.values()), poisoned


def replicate(raw_records: Sequence[Mapping[str, Any]], sink: ReplicaSink) -> ReplicationResult:
    """Write a batch's items, dead-letter what cannot be stored, and report what must be retried."""
    items, poisoned = plan(raw_records)
    outcome = sink.write_items(items) if items else WriteOutcome()
    for item, reason in outcome.rejected:
        poisoned.append(
            PoisonRecord(
                sequence_number=item.sequence_number,
                shard_id=item.shard_id,
                reason=f"refused by DynamoDB: {reason}",
                data_base64=None,
            )
        )
    if poisoned:
        sink.dead_letter(poisoned)
    failed = sorted({item.sequence_number for item in outcome.unwritten}, key=int)
    written = len(items) - len(outcome.unwritten) - len(outcome.rejected)
    return ReplicationResult(written=written, poisoned=poisoned, failed_sequence_numbers=failed)
