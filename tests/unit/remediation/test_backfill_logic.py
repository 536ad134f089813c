from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from stratus_shared.inactivity import InactivityRecord, UnconfiguredPoolError
from tests.unit.remediation.conftest import function_module

logic = function_module("backfill_users", "logic")
models = function_module("backfill_users", "models")
dal = function_module("backfill_users", "dal")
POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE1"
STARTED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class FakeUsers:
    def __init__(self, pages: dict[str | None, tuple[list[Any], str | None]]) -> None:
        self.pages = pages
        self.asked: list[tuple[str, str | None, int]] = []

    def page(self, user_pool_id: str, token: str | None, limit: int) -> Any:
        self.asked.append((user_pool_id, token, limit))
        users, next_token = self.pages[token]
        return dal.UserPage(users, next_token)


class FakeRecords:
    def __init__(self, existing: set[str]) -> None:
        self.existing = existing
        self.written: list[InactivityRecord] = []

    def put_if_absent(self, record: InactivityRecord) -> bool:
        if record.sub in self.existing:
            return False
        self.written.append(record)
        return True


def _user(name: str, enabled: bool = True) -> Any:
    return models.PoolUser(username=name, sub=f"sub-{name}", enabled=enabled)


def _settings(**overrides: str) -> Any:
    env = {"TABLE_NAME": "t", "INACTIVE_THRESHOLD_DAYS": "14", "USER_POOL_ARNS": POOL_ARN, **overrides}
    return models.BackfillSettings.model_validate(env)


def test_a_page_creates_records_for_untracked_enabled_users_only() -> None:
    users = FakeUsers({None: ([_user("a"), _user("b"), _user("c", enabled=False)], "next")})
    records = FakeRecords(existing={"sub-b"})
    request = models.PageRequest(pool_arn=POOL_ARN, started_at=STARTED)

    result = logic.backfill_page(request, users, records, _settings())

    assert [r.sub for r in records.written] == ["sub-a"]
    (written,) = records.written
    assert (written.source.value, written.userpool_id) == ("backfill", "us-east-1_EXAMPLE1")
    assert written.ttl == int(STARTED.timestamp()) + 14 * 86400
    assert (result.created, result.existing, result.skipped_disabled, result.pages) == (1, 1, 1, 1)
    assert result.pagination_token == "next"


def test_totals_carry_over_from_page_to_page_and_the_last_page_has_no_token() -> None:
    users = FakeUsers({"t2": ([_user("d")], None)})
    request = models.PageRequest(
        pool_arn=POOL_ARN, started_at=STARTED, pagination_token="t2", created=60, pages=1
    )

    result = logic.backfill_page(request, users, FakeRecords(set()), _settings())

    assert (result.created, result.pages) == (61, 2)
    assert "pagination_token" not in result.model_dump(mode="json")
    assert users.asked == [("us-east-1_EXAMPLE1", "t2", 60)]


def test_a_pool_not_configured_is_refused() -> None:
    other = POOL_ARN.replace("EXAMPLE1", "Other")
    request = models.PageRequest(pool_arn=other, started_at=STARTED)

    with pytest.raises(UnconfiguredPoolError):
        logic.backfill_page(request, FakeUsers({}), FakeRecords(set()), _settings())


def test_a_request_needs_a_zoned_start_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        models.PageRequest(pool_arn=POOL_ARN, started_at=datetime(2026, 3, 1))
