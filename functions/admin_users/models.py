"""Typed values of the admin users API (the web app's Admin page reads exactly these)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stratus_shared.config import Settings


class AdminUsersSettings(Settings):
    user_pool_id: str = Field(alias="USER_POOL_ID", min_length=1)
    admin_group_name: str = Field(alias="ADMIN_GROUP_NAME", min_length=1)
    exempt_group_name: str = Field(default="", alias="EXEMPT_GROUP_NAME")
    # Empty when inactive-user remediation is switched off: no inactivity fields then.
    inactivity_table_name: str = Field(default="", alias="INACTIVITY_TABLE_NAME")
    inactive_threshold_days: int = Field(default=90, alias="INACTIVE_THRESHOLD_DAYS", ge=0)


class UserNotFoundError(Exception):
    """No such user in the stack's pool (HTTP 404)."""


class AdminUser(BaseModel):
    username: str
    sub: str
    email: str | None = None
    status: str = Field(description="Cognito's user status, e.g. CONFIRMED, FORCE_CHANGE_PASSWORD")
    enabled: bool
    exempt: bool = Field(description="member of the exempt group: never disabled for inactivity")
    admin: bool = Field(description="member of the admin group")
    createdAt: str | None = None
    lastSignIn: str | None = Field(default=None, description="latest activity the inactivity record holds")
    inactivityExpiresAt: str | None = Field(
        default=None, description="when the user counts as inactive (ISO 8601 UTC); null: not tracked"
    )


class AdminUsersPage(BaseModel):
    items: list[AdminUser]
    nextToken: str | None = None
    remediation: bool = Field(description="inactive-user remediation is on (inactivity fields are filled)")


class EnabledUser(BaseModel):
    username: str
    enabled: bool
    inactivityExpiresAt: str | None = None
