"""Cognito and EventBridge as the disabler uses them: the only module here that touches boto3.

Every AdminDisableUser attempt, botocore's own retries included, waits for the rate limiter first: the
limiter hooks botocore's per-attempt `before-send` event, so a throttled call that botocore retries is
still counted against the 25 requests/s quota.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pyrate_limiter import Duration, InMemoryBucket, Limiter, Rate

from stratus_shared.aws import client
from stratus_shared.cognito_groups import groups_of
from stratus_shared.inactivity import InactivityRecord

EVENT_SOURCE = "stratus.inactive-user-remediation"
EVENT_DETAIL_TYPE = "Inactive User Disabled"


class CognitoThrottledError(Exception):
    """Cognito kept answering TooManyRequestsException after every retry."""


class DirectoryError(Exception):
    """Cognito refused a call for a reason other than throttling or a missing user."""


class PublishError(Exception):
    """EventBridge did not accept the audit event."""


# The limiter counts a request when it is sent; Cognito counts it when it arrives. Spreading each
# `rate` requests over a slightly longer window keeps network jitter from putting rate + 1 requests into
# one of Cognito's seconds.
JITTER_GUARD_MS = 100


@cache
def disable_limiter(rate_per_second: int) -> Limiter:
    """One limiter per container: with reserved concurrency 1 that is one for the whole account."""
    return Limiter(InMemoryBucket([Rate(rate_per_second, Duration.SECOND + JITTER_GUARD_MS)]))


def rate_limited_cognito(rate_per_second: int, max_attempts: int) -> Any:
    """The cached cognito-idp client with the limiter attached to every AdminDisableUser attempt."""
    cognito = client("cognito-idp", max_attempts=max_attempts)
    if not getattr(cognito, "_stratus_rate_limited", False):
        limiter = disable_limiter(rate_per_second)

        def wait_for_slot(**_: Any) -> None:
            limiter.try_acquire("AdminDisableUser")

        cognito.meta.events.register("before-send.cognito-idp.AdminDisableUser", wait_for_slot)
        cognito._stratus_rate_limited = True
    return cognito


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class CognitoDirectory:
    def __init__(self, cognito: Any) -> None:
        self.cognito = cognito

    def groups_of(self, user_pool_id: str, username: str) -> set[str] | None:
        """The user's group names, or None when the user no longer exists."""
        try:
            return groups_of(self.cognito, user_pool_id, username)
        except ClientError as exc:
            self._raise_unless_absent(exc)
            return None
        except BotoCoreError as exc:
            raise DirectoryError(str(exc)) from exc

    def disable(self, user_pool_id: str, username: str) -> bool:
        """Disable the user; False when the user no longer exists."""
        try:
            self.cognito.admin_disable_user(UserPoolId=user_pool_id, Username=username)
        except ClientError as exc:
            self._raise_unless_absent(exc)
            return False
        except BotoCoreError as exc:
            raise DirectoryError(str(exc)) from exc
        return True

    @staticmethod
    def _raise_unless_absent(exc: ClientError) -> None:
        """A missing user is an answer; throttling and anything else are errors."""
        code = _code(exc)
        if code == "UserNotFoundException":
            return
        if code == "TooManyRequestsException":
            raise CognitoThrottledError(str(exc)) from exc
        raise DirectoryError(f"{code}: {exc}") from exc


class AuditEvents:
    def __init__(self, events: Any, bus_name: str) -> None:
        self.events = events
        self.bus_name = bus_name

    def user_disabled(self, record: InactivityRecord, *, disabled_at: datetime, threshold_days: int) -> None:
        detail = {
            "username": record.username,
            "sub": record.sub,
            "userpool_id": record.userpool_id,
            "last_sign_in": record.timestamp,
            # With `sub`, names this expiry uniquely: a consumer's de-duplication key should a crash
            # mid-batch make Lambda repeat a disable (see logic.py).
            "expired_at": datetime.fromtimestamp(record.ttl, UTC).isoformat(timespec="seconds"),
            "record_source": record.source.value,
            "inactive_threshold_days": threshold_days,
            "disabled_at": disabled_at.isoformat(timespec="seconds"),
        }
        try:
            response = self.events.put_events(
                Entries=[
                    {
                        "Source": EVENT_SOURCE,
                        "DetailType": EVENT_DETAIL_TYPE,
                        "Detail": json.dumps(detail),
                        "EventBusName": self.bus_name,
                        "Resources": [f"userpool/{record.userpool_id}"],
                    }
                ]
            )
        except (ClientError, BotoCoreError) as exc:
            raise PublishError(str(exc)) from exc
        if response.get("FailedEntryCount", 0):
            raise PublishError(json.dumps(response.get("Entries", [])))


def audit_events(bus_name: str) -> AuditEvents:
    return AuditEvents(client("events"), bus_name)
