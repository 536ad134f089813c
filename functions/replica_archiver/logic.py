"""Replica table stream records -> newline-delimited plain JSON, grouped the way PutRecordBatch takes it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamRecordModel
from models import ArchiveLine, ArchiveResult
from pydantic import ValidationError

from stratus_shared.observability import logger

MAX_BATCH_RECORDS = 500  # PutRecordBatch's limits
MAX_BATCH_BYTES = 4 * 1024 * 1024
# Firehose refuses the whole call when one record exceeds 1,000 KiB, so such a line is never sent. A
# 400 KB item rarely flattens past it, but escaped text and base64 binary can.
MAX_RECORD_BYTES = 1000 * 1024


class ArchiveSink(Protocol):
    def put_batch(self, lines: Sequence[ArchiveLine]) -> list[ArchiveLine]:
        """Deliver `lines`; return those still refused after the sink's retries."""
        ...


def flatten(value: Any) -> Any:
    """A deserialised DynamoDB value as plain JSON: numbers stay numbers, sets become sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: flatten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [flatten(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((flatten(v) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    return value


def lines_for(raw_records: Iterable[Mapping[str, Any]]) -> list[ArchiveLine]:
    """Every new image (INSERT or MODIFY) as an NDJSON line; removals and keys-only records are skipped."""
    lines: list[ArchiveLine] = []
    for raw in raw_records:
        try:
            record = DynamoDBStreamRecordModel.model_validate(raw)
        except ValidationError as exc:
            # Lambda only ever delivers well-formed stream records; log rather than block the shard.
            logger.error(
                "skipping malformed stream record", errors=exc.error_count(), event_id=raw.get("eventID")
            )
            continue
        image = record.dynamodb.NewImage
        if record.eventName == "REMOVE" or not isinstance(image, dict):
            continue
        # UTF-8 rather than \u escapes: non-ASCII text stays as small as it is in the item.
        text = json.dumps(flatten(image), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        lines.append(ArchiveLine(sequence_number=record.dynamodb.SequenceNumber, data=(text + "\n").encode()))
    return lines


def batches(lines: Sequence[ArchiveLine]) -> Iterator[list[ArchiveLine]]:
    """Groups of at most 500 lines and 4 MiB, in stream order."""
    batch: list[ArchiveLine] = []
    size = 0
    for line in lines:
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + len(line.data) > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(line)
        size += len(line.data)
    if batch:
        yield batch


def archive(raw_records: Sequence[Mapping[str, Any]], sink: ArchiveSink) -> ArchiveResult:
    """Deliver the batch's new images; report what was delivered, what to retry and what cannot be sent."""
    lines = lines_for(raw_records)
    sendable = [line for line in lines if len(line.data) <= MAX_RECORD_BYTES]
    # Retrying an oversized line could only block the shard; the item itself stays in the replica table.
    oversized = [line.sequence_number for line in lines if len(line.data) > MAX_RECORD_BYTES]
    failed: list[ArchiveLine] = []
    for batch in batches(sendable):
        failed.extend(sink.put_batch(batch))
    return ArchiveResult(
        delivered=len(sendable) - len(failed),
        failed_sequence_numbers=[line.sequence_number for line in failed],
        oversized_sequence_numbers=oversized,
    )
