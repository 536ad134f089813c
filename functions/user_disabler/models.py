"""Settings of the disabler and what it decided for one record."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, computed_field

from stratus_shared.config import Settings, csv_list
from stratus_shared.inactivity import pool_id_from_arn

# AdminDisableUser is limited to 25 requests/s per account and region, and that quota cannot be raised.
COGNITO_DISABLE_QUOTA_PER_SECOND = 25


class DisablerSettings(Settings):
    user_pool_arns: Annotated[list[str], BeforeValidator(csv_list)] = Field(
        alias="USER_POOL_ARNS", min_length=1
    )
    exempt_group_name: str = Field(default="", alias="EXEMPT_GROUP_NAME")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    threshold_days: int = Field(alias="INACTIVE_THRESHOLD_DAYS", ge=0)
    disable_rate_per_second: int = Field(
        default=COGNITO_DISABLE_QUOTA_PER_SECOND,
        alias="DISABLE_RATE_PER_SECOND",
        ge=1,
        le=COGNITO_DISABLE_QUOTA_PER_SECOND,
    )
    cognito_attempts: int = Field(default=4, alias="COGNITO_MAX_ATTEMPTS", ge=1, le=10)
    # A record is only started with this much of the invocation left: one slow record (three calls,
    # each with back-off) fits, so the invocation ends with a partial failure rather than a timeout.
    record_time_reserve_seconds: float = Field(default=15, alias="RECORD_TIME_RESERVE_SECONDS", ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def user_pool_ids(self) -> frozenset[str]:
        return frozenset(pool_id_from_arn(arn) for arn in self.user_pool_arns)


class Outcome(StrEnum):
    DISABLED = "disabled"
    EXEMPT = "exempt"
    ALREADY_GONE = "already-gone"
