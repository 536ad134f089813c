from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stratus_shared.inactivity import InactivityRecord, RecordSource
from tests.unit.remediation.conftest import emitted_metrics, function_module

logic = function_module("inactivity_guard", "logic")
models = function_module("inactivity_guard", "models")
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
ATTEMPT = models.SignInAttempt(user_pool_id="us-east-1_Pool", username="ada", sub="sub-ada")


class FakeLookups:
    def __init__(
        self, record: InactivityRecord | None, groups: set[str] = frozenset(), down: bool = False
    ) -> None:  # type: ignore[assignment]
        self._record = record
        self._groups = set(groups)
        self.down = down

    def record(self, sub: str) -> InactivityRecord | None:
        if self.down:
            raise logic.LookupUnavailableError("table unavailable")
        return self._record

    def groups_of(self, user_pool_id: str, username: str) -> set[str]:
        return self._groups


def _record(last_sign_in: datetime, threshold_days: int = 30) -> InactivityRecord:
    return InactivityRecord.starting(
        sub="sub-ada",
        username="ada",
        userpool_id="us-east-1_Pool",
        at=last_sign_in,
        threshold_days=threshold_days,
        source=RecordSource.SIGN_IN,
    )


def test_an_expired_user_is_refused_with_a_clear_message() -> None:
    lookups = FakeLookups(_record(NOW - timedelta(days=31)))

    with pytest.raises(logic.InactiveAccountError, match="locked after a period without sign-in"):
        logic.check_sign_in(ATTEMPT, lookups, exempt_group="stratus-exempt", now=NOW)
    assert emitted_metrics() == {"SignInsRefused": [1.0]}


def test_an_active_user_is_let_in() -> None:
    lookups = FakeLookups(_record(NOW - timedelta(days=29)))

    assert logic.check_sign_in(ATTEMPT, lookups, exempt_group="", now=NOW) is logic.Verdict.ACTIVE


def test_a_user_without_a_record_is_let_in() -> None:
    assert (
        logic.check_sign_in(ATTEMPT, FakeLookups(None), exempt_group="", now=NOW) is logic.Verdict.UNTRACKED
    )


def test_an_expired_exempt_user_is_let_in() -> None:
    lookups = FakeLookups(_record(NOW - timedelta(days=400)), groups={"stratus-exempt"})

    assert (
        logic.check_sign_in(ATTEMPT, lookups, exempt_group="stratus-exempt", now=NOW) is logic.Verdict.EXEMPT
    )


def test_a_failed_lookup_lets_the_user_in_and_is_counted() -> None:
    verdict = logic.check_sign_in(ATTEMPT, FakeLookups(None, down=True), exempt_group="", now=NOW)

    assert verdict is logic.Verdict.UNCHECKED
    assert emitted_metrics() == {"InactivityCheckFailed": [1.0]}


def test_both_lookups_fit_in_cognitos_deadline_by_default() -> None:
    settings = models.GuardSettings.model_validate({"TABLE_NAME": "t"})

    assert settings.lookup_budget_seconds <= 3.5  # Cognito's 5 s, less a cold start


def test_lookup_settings_that_could_outlast_cognitos_deadline_are_refused() -> None:
    with pytest.raises(ValueError, match=r"a Cognito trigger has 3\.5 s"):
        models.GuardSettings.model_validate({"TABLE_NAME": "t", "GUARD_MAX_ATTEMPTS": "2"})
