"""Disable the Cognito users whose inactivity record DynamoDB TTL has deleted.

Records are handled in stream order. Once one fails, the rest of the batch is reported failed without
being touched: Lambda re-delivers a stream batch from the first failed record, so acting on the later
ones now would only disable them (and announce it) twice. For the same reason no record is started
when the invocation may not have time to finish it: a timeout makes Lambda retry the whole batch,
records already disabled and announced included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from models import DisablerSettings, Outcome
from pydantic import ValidationError

from stratus_shared.inactivity import InactivityRecord, UnconfiguredPoolError
from stratus_shared.observability import logger, metrics

TTL_PRINCIPAL = "dynamodb.amazonaws.com"


class NotATtlRemovalError(Exception):
    """The record is not DynamoDB TTL deleting an item (the mapping's filter should have dropped it)."""


class InvalidRecordError(Exception):
    """The deleted item is not an inactivity record."""


class SkippedAfterEarlierFailureError(Exception):
    """Not processed: an earlier record of this batch failed and Lambda re-delivers from there."""


class OutOfTimeError(Exception):
    """Not started: too little of the invocation was left to finish it (Lambda re-delivers from here)."""


class Directory(Protocol):
    def groups_of(self, user_pool_id: str, username: str) -> set[str] | None: ...

    def disable(self, user_pool_id: str, username: str) -> bool: ...


class Audit(Protocol):
    def user_disabled(
        self, record: InactivityRecord, *, disabled_at: datetime, threshold_days: int
    ) -> None: ...


def expired_record(record: DynamoDBRecord) -> InactivityRecord:
    """The inactivity record a TTL REMOVE carries in its old image."""
    identity = record.user_identity or {}
    if (
        record.event_name is not DynamoDBRecordEventName.REMOVE
        or identity.get("principalId") != TTL_PRINCIPAL
    ):
        raise NotATtlRemovalError(f"{record.event_name} by {identity.get('principalId', 'a user')}")
    image = record.dynamodb.old_image if record.dynamodb else {}
    if not image:
        raise InvalidRecordError("REMOVE record without an old image (stream view type must include it)")
    try:
        return InactivityRecord.model_validate(image)
    except ValidationError as exc:
        raise InvalidRecordError(str(exc)) from exc


class BatchDisabler:
    def __init__(
        self,
        settings: DisablerSettings,
        directory: Directory,
        audit: Audit,
        now: Callable[[], datetime],
        remaining_ms: Callable[[], int],
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.audit = audit
        self.now = now
        self.remaining_ms = remaining_ms
        self.failed = False

    def process(self, record: DynamoDBRecord) -> Outcome:
        """Powertools record handler: an exception marks this record as a batch item failure."""
        position = record.dynamodb.sequence_number if record.dynamodb else ""
        if self.failed:
            raise SkippedAfterEarlierFailureError(position)
        if self.remaining_ms() < self.settings.record_time_reserve_seconds * 1000:
            self.failed = True
            metrics.add_metric(name="RecordsDeferred", unit=MetricUnit.Count, value=1)
            raise OutOfTimeError(position)
        try:
            return self._disable(expired_record(record))
        except Exception:
            self.failed = True
            raise

    def _disable(self, record: InactivityRecord) -> Outcome:
        log = {"user_pool_id": record.userpool_id, "sub": record.sub, "last_sign_in": record.timestamp}
        if record.userpool_id not in self.settings.user_pool_ids:
            # Refused, and reported failed: after the mapping's bounded retries the record's position goes
            # to the on-failure queue, whose alarm brings an operator to a configuration mistake.
            logger.error("record from a pool this stack does not remediate", extra=log)
            metrics.add_metric(name="RecordsRefused", unit=MetricUnit.Count, value=1)
            raise UnconfiguredPoolError(record.userpool_id)
        group = self.settings.exempt_group_name
        if group:
            groups = self.directory.groups_of(record.userpool_id, record.username)
            if groups is None:
                return self._gone(log)
            if group in groups:
                logger.info("exempt user left enabled", extra={**log, "exempt_group": group})
                metrics.add_metric(name="UsersExempt", unit=MetricUnit.Count, value=1)
                return Outcome.EXEMPT
        if not self.directory.disable(record.userpool_id, record.username):
            return self._gone(log)
        disabled_at = self.now()
        self.audit.user_disabled(record, disabled_at=disabled_at, threshold_days=self.settings.threshold_days)
        logger.info("inactive user disabled", extra=log)
        metrics.add_metric(name="UsersDisabled", unit=MetricUnit.Count, value=1)
        return Outcome.DISABLED

    @staticmethod
    def _gone(log: dict[str, str]) -> Outcome:
        logger.info("user no longer exists; nothing to disable", extra=log)
        metrics.add_metric(name="UsersAlreadyGone", unit=MetricUnit.Count, value=1)
        return Outcome.ALREADY_GONE
