"""Signing, the retry schedule and Retry-After, and the CloudEvent body, as a consumer sees them."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
import svix.webhooks
from cloudevents.v1.http import from_http

from stratus_shared.webhook_records import MAX_ATTEMPTS, RETRY_SCHEDULE_SECONDS, DeliveryTask
from stratus_shared.webhooks import message_id, outbox_event
from tests.support.webhook_receiver import verifying_at
from tests.unit.webhooks.conftest import function_module

logic = function_module("webhook_sender", "logic")
models = function_module("webhook_sender", "models")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def _signed(keys: list[bytes]) -> tuple[bytes, dict[str, str]]:
    event = outbox_event("tenant-1", "webhook.test", {"n": 1, "text": "é"}, now=NOW, subject="s/1")
    body = event.cloudevent()
    stamp = int(NOW.timestamp())
    headers = {
        "webhook-id": event.id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": logic.sign(keys, event.id, stamp, body),
        "content-type": "application/cloudevents+json",
    }
    return body, headers


def test_a_signature_verifies_with_the_standard_webhooks_and_svix_libraries() -> None:
    body, headers = _signed([KEY])

    with verifying_at(NOW.timestamp()):
        standard = standardwebhooks.Webhook(SECRET).verify(body, headers)
        svix.webhooks.Webhook(SECRET).verify(body, headers)

    assert standard["data"] == {"n": 1, "text": "é"}


def test_the_body_is_a_structured_cloudevent() -> None:
    body, headers = _signed([KEY])

    event = from_http(headers, body)

    assert (event["specversion"], event["type"], event["subject"]) == ("1.0", "webhook.test", "s/1")
    assert event["id"] == headers["webhook-id"]
    assert event.data == {"n": 1, "text": "é"}


def test_during_a_rotation_both_secrets_verify_and_a_third_does_not() -> None:
    new = bytes(reversed(range(32)))
    body, headers = _signed([new, KEY])

    with verifying_at(NOW.timestamp()):
        standardwebhooks.Webhook(SECRET).verify(body, headers)
        standardwebhooks.Webhook("whsec_" + base64.b64encode(new).decode()).verify(body, headers)
        with pytest.raises(standardwebhooks.WebhookVerificationError):
            standardwebhooks.Webhook("whsec_" + base64.b64encode(b"x" * 32).decode()).verify(body, headers)
    assert len(headers["webhook-signature"].split(" ")) == 2


def test_a_changed_byte_fails_verification() -> None:
    body, headers = _signed([KEY])

    with verifying_at(NOW.timestamp()), pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(SECRET).verify(body.replace(b'"n":1', b'"n":2'), headers)


def test_the_schedule_is_the_standard_webhooks_one_with_twenty_percent_jitter() -> None:
    rng = random.Random(7)
    delays = [[logic.scheduled_delay(n, rng) for n in range(1, MAX_ATTEMPTS)] for _ in range(200)]

    assert RETRY_SCHEDULE_SECONDS == (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
    assert MAX_ATTEMPTS == 10
    for column, base in enumerate(RETRY_SCHEDULE_SECONDS):
        observed = [row[column] for row in delays]
        assert base * 0.8 <= min(observed) < base * 0.9
        assert base * 1.1 < max(observed) <= base * 1.2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("1", 5.0),  # clamped up to 5 s
        ("999999", 86400.0),  # clamped down to 24 h
        ((NOW + timedelta(minutes=10)).strftime("%a, %d %b %Y %H:%M:%S GMT"), 600.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 5.0),  # a date in the past
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_as_seconds_or_a_date_clamped(header: str | None, expected: float | None) -> None:
    assert logic.retry_after_seconds(header, NOW) == expected


@pytest.mark.parametrize(
    ("status", "honoured"), [(429, True), (502, True), (503, True), (504, True), (500, False)]
)
def test_retry_after_counts_only_for_overload_answers(status: int, honoured: bool) -> None:
    result = models.HttpResult(status, 3, retry_after="3600")

    delay = logic.next_delay(result, 1, NOW, random.Random(1))

    assert (delay == 3600) is honoured
    if not honoured:
        assert 4 <= delay <= 6


def test_only_two_xx_is_a_success() -> None:
    assert [models.HttpResult(s, 1).success for s in (200, 204, 299, 301, 302, 410, 500)] == [
        True, True, True, False, False, False, False,
    ]  # fmt: skip


def test_a_task_the_delivery_state_has_passed_is_a_duplicate() -> None:
    task = DeliveryTask(tenant_id="t", message_id="m", endpoint_id="e", round=0, attempt=2)

    assert logic.is_duplicate(task, None) is False
    assert logic.is_duplicate(task, {"status": "pending", "round": 0, "attempt": 0}) is False
    assert logic.is_duplicate(task, {"status": "retrying", "round": 0, "attempt": 1}) is False
    assert logic.is_duplicate(task, {"status": "retrying", "round": 0, "attempt": 2}) is True
    assert (
        logic.is_duplicate(task, {"status": "delivered", "round": 1, "attempt": 1}) is True
    )  # replayed since


def test_message_ids_carry_no_dots_and_an_event_id_always_gives_the_same_one() -> None:
    assert message_id("t", "order-7.paid") == message_id("t", "order-7.paid")
    assert message_id("t", "order-7.paid") != message_id("u", "order-7.paid")
    assert message_id("t") != message_id("t")
    assert "." not in message_id("t", "a.b.c")
