"""Record a user's activity so that inactivity can be detected later.

A sign-in (PostAuthentication) restarts the user's inactivity clock. A confirmed sign-up or password
reset (PostConfirmation) only starts a clock for a user who has none: it is not a sign-in, so it must
not extend the time of a user who is already tracked. Storage trouble never fails the sign-in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from models import CognitoActivity, TriggerKind

from stratus_shared.inactivity import InactivityRecord
from stratus_shared.inactivity_store import StoreUnavailableError
from stratus_shared.observability import logger, metrics

WRITE_FAILED_METRIC = "SignInRecordWriteFailed"


class Outcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_TRACKED = "already-tracked"
    NOT_RECORDED = "not-recorded"


class Store(Protocol):
    def put(self, record: InactivityRecord) -> None: ...

    def put_if_absent(self, record: InactivityRecord) -> bool: ...


def record_activity(
    activity: CognitoActivity, store: Store, *, threshold_days: int, now: datetime
) -> Outcome:
    record = InactivityRecord.starting(
        sub=activity.sub,
        username=activity.username,
        userpool_id=activity.user_pool_id,
        at=now,
        threshold_days=threshold_days,
        source=activity.record_source,
    )
    try:
        if activity.kind is TriggerKind.POST_AUTHENTICATION:
            store.put(record)
        elif not store.put_if_absent(record):
            return Outcome.ALREADY_TRACKED
    except StoreUnavailableError as exc:
        # Letting the user in untracked beats locking everyone out while the table is down; the alarm
        # on this metric tells the operator, and the next sign-in or a backfill run tracks the user.
        logger.error(
            "activity not recorded; sign-in let through",
            user_pool_id=activity.user_pool_id,
            sub=activity.sub,
            trigger_source=activity.trigger_source,
            error=str(exc),
        )
        metrics.add_metric(name=WRITE_FAILED_METRIC, unit=MetricUnit.Count, value=1)
        return Outcome.NOT_RECORDED
    metrics.add_metric(name="ActivityRecorded", unit=MetricUnit.Count, value=1)
    return Outcome.RECORDED
