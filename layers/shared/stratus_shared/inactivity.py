"""The inactivity record the remediation functions share: recorder, backfill, guard and disabler.

One item per Cognito user (`sub` is the partition key, unique across pools). `ttl` is the epoch second
after which the user counts as inactive; DynamoDB TTL deletes the item some time after it, and the
stream's REMOVE record for that delete is what disables the user.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>
_POOL_ARN = re.compile(r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/(?P<id>[\w-]+_[0-9A-Za-z]+)$")


class UnconfiguredPoolError(Exception):
    """A user pool this deployment was not configured to remediate."""

    def __init__(self, user_pool_id: str) -> None:
        super().__init__(f"user pool {user_pool_id} is not one of the configured pools")
        self.user_pool_id = user_pool_id


class InvalidPoolArnError(ValueError):
    """A configured value is not a Cognito user pool ARN."""


class RecordSource(StrEnum):
    """What created the record: a sign-in, a confirmed sign-up, or the backfill workflow."""

    SIGN_IN = "sign-in"
    SIGN_UP = "sign-up"
    BACKFILL = "backfill"


class InactivityRecord(BaseModel):
    """One user's latest activity and the moment they become inactive."""

    model_config = ConfigDict(frozen=True)

    sub: str = Field(min_length=1)
    timestamp: str = Field(min_length=1, description="UTC ISO 8601 time of the latest activity")
    username: str = Field(min_length=1)
    userpool_id: str = Field(min_length=1)
    ttl: int = Field(ge=0, description="epoch seconds after which the user is inactive")
    source: RecordSource = RecordSource.SIGN_IN

    @field_validator("timestamp")
    @classmethod
    def _iso_utc(cls, value: str) -> str:
        datetime.fromisoformat(value)  # raises ValueError on anything that is not ISO 8601
        return value

    @classmethod
    def starting(
        cls,
        *,
        sub: str,
        username: str,
        userpool_id: str,
        at: datetime,
        threshold_days: int,
        source: RecordSource,
    ) -> InactivityRecord:
        """A record whose inactivity clock starts at `at` and runs for `threshold_days`."""
        at = at.astimezone(UTC)
        return cls(
            sub=sub,
            timestamp=at.isoformat(timespec="seconds"),
            username=username,
            userpool_id=userpool_id,
            ttl=expiry(at, threshold_days),
            source=source,
        )

    def expired(self, now: datetime) -> bool:
        return self.ttl <= int(now.timestamp())

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item in attribute-value form."""
        return {
            "sub": {"S": self.sub},
            "timestamp": {"S": self.timestamp},
            "username": {"S": self.username},
            "userpool_id": {"S": self.userpool_id},
            "ttl": {"N": str(self.ttl)},
            "source": {"S": self.source.value},
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> InactivityRecord:
        """Parse an attribute-value item (GetItem) into a record."""
        plain = {key: next(iter(value.values())) for key, value in item.items()}
        return cls.model_validate(plain)


def expiry(at: datetime, threshold_days: int) -> int:
    """Epoch seconds `threshold_days` after `at` (0 days = inactive at once, for trials)."""
    return int((at + timedelta(days=threshold_days)).timestamp())


def pool_id_from_arn(arn: str) -> str:
    """`us-east-1_AbC` from `arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC`."""
    match = _POOL_ARN.match(arn.strip())
    if match is None:
        raise InvalidPoolArnError(f"not a Cognito user pool ARN: {arn!r}")
    return match.group("id")
