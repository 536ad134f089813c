"""Strict mode: refuse a sign-in as soon as the user's inactivity record has expired.

DynamoDB TTL deletes expired items within about two days, so the disabler alone leaves a window in
which an inactive user can still sign in. This check closes it. A user without a record is let in (the
backfill workflow gives every existing user a record, and sign-up creates one), and so is every user
when the lookup fails: strict mode tightens enforcement, it must not become an outage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from dal import LookupUnavailableError
from models import SignInAttempt

from stratus_shared.inactivity import InactivityRecord
from stratus_shared.observability import logger, metrics


class InactiveAccountError(Exception):
    """Raised to Cognito, which refuses the sign-in and shows this message to the client."""


REFUSAL_MESSAGE = (
    "This account was locked after a period without sign-in (last activity {last}). "
    "Ask your administrator to re-enable it."
)


class Verdict(StrEnum):
    ACTIVE = "active"
    UNTRACKED = "untracked"
    EXEMPT = "exempt"
    UNCHECKED = "unchecked"


class Lookups(Protocol):
    def record(self, sub: str) -> InactivityRecord | None: ...

    def groups_of(self, user_pool_id: str, username: str) -> set[str]: ...


def check_sign_in(attempt: SignInAttempt, lookups: Lookups, *, exempt_group: str, now: datetime) -> Verdict:
    """Return why the sign-in may go ahead, or raise InactiveAccountError."""
    try:
        record = lookups.record(attempt.sub)
        if record is None:
            return Verdict.UNTRACKED
        if not record.expired(now):
            return Verdict.ACTIVE
        if exempt_group and exempt_group in lookups.groups_of(attempt.user_pool_id, attempt.username):
            return Verdict.EXEMPT
    except LookupUnavailableError as exc:
        logger.error("inactivity not checked; sign-in let through", sub=attempt.sub, error=str(exc))
        metrics.add_metric(name="InactivityCheckFailed", unit=MetricUnit.Count, value=1)
        return Verdict.UNCHECKED
    expired_at = datetime.fromtimestamp(record.ttl, UTC).isoformat(timespec="seconds")
    logger.warning(
        "sign-in refused: inactivity record expired",
        user_pool_id=attempt.user_pool_id,
        sub=attempt.sub,
        last_activity=record.timestamp,
        expired_at=expired_at,
    )
    metrics.add_metric(name="SignInsRefused", unit=MetricUnit.Count, value=1)
    raise InactiveAccountError(REFUSAL_MESSAGE.format(last=record.timestamp[:10]))
