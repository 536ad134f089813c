"""Settings and the sign-in attempt a PreAuthentication trigger reports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stratus_shared.config import Settings


class GuardSettings(Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    exempt_group_name: str = Field(default="", alias="EXEMPT_GROUP_NAME")
    # Cognito gives a trigger 5 s in all; a slow read lets the user through rather than time out.
    connect_timeout: float = Field(default=0.5, alias="GUARD_CONNECT_TIMEOUT_SECONDS", gt=0, le=1)
    read_timeout: float = Field(default=1.0, alias="GUARD_READ_TIMEOUT_SECONDS", gt=0, le=1.5)


class SignInAttempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_pool_id: str = Field(min_length=1)
    username: str = Field(min_length=1)
    sub: str = Field(min_length=1)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> SignInAttempt:
        if not str(event.get("triggerSource", "")).startswith("PreAuthentication"):
            raise ValueError(f"not a PreAuthentication event: {event.get('triggerSource')!r}")
        attributes = (event.get("request") or {}).get("userAttributes") or {}
        return cls(
            user_pool_id=event.get("userPoolId", ""),
            username=event.get("userName", ""),
            sub=attributes.get("sub", ""),
        )
