"""The webhooks API's answers, key for key, as Powertools serializes a route's returned model (by alias,
None kept): nullable keys are null, and the keys the API leaves out when it has nothing to say are absent,
never null. Items are shaped as DynamoDB hands them back (numbers as Decimal)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from tests.unit.webhooks.conftest import function_module

logic = function_module("webhooks_api", "logic")
models = function_module("webhooks_api", "models")
T0 = "2026-11-22T12:00:00.000Z"
T1 = "2026-11-22T12:05:00.000Z"


def _json(answer: BaseModel) -> Any:
    """What the route answers: Powertools dumps the returned model by alias, in JSON mode."""
    return json.loads(json.dumps(answer.model_dump(mode="json", by_alias=True, exclude_none=False)))


def _endpoint_item(**extra: Any) -> dict[str, Any]:
    return {
        "tenantId": "t-1",
        "endpointId": "ep_1",
        "url": "https://example.com/hooks",
        "description": "",
        "enabled": True,
        "secrets": [{"ciphertext": b"never shown", "createdAt": T0}],
        "createdAt": T0,
        "updatedAt": T0,
        **extra,
    }


def test_an_enabled_endpoint_shows_its_nullable_settings_as_null_and_no_disabled_keys() -> None:
    assert _json(logic.endpoint_view(_endpoint_item())) == {
        "id": "ep_1",
        "url": "https://example.com/hooks",
        "eventTypes": None,
        "description": "",
        "enabled": True,
        "rateLimitPerSecond": None,
        "createdAt": T0,
        "updatedAt": T0,
    }


def test_a_disabled_endpoint_says_why_and_its_stored_numbers_are_numbers() -> None:
    item = _endpoint_item(
        enabled=False,
        eventTypes=["webhook.test"],
        rateLimitPerSecond=Decimal(5),
        disabledReason="410 Gone",
        disabledAt=T1,
        failingSince=T0,
    )

    assert _json(logic.endpoint_view(item)) == {
        "id": "ep_1",
        "url": "https://example.com/hooks",
        "eventTypes": ["webhook.test"],
        "description": "",
        "enabled": False,
        "rateLimitPerSecond": 5,
        "createdAt": T0,
        "updatedAt": T0,
        "disabledReason": "410 Gone",
        "disabledAt": T1,
        "failingSince": T0,
    }


def test_a_new_endpoint_shows_its_secret_once_and_never_the_stored_ones() -> None:
    created = models.CreatedWebhookEndpoint(
        **logic.endpoint_view(_endpoint_item()).model_dump(), secret="whsec_abc"
    )

    shown = _json(created)

    assert shown["secret"] == "whsec_abc"
    assert "secrets" not in shown
    assert set(shown) == {*_json(logic.endpoint_view(_endpoint_item())), "secret"}


def test_a_last_page_has_no_next_token_and_a_full_one_has_one() -> None:
    endpoint = logic.endpoint_view(_endpoint_item())

    last = models.WebhookEndpointPage(items=[endpoint], next_token=logic.encode_token(None))
    full = models.WebhookEndpointPage(items=[endpoint], next_token="abc")

    assert set(_json(last)) == {"items"}
    assert _json(full)["nextToken"] == "abc"


def test_an_answered_attempt_has_a_status_code_and_no_error() -> None:
    item = {
        "messageId": "msg_1",
        "eventType": "webhook.test",
        "attempt": Decimal(1),
        "round": Decimal(0),
        "trigger": "initial",
        "durationMs": Decimal(12),
        "response": "ok",
        "at": T0,
        "statusCode": Decimal(200),
        "error": "",
    }

    assert _json(logic.attempt_view(item)) == {
        "messageId": "msg_1",
        "eventType": "webhook.test",
        "attempt": 1,
        "round": 0,
        "trigger": "initial",
        "durationMs": 12,
        "response": "ok",
        "at": T0,
        "statusCode": 200,
    }


def test_an_attempt_that_reached_no_server_has_an_error_and_no_status_code() -> None:
    item = {"messageId": "msg_1", "attempt": Decimal(2), "at": T0, "error": "connection refused"}

    assert _json(logic.attempt_view(item)) == {
        "messageId": "msg_1",
        "eventType": None,
        "attempt": 2,
        "round": 0,
        "trigger": "initial",
        "durationMs": 0,
        "response": "",
        "at": T0,
        "error": "connection refused",
    }


def test_a_delivery_not_attempted_yet_is_pending_with_no_other_keys() -> None:
    assert _json(logic.delivery_view("ep_1", None)) == {
        "endpointId": "ep_1",
        "status": "pending",
        "attempts": 0,
    }


def test_a_retrying_delivery_shows_what_its_state_holds_and_nothing_more() -> None:
    state = {
        "status": "retrying",
        "attempts": Decimal(2),
        "round": Decimal(1),
        "lastAttemptAt": T0,
        "statusCode": Decimal(503),
        "error": "",
        "nextAttemptAt": T1,
    }

    assert _json(logic.delivery_view("ep_1", state)) == {
        "endpointId": "ep_1",
        "status": "retrying",
        "attempts": 2,
        "round": 1,
        "lastAttemptAt": T0,
        "statusCode": 503,
        "error": "",
        "nextAttemptAt": T1,
    }


def test_a_message_shows_its_optional_ids_as_null_and_its_status_from_its_deliveries() -> None:
    deliveries = [
        logic.delivery_view("ep_1", {"status": "delivered", "attempts": 1, "deliveredAt": T1}),
        logic.delivery_view("ep_2", {"status": "exhausted", "attempts": 8}),
    ]
    message = models.WebhookMessage(
        id="msg_1",
        event_type="webhook.test",
        event_id=None,
        subject=None,
        payload={"n": 1},
        created_at=T0,
        status=logic.message_status(True, deliveries),
        deliveries=deliveries,
    )

    shown = _json(message)

    assert {k: v for k, v in shown.items() if k != "deliveries"} == {
        "id": "msg_1",
        "eventType": "webhook.test",
        "eventId": None,
        "subject": None,
        "payload": {"n": 1},
        "createdAt": T0,
        "status": "failed",
    }
    assert [set(d) for d in shown["deliveries"]] == [
        {"endpointId", "status", "attempts", "round", "deliveredAt"},
        {"endpointId", "status", "attempts", "round"},
    ]


def test_the_small_answers_have_exactly_their_one_key() -> None:
    assert _json(models.WebhookSecret(secret="whsec_x")) == {"secret": "whsec_x"}
    assert _json(models.WebhookQueued(queued=3)) == {"queued": 3}
    assert _json(models.WebhookPublished(id="msg_1")) == {"id": "msg_1"}
    assert set(_json(logic.event_types())) == {"items"}
    assert set(_json(logic.event_types())["items"][0]) == {"name", "description", "example"}
