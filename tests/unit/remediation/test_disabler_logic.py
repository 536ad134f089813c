from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from stratus_shared.inactivity import InactivityRecord, UnconfiguredPoolError
from tests.support.harness import load_event
from tests.unit.remediation.conftest import emitted_metrics, function_module

logic = function_module("user_disabler", "logic")
models = function_module("user_disabler", "models")
POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE1"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class FakeDirectory:
    def __init__(self) -> None:
        self.groups: dict[str, set[str]] = {}
        self.gone: set[str] = set()
        self.throttled: set[str] = set()
        self.disabled: list[str] = []

    def groups_of(self, user_pool_id: str, username: str) -> set[str] | None:
        return None if username in self.gone else self.groups.get(username, set())

    def disable(self, user_pool_id: str, username: str) -> bool:
        if username in self.throttled:
            raise RuntimeError("CognitoThrottledError stand-in")
        if username in self.gone:
            return False
        self.disabled.append(username)
        return True


class FakeAudit:
    def __init__(self) -> None:
        self.events: list[tuple[InactivityRecord, datetime, int]] = []

    def user_disabled(self, record: InactivityRecord, *, disabled_at: datetime, threshold_days: int) -> None:
        self.events.append((record, disabled_at, threshold_days))


def _settings(**overrides: str) -> Any:
    env = {
        "USER_POOL_ARNS": POOL_ARN,
        "EXEMPT_GROUP_NAME": "stratus-exempt",
        "EVENT_BUS_NAME": "bus",
        "INACTIVE_THRESHOLD_DAYS": "90",
        **overrides,
    }
    return models.DisablerSettings.model_validate(env)


def _record(username: str = "ada", pool: str = "us-east-1_EXAMPLE1", **changes: Any) -> DynamoDBRecord:
    raw = copy.deepcopy(load_event("user_disabler", "ttl_expired")["Records"][0])
    image = raw["dynamodb"]["OldImage"]
    image.update({"username": {"S": username}, "sub": {"S": f"sub-{username}"}, "userpool_id": {"S": pool}})
    raw.update(changes)
    return DynamoDBRecord(raw)


def _disabler(
    directory: FakeDirectory, audit: FakeAudit, remaining_ms: Any = lambda: 60_000, **settings: str
) -> Any:
    return logic.BatchDisabler(
        _settings(**settings), directory, audit, now=lambda: NOW, remaining_ms=remaining_ms
    )


def test_an_expired_user_is_disabled_and_announced() -> None:
    directory, audit = FakeDirectory(), FakeAudit()

    outcome = _disabler(directory, audit).process(_record("ada"))

    assert outcome is models.Outcome.DISABLED
    assert directory.disabled == ["ada"]
    ((record, disabled_at, threshold),) = audit.events
    assert (record.username, record.timestamp, disabled_at, threshold) == (
        "ada",
        "2025-10-03T09:14:27+00:00",
        NOW,
        90,
    )
    assert emitted_metrics() == {"UsersDisabled": [1.0]}


def test_an_exempt_user_is_left_enabled() -> None:
    directory, audit = FakeDirectory(), FakeAudit()
    directory.groups["root"] = {"admins", "stratus-exempt"}

    outcome = _disabler(directory, audit).process(_record("root"))

    assert outcome is models.Outcome.EXEMPT
    assert directory.disabled == []
    assert audit.events == []


def test_without_an_exempt_group_nobody_is_exempt() -> None:
    directory, audit = FakeDirectory(), FakeAudit()
    directory.groups["root"] = {"stratus-exempt"}

    _disabler(directory, audit, EXEMPT_GROUP_NAME="").process(_record("root"))

    assert directory.disabled == ["root"]


def test_a_user_already_gone_is_done_without_an_event() -> None:
    directory, audit = FakeDirectory(), FakeAudit()
    directory.gone.add("ada")

    assert _disabler(directory, audit).process(_record("ada")) is models.Outcome.ALREADY_GONE
    assert audit.events == []


def test_a_record_from_another_pool_is_refused_and_counted() -> None:
    directory, audit = FakeDirectory(), FakeAudit()

    with pytest.raises(UnconfiguredPoolError):
        _disabler(directory, audit).process(_record("ada", pool="us-east-1_Elsewhere"))

    assert directory.disabled == []
    assert emitted_metrics() == {"RecordsRefused": [1.0]}


def test_after_a_failure_the_rest_of_the_batch_is_left_for_the_retry() -> None:
    directory, audit = FakeDirectory(), FakeAudit()
    directory.throttled.add("bob")
    disabler = _disabler(directory, audit)

    assert disabler.process(_record("ada")) is models.Outcome.DISABLED
    with pytest.raises(RuntimeError):
        disabler.process(_record("bob"))
    with pytest.raises(logic.SkippedAfterEarlierFailureError):
        disabler.process(_record("cy"))

    assert directory.disabled == ["ada"]  # cy is disabled once, when Lambda re-delivers from bob


def test_no_record_is_started_without_time_to_finish_it() -> None:
    # A timeout would make Lambda retry the whole batch: ada disabled and announced a second time.
    directory, audit = FakeDirectory(), FakeAudit()
    left = iter([60_000, 14_999, 60_000])
    disabler = _disabler(directory, audit, remaining_ms=lambda: next(left))

    assert disabler.process(_record("ada")) is models.Outcome.DISABLED
    with pytest.raises(logic.OutOfTimeError):
        disabler.process(_record("bob"))
    with pytest.raises(logic.SkippedAfterEarlierFailureError):
        disabler.process(_record("cy"))  # time is back, but order matters: Lambda resumes from bob

    assert directory.disabled == ["ada"]
    assert len(audit.events) == 1
    assert emitted_metrics() == {"UsersDisabled": [1.0], "RecordsDeferred": [1.0]}


@pytest.mark.parametrize(
    "changes",
    [
        {"eventName": "INSERT"},
        {"userIdentity": None},
        {"userIdentity": {"type": "Service", "principalId": "someone.example.com"}},
    ],
    ids=["insert", "manual delete", "other principal"],
)
def test_only_a_ttl_removal_disables_anyone(changes: dict[str, Any]) -> None:
    directory = FakeDirectory()
    record = _record("ada", **changes)

    with pytest.raises(logic.NotATtlRemovalError):
        _disabler(directory, FakeAudit()).process(record)
    assert directory.disabled == []


def test_a_removal_without_a_valid_record_is_refused() -> None:
    raw = load_event("user_disabler", "ttl_expired")["Records"][0]
    del raw["dynamodb"]["OldImage"]["ttl"]

    with pytest.raises(logic.InvalidRecordError, match="ttl"):
        _disabler(FakeDirectory(), FakeAudit()).process(DynamoDBRecord(raw))


def test_the_disable_rate_cannot_be_set_above_cognitos_quota() -> None:
    with pytest.raises(ValueError, match="25"):
        _settings(DISABLE_RATE_PER_SECOND="26")


def test_settings_refuse_a_pool_list_with_a_bad_arn() -> None:
    with pytest.raises(ValueError, match="not a Cognito user pool ARN"):
        _settings(USER_POOL_ARNS=f"{POOL_ARN},us-east-1_NotAnArn").user_pool_ids  # noqa: B018
