"""Settings and the sign-in attempt a PreAuthentication trigger reports."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import CognitoPreAuthenticationTriggerModel
from pydantic import BaseModel, ConfigDict, Field, model_validator

from stratus_shared.aws import require_within_trigger_budget, worst_case_seconds
from stratus_shared.config import Settings

# The record, then (for an expired user) the groups: two calls, one after the other.
LOOKUPS_PER_SIGN_IN = 2


class GuardSettings(Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    exempt_group_name: str = Field(default="", alias="EXEMPT_GROUP_NAME")
    # Cognito gives a trigger 5 s in all; a slow read lets the user through rather than time out, so
    # both lookups must fit in what a cold start leaves (checked below). One attempt by default: a
    # retry's back-off alone would take most of it, and a user let in unchecked is still disabled later.
    attempts: int = Field(default=1, alias="GUARD_MAX_ATTEMPTS", ge=1, le=2)
    connect_timeout: float = Field(default=0.5, alias="GUARD_CONNECT_TIMEOUT_SECONDS", gt=0, le=1)
    read_timeout: float = Field(default=1.0, alias="GUARD_READ_TIMEOUT_SECONDS", gt=0, le=1.5)

    @property
    def lookup_budget_seconds(self) -> float:
        one = worst_case_seconds(self.attempts, self.connect_timeout, self.read_timeout)
        return LOOKUPS_PER_SIGN_IN * one

    @model_validator(mode="after")
    def _fits_cognitos_deadline(self) -> GuardSettings:
        require_within_trigger_budget(self.lookup_budget_seconds, "GUARD_*")
        return self


class SignInAttempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_pool_id: str = Field(min_length=1)
    username: str = Field(min_length=1)
    sub: str = Field(min_length=1)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> SignInAttempt:
        """Parse a PreAuthentication event with Powertools' model; raises pydantic.ValidationError."""
        trigger = parse(event=event, model=CognitoPreAuthenticationTriggerModel)
        return cls(
            user_pool_id=trigger.userPoolId,
            username=trigger.userName or "",
            sub=str(trigger.request.userAttributes.get("sub", "")),
        )
