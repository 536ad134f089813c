"""Count new web events per event name per minute and per hour, one update per distinct counter.

A batch's increments are committed in transactions that also write a marker keyed by the batch's
identity (a hash of its stream event ids) and chunk number; a retried batch finds its markers and
adds nothing twice.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamRecordModel
from models import CounterChunk, CounterKey
from pydantic import ValidationError

from stratus_shared.counters import Resolution, date_hour

# TransactWriteItems takes 100 actions: one marker + 99 counter updates.
MAX_UPDATES_PER_TRANSACTION = 99


class CounterSink(Protocol):
    def apply(self, chunk: CounterChunk) -> bool:
        """Commit the chunk; False when its marker shows it was already committed."""
        ...


def event_time(value: Any, fallback: datetime | None) -> datetime | None:
    """An event's time from ISO 8601 text or epoch seconds / milliseconds / nanoseconds."""
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value > 0:
        number = float(value)
        for scale in (1.0, 1e3, 1e6, 1e9):
            if number / scale < 1e11:  # seconds until the year 5138
                return datetime.fromtimestamp(number / scale, tz=UTC)
    return fallback


def count(
    raw_records: Iterable[Mapping[str, Any]], name_attribute: str, time_attribute: str
) -> tuple[Counter[CounterKey], int]:
    """Increments per (resolution, event name, DateHour) for the batch's INSERTs; also the uncounted."""
    counters: Counter[CounterKey] = Counter()
    uncounted = 0
    for raw in raw_records:
        try:
            record = DynamoDBStreamRecordModel.model_validate(raw)
        except ValidationError:
            uncounted += 1
            continue
        image = record.dynamodb.NewImage
        # MODIFY is a replayed record overwriting its item: counted once, on INSERT.
        if record.eventName != "INSERT" or not isinstance(image, dict):
            continue
        name = image.get(name_attribute)
        moment = event_time(image.get(time_attribute), record.dynamodb.ApproximateCreationDateTime)
        if not isinstance(name, str) or not name or moment is None:
            uncounted += 1
            continue
        for resolution in Resolution:
            counters[CounterKey(resolution, name, date_hour(moment, resolution))] += 1
    return counters, uncounted


def batch_identity(raw_records: Sequence[Mapping[str, Any]]) -> str:
    """The same batch, retried, gets the same identity (Lambda redelivers the same stream records)."""
    digest = hashlib.sha256()
    for raw in raw_records:
        digest.update(str(raw.get("eventID", "")).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def chunks(batch_id: str, counters: Counter[CounterKey]) -> list[CounterChunk]:
    """Deterministic chunks (sorted keys) so a retry rebuilds the very same markers."""
    ordered = sorted(counters.items())
    return [
        CounterChunk(
            marker_id=f"{batch_id}#{index}",
            increments=tuple(ordered[start : start + MAX_UPDATES_PER_TRANSACTION]),
        )
        for index, start in enumerate(range(0, len(ordered), MAX_UPDATES_PER_TRANSACTION))
    ]


def apply_batch(
    raw_records: Sequence[Mapping[str, Any]], sink: CounterSink, name_attribute: str, time_attribute: str
) -> tuple[int, int, int]:
    """Count a batch; return (counter updates committed, updates skipped as already counted, uncounted)."""
    counters, uncounted = count(raw_records, name_attribute, time_attribute)
    committed = skipped = 0
    for chunk in chunks(batch_identity(raw_records), counters):
        if sink.apply(chunk):
            committed += len(chunk.increments)
        else:
            skipped += len(chunk.increments)
    return committed, skipped, uncounted
