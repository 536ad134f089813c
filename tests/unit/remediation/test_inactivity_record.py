from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from stratus_shared.inactivity import (
    InactivityRecord,
    InvalidPoolArnError,
    RecordSource,
    expiry,
    pool_id_from_arn,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_expiry_is_threshold_days_after_the_activity() -> None:
    assert expiry(NOW, 90) == int((NOW + timedelta(days=90)).timestamp())


def test_a_zero_day_threshold_expires_at_once() -> None:
    record = InactivityRecord.starting(
        sub="s", username="u", userpool_id="p", at=NOW, threshold_days=0, source=RecordSource.SIGN_IN
    )
    assert record.ttl == int(NOW.timestamp())
    assert record.expired(NOW)
    assert not record.expired(NOW - timedelta(seconds=1))


def test_a_record_round_trips_through_its_dynamodb_item() -> None:
    record = InactivityRecord.starting(
        sub="s", username="u", userpool_id="p", at=NOW, threshold_days=7, source=RecordSource.BACKFILL
    )
    item = record.to_item()
    assert item["timestamp"] == {"S": "2026-03-01T12:00:00+00:00"}
    assert item["ttl"] == {"N": str(int(NOW.timestamp()) + 7 * 86400)}
    assert InactivityRecord.from_item(item) == record


def test_a_record_needs_an_iso_timestamp() -> None:
    with pytest.raises(ValidationError, match="timestamp"):
        InactivityRecord(sub="s", timestamp="yesterday", username="u", userpool_id="p", ttl=1)


def test_the_pool_id_comes_from_its_arn() -> None:
    arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123"
    assert pool_id_from_arn(arn) == "eu-west-1_AbC123"


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "us-east-1_AbC",
        "arn:aws:dynamodb:us-east-1:123456789012:table/x",
        "arn:aws:cognito-idp:::userpool/",
    ],
)
def test_anything_but_a_pool_arn_is_refused(arn: str) -> None:
    with pytest.raises(InvalidPoolArnError):
        pool_id_from_arn(arn)
