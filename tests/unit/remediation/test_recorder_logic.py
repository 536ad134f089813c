from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import CognitoPostConfirmationTriggerModel

from stratus_shared.inactivity import InactivityRecord
from tests.unit.remediation.conftest import emitted_metrics, function_module

logic = function_module("signin_recorder", "logic")
models = function_module("signin_recorder", "models")
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class FakeStore:
    def __init__(self, *, existing: set[str] = frozenset(), down: bool = False) -> None:  # type: ignore[assignment]
        self.items: dict[str, InactivityRecord] = {}
        self.existing = set(existing)
        self.down = down

    def put(self, record: InactivityRecord) -> None:
        if self.down:
            raise logic.StoreUnavailableError("table unavailable")
        self.items[record.sub] = record

    def put_if_absent(self, record: InactivityRecord) -> bool:
        if self.down:
            raise logic.StoreUnavailableError("table unavailable")
        if record.sub in self.existing or record.sub in self.items:
            return False
        self.items[record.sub] = record
        return True


def _event(trigger: str, sub: str = "sub-1") -> dict[str, Any]:
    """A trigger event as Cognito sends it."""
    return {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": "us-east-1_Pool",
        "userName": "ada",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client-1"},
        "triggerSource": trigger,
        "request": {"userAttributes": {"sub": sub, "email": "ada@example.com"}},
        "response": {},
    }


def test_a_sign_in_writes_a_record_that_expires_after_the_threshold() -> None:
    store = FakeStore()
    activity = models.CognitoActivity.from_event(_event("PostAuthentication_Authentication"))

    outcome = logic.record_activity(activity, store, threshold_days=30, now=NOW)

    assert outcome is logic.Outcome.RECORDED
    record = store.items["sub-1"]
    assert (record.username, record.userpool_id, record.source.value) == ("ada", "us-east-1_Pool", "sign-in")
    assert record.ttl == int(NOW.timestamp()) + 30 * 86400


def test_a_sign_in_restarts_the_clock_of_a_tracked_user() -> None:
    store = FakeStore()
    activity = models.CognitoActivity.from_event(_event("PostAuthentication_Authentication"))
    logic.record_activity(activity, store, threshold_days=30, now=NOW)

    later = NOW.replace(month=4)
    logic.record_activity(activity, store, threshold_days=30, now=later)

    assert store.items["sub-1"].ttl == int(later.timestamp()) + 30 * 86400


def test_a_confirmation_does_not_extend_a_tracked_users_clock() -> None:
    store = FakeStore(existing={"sub-1"})
    activity = models.CognitoActivity.from_event(_event("PostConfirmation_ConfirmForgotPassword"))

    outcome = logic.record_activity(activity, store, threshold_days=30, now=NOW)

    assert outcome is logic.Outcome.ALREADY_TRACKED
    assert store.items == {}


def test_a_sign_up_starts_tracking_a_new_user() -> None:
    store = FakeStore()
    activity = models.CognitoActivity.from_event(_event("PostConfirmation_ConfirmSignUp"))

    assert logic.record_activity(activity, store, threshold_days=30, now=NOW) is logic.Outcome.RECORDED
    assert store.items["sub-1"].source.value == "sign-up"


def test_a_password_reset_confirmation_is_parsed_although_powertools_model_refuses_it() -> None:
    # Powertools' own PostConfirmation model lists ConfirmSignUp only; the recorder's widens it.
    event = _event("PostConfirmation_ConfirmForgotPassword", sub="sub-reset")
    with pytest.raises(ValueError, match="ConfirmSignUp"):
        parse(event=event, model=CognitoPostConfirmationTriggerModel)

    activity = models.CognitoActivity.from_event(event)
    store = FakeStore()

    assert activity.kind is models.TriggerKind.POST_CONFIRMATION
    assert logic.record_activity(activity, store, threshold_days=30, now=NOW) is logic.Outcome.RECORDED
    assert store.items["sub-reset"].source.value == "sign-up"


def test_an_unavailable_table_lets_the_sign_in_through_and_counts_it() -> None:
    activity = models.CognitoActivity.from_event(_event("PostAuthentication_Authentication"))

    outcome = logic.record_activity(activity, FakeStore(down=True), threshold_days=30, now=NOW)

    assert outcome is logic.Outcome.NOT_RECORDED
    assert emitted_metrics() == {logic.WRITE_FAILED_METRIC: [1.0]}


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({**_event("PostAuthentication_Authentication"), "request": {"userAttributes": {}}}, "sub"),
        (_event("PreSignUp_SignUp"), "PreSignUp"),
        ({**_event("PostAuthentication_Authentication"), "userPoolId": ""}, "user_pool_id"),
    ],
    ids=["no sub", "other trigger", "no pool"],
)
def test_an_event_without_what_a_record_needs_is_refused(event: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):  # pydantic.ValidationError is a ValueError
        models.CognitoActivity.from_event(event)


def test_the_write_and_its_retry_fit_in_cognitos_deadline_by_default() -> None:
    settings = models.RecorderSettings.model_validate({"TABLE_NAME": "t", "INACTIVE_THRESHOLD_DAYS": "90"})

    assert settings.write_attempts >= 2  # one retry at least
    assert settings.write_budget_seconds <= 3.5  # Cognito's 5 s, less a cold start


def test_retry_settings_that_could_outlast_cognitos_deadline_are_refused() -> None:
    env = {"TABLE_NAME": "t", "INACTIVE_THRESHOLD_DAYS": "90", "RECORD_WRITE_ATTEMPTS": "3"}

    with pytest.raises(ValueError, match=r"a Cognito trigger has 3\.5 s"):
        models.RecorderSettings.model_validate(env)
