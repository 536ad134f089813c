"""The users view and re-enabling: Cognito's users joined with their inactivity records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from models import AdminUser, AdminUsersPage, EnabledUser, UserNotFoundError

from stratus_shared.inactivity import InactivityRecord, RecordSource


class Directory(Protocol):
    user_pool_id: str

    def list_users(self, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]: ...
    def group_members(self, group: str) -> set[str]: ...
    def get_user(self, username: str) -> dict[str, Any] | None: ...
    def enable(self, username: str) -> None: ...


class Records(Protocol):
    def get_many(self, subs: list[str]) -> dict[str, InactivityRecord]: ...
    def put(self, record: InactivityRecord) -> None: ...


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    pairs = user.get("Attributes") or user.get("UserAttributes") or []
    return {a["Name"]: a["Value"] for a in pairs}


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return str(value) if value else None


def _expires(record: InactivityRecord | None) -> str | None:
    return datetime.fromtimestamp(record.ttl, UTC).isoformat(timespec="seconds") if record else None


def list_users(
    directory: Directory,
    records: Records | None,
    *,
    admin_group: str,
    exempt_group: str,
    limit: int,
    next_token: str | None,
) -> AdminUsersPage:
    users, token = directory.list_users(limit, next_token)
    exempt = directory.group_members(exempt_group)
    admins = directory.group_members(admin_group)
    subs = [_attributes(u).get("sub", "") for u in users]
    found = records.get_many([s for s in subs if s]) if records is not None else {}
    items = []
    for user, sub in zip(users, subs, strict=True):
        record = found.get(sub)
        items.append(
            AdminUser(
                username=user["Username"],
                sub=sub,
                email=_attributes(user).get("email"),
                status=str(user.get("UserStatus", "UNKNOWN")),
                enabled=bool(user.get("Enabled", True)),
                exempt=user["Username"] in exempt,
                admin=user["Username"] in admins,
                createdAt=_iso(user.get("UserCreateDate")),
                lastSignIn=record.timestamp if record else None,
                inactivityExpiresAt=_expires(record),
            )
        )
    return AdminUsersPage(items=items, nextToken=token, remediation=records is not None)


def enable_user(
    directory: Directory, records: Records | None, username: str, *, threshold_days: int, now: datetime
) -> EnabledUser:
    """Enable the user and restart their inactivity clock from now, so the expired record that disabled
    them cannot disable them again and they stay tracked even if they never sign in."""
    user = directory.get_user(username)
    if user is None:
        raise UserNotFoundError(username)
    directory.enable(user["Username"])
    sub = _attributes(user).get("sub")
    if records is None or not sub:
        return EnabledUser(username=user["Username"], enabled=True)
    record = InactivityRecord.starting(
        sub=sub,
        username=user["Username"],
        userpool_id=directory.user_pool_id,
        at=now,
        threshold_days=threshold_days,
        source=RecordSource.BACKFILL,
    )
    records.put(record)
    return EnabledUser(username=user["Username"], enabled=True, inactivityExpiresAt=_expires(record))
