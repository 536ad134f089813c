"""Settings and the sign-in a Cognito trigger reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import (
    CognitoPostAuthenticationTriggerModel,
    CognitoPostConfirmationTriggerModel,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator

from stratus_shared.aws import require_within_trigger_budget, worst_case_seconds
from stratus_shared.config import Settings
from stratus_shared.inactivity import RecordSource


class RecorderSettings(Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    threshold_days: int = Field(alias="INACTIVE_THRESHOLD_DAYS", ge=0)
    # Cognito gives a trigger 5 s in all; the write and its retry must fit in the part a cold start
    # leaves (checked below), or Cognito fails the sign-in the recorder meant to let through.
    write_attempts: int = Field(default=2, alias="RECORD_WRITE_ATTEMPTS", ge=1, le=3)
    connect_timeout: float = Field(default=0.5, alias="RECORD_CONNECT_TIMEOUT_SECONDS", gt=0, le=1)
    read_timeout: float = Field(default=0.75, alias="RECORD_READ_TIMEOUT_SECONDS", gt=0, le=1.5)

    @property
    def write_budget_seconds(self) -> float:
        return worst_case_seconds(self.write_attempts, self.connect_timeout, self.read_timeout)

    @model_validator(mode="after")
    def _fits_cognitos_deadline(self) -> RecorderSettings:
        require_within_trigger_budget(self.write_budget_seconds, "RECORD_*")
        return self


class TriggerKind(StrEnum):
    POST_AUTHENTICATION = "PostAuthentication"
    POST_CONFIRMATION = "PostConfirmation"


class PostConfirmationTrigger(CognitoPostConfirmationTriggerModel):
    """Powertools' model accepts only `PostConfirmation_ConfirmSignUp`; Cognito sends the same event
    with `PostConfirmation_ConfirmForgotPassword` after a password reset, which the recorder records too
    (for a user who has no record yet)."""

    triggerSource: Literal[  # type: ignore[assignment]
        "PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"
    ]


# The two triggers this function is attached to, told apart by their triggerSource.
RecorderTrigger = Annotated[
    CognitoPostAuthenticationTriggerModel | PostConfirmationTrigger, Field(discriminator="triggerSource")
]


class CognitoActivity(BaseModel):
    """What the recorder needs from a PostAuthentication or PostConfirmation event."""

    model_config = ConfigDict(frozen=True)

    kind: TriggerKind
    trigger_source: str
    user_pool_id: str = Field(min_length=1)
    username: str = Field(min_length=1)
    sub: str = Field(min_length=1)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> CognitoActivity:
        """Parse the trigger event with Powertools' Cognito models; raises pydantic.ValidationError
        (a ValueError) naming what is wrong."""
        # Powertools types `model` as a class; a discriminated union of two is what this trigger gets.
        trigger: Any = parse(event=event, model=RecorderTrigger)  # type: ignore[call-overload]
        return cls(
            kind=TriggerKind(trigger.triggerSource.split("_", 1)[0]),
            trigger_source=trigger.triggerSource,
            user_pool_id=trigger.userPoolId,
            username=trigger.userName or "",
            sub=str(trigger.request.userAttributes.get("sub", "")),
        )

    @property
    def record_source(self) -> RecordSource:
        return RecordSource.SIGN_IN if self.kind is TriggerKind.POST_AUTHENTICATION else RecordSource.SIGN_UP
