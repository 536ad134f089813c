"""Settings, requests and answers of the webhooks API (the contract the front end and tests use).

The answers are the OpenAPI document's response schemas (tools/openapi.py), from which the web app's
types are generated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema

from stratus_shared.config import Settings
from stratus_shared.webhook_records import DeliveryStatus, Trigger
from stratus_shared.webhooks import EVENT_TYPE_PATTERN, check_event_type

MAX_ENDPOINTS_PER_TENANT = 100
MAX_PAGE = 250
DEFAULT_PAGE = 50
# Standard Webhooks: 24 to 64 random bytes; 32 is HMAC-SHA256's block-safe key length.
SECRET_BYTES = 32
DEFAULT_GRACE_SECONDS = 86400
MAX_GRACE_SECONDS = 7 * 86400
MAX_SIGNING_SECRETS = 5


class ApiSettings(Settings):
    outbox_table_name: str = Field(alias="OUTBOX_TABLE_NAME", min_length=3)
    webhook_table_name: str = Field(alias="WEBHOOK_TABLE_NAME", min_length=3)
    idempotency_table_name: str = Field(alias="IDEMPOTENCY_TABLE_NAME", min_length=3)
    delivery_queue_url: str = Field(alias="DELIVERY_QUEUE_URL", min_length=8)
    secrets_key_id: str = Field(alias="SECRETS_KEY_ID", min_length=1)
    max_payload_bytes: int = Field(alias="MAX_PAYLOAD_BYTES", ge=1, le=358400)
    publish_quota_per_minute: int = Field(alias="PUBLISH_QUOTA_PER_MINUTE", ge=1)
    allow_loopback_targets: bool = Field(default=False, alias="ALLOW_LOOPBACK_TARGETS")
    retention_days: int = Field(default=30, alias="MESSAGE_RETENTION_DAYS", ge=1, le=365)


class InvalidRequestError(Exception):
    """Well-formed but unacceptable input (HTTP 400); the message names the field."""


class PayloadTooLargeError(Exception):
    """HTTP 413."""


class QuotaExceededError(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("publish quota exceeded")
        self.retry_after_seconds = retry_after_seconds


class DuplicateEventError(Exception):
    def __init__(self, message_id: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id


def _event_types(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    for name in value:
        if not EVENT_TYPE_PATTERN.match(name):
            raise ValueError(f"{name!r} is not a dot-separated event type")
        check_event_type(name)
    return sorted(set(value))


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CreateEndpoint(_Request):
    url: str = Field(min_length=1, max_length=2048)
    event_types: list[str] | None = Field(default=None, alias="eventTypes", max_length=50)
    description: str = Field(default="", max_length=500)
    rate_limit_per_second: int | None = Field(default=None, alias="rateLimitPerSecond", ge=1, le=10000)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        return _event_types(value)


class UpdateEndpoint(_Request):
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    event_types: list[str] | None = Field(default=None, alias="eventTypes", max_length=50)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None
    rate_limit_per_second: int | None = Field(default=None, alias="rateLimitPerSecond", ge=1, le=10000)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        return _event_types(value)


class RotateSecret(_Request):
    grace_period_seconds: int = Field(
        default=DEFAULT_GRACE_SECONDS, alias="gracePeriodSeconds", ge=0, le=MAX_GRACE_SECONDS
    )


class Recover(_Request):
    since: datetime
    until: datetime | None = None

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-01-02T03:04:05Z")
        return value


class Publish(_Request):
    event_type: str = Field(alias="eventType", min_length=3, max_length=100)
    payload: dict[str, Any]
    event_id: str | None = Field(default=None, alias="eventId", min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=500)

    @field_validator("event_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if not EVENT_TYPE_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a dot-separated event type")
        return check_event_type(value)


class Replay(_Request):
    endpoint_id: str | None = Field(default=None, alias="endpointId", min_length=1, max_length=64)


# ---- answers -----------------------------------------------------------------------------------
# What each route returns. Powertools validates a route's return value against its annotation and
# serializes it by alias, keeping None; the keys the API leaves out when it has nothing to say (an
# endpoint's disabledReason, an attempt's statusCode, a page's nextToken ...) are `_absent()`: never
# null, and left out of the JSON, so the answers keep the keys they always had. Fields without a default
# are always present (nullable where the type says so), so the generated TypeScript makes them required.
def _is_none(value: object) -> bool:
    return value is None


def _absent(description: str | None = None) -> Any:
    """A field that is either a value or not in the JSON at all (never `null`)."""
    return Field(default=None, exclude_if=_is_none, description=description)


class _Answer(BaseModel):
    # defer_build: an answer's validator and serializer are built when a route first uses it, so a cold
    # start pays only for the answers of the routes that container serves.
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True, defer_build=True
    )


class WebhookEndpoint(_Answer):
    id: str
    url: str
    event_types: list[str] | None = Field(description="null: every event type")
    description: str
    enabled: bool
    rate_limit_per_second: int | None = Field(description="null: no limit of the endpoint's own")
    created_at: str
    updated_at: str
    disabled_reason: str | SkipJsonSchema[None] = _absent("why it was disabled (while disabled)")
    disabled_at: str | SkipJsonSchema[None] = _absent()
    failing_since: str | SkipJsonSchema[None] = _absent("start of the failing period that disables it")


class CreatedWebhookEndpoint(WebhookEndpoint):
    secret: str = Field(description="the signing secret (whsec_...): shown only this once")


class WebhookEndpointPage(_Answer):
    items: list[WebhookEndpoint]
    next_token: str | SkipJsonSchema[None] = _absent("there is more: pass it back as nextToken")


class WebhookSecret(_Answer):
    secret: str = Field(description="the new signing secret (whsec_...): shown only this once")


class WebhookAttempt(_Answer):
    message_id: str
    event_type: str | None
    attempt: int
    round: int
    trigger: Trigger
    duration_ms: int
    response: str = Field(description="the start of the endpoint's answer")
    at: str
    status_code: int | SkipJsonSchema[None] = _absent("the endpoint's HTTP status (when it answered)")
    error: str | SkipJsonSchema[None] = _absent()


class WebhookAttemptPage(_Answer):
    items: list[WebhookAttempt]
    next_token: str | SkipJsonSchema[None] = _absent("there is more: pass it back as nextToken")


class WebhookQueued(_Answer):
    queued: int = Field(description="deliveries queued")


class WebhookPublished(_Answer):
    id: str = Field(description="the message id (the webhook-id header of its deliveries)")


class WebhookDelivery(_Answer):
    endpoint_id: str
    status: DeliveryStatus
    attempts: int
    round: int | SkipJsonSchema[None] = _absent()
    last_attempt_at: str | SkipJsonSchema[None] = _absent()
    status_code: int | SkipJsonSchema[None] = _absent()
    error: str | SkipJsonSchema[None] = _absent()
    next_attempt_at: str | SkipJsonSchema[None] = _absent()
    delivered_at: str | SkipJsonSchema[None] = _absent()


MessageStatus = Literal["queued", "no_endpoints", "pending", "delivered", "failed"]


class WebhookMessage(_Answer):
    id: str
    event_type: str
    event_id: str | None
    subject: str | None
    payload: dict[str, Any]
    created_at: str
    status: MessageStatus
    deliveries: list[WebhookDelivery]


class WebhookEventType(_Answer):
    name: str
    description: str
    example: dict[str, Any]


class WebhookEventTypes(_Answer):
    items: list[WebhookEventType]
