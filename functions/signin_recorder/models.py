"""Settings and the sign-in a Cognito trigger reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stratus_shared.config import Settings
from stratus_shared.inactivity import RecordSource


class RecorderSettings(Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    threshold_days: int = Field(alias="INACTIVE_THRESHOLD_DAYS", ge=0)
    # Cognito gives a trigger 5 s in all; these keep every write attempt and its retry well inside that.
    write_attempts: int = Field(default=2, alias="RECORD_WRITE_ATTEMPTS", ge=1, le=3)
    connect_timeout: float = Field(default=0.5, alias="RECORD_CONNECT_TIMEOUT_SECONDS", gt=0, le=1)
    read_timeout: float = Field(default=1.0, alias="RECORD_READ_TIMEOUT_SECONDS", gt=0, le=1.5)


class TriggerKind(StrEnum):
    POST_AUTHENTICATION = "PostAuthentication"
    POST_CONFIRMATION = "PostConfirmation"


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
        """Validate the trigger event; raises pydantic.ValidationError or ValueError naming what is wrong."""
        source = str(event.get("triggerSource", ""))
        kind = TriggerKind(source.split("_", 1)[0])
        attributes = (event.get("request") or {}).get("userAttributes") or {}
        return cls(
            kind=kind,
            trigger_source=source,
            user_pool_id=event.get("userPoolId", ""),
            username=event.get("userName", ""),
            sub=attributes.get("sub", ""),
        )

    @property
    def record_source(self) -> RecordSource:
        return RecordSource.SIGN_IN if self.kind is TriggerKind.POST_AUTHENTICATION else RecordSource.SIGN_UP
