"""Settings of the sender and the values one delivery attempt produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field

from stratus_shared.config import Settings
from stratus_shared.webhook_records import DeliveryTask
from stratus_shared.webhooks import OutboxEvent

FIVE_DAYS = 5 * 86400


class SenderSettings(Settings):
    webhook_table_name: str = Field(alias="WEBHOOK_TABLE_NAME", min_length=3)
    outbox_table_name: str = Field(alias="OUTBOX_TABLE_NAME", min_length=3)
    delivery_queue_url: str = Field(alias="DELIVERY_QUEUE_URL", min_length=8)
    delivery_queue_arn: str = Field(alias="DELIVERY_QUEUE_ARN", min_length=8)
    schedule_group_name: str = Field(alias="SCHEDULE_GROUP_NAME", min_length=1)
    scheduler_role_arn: str = Field(alias="SCHEDULER_ROLE_ARN", min_length=8)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    allow_loopback_targets: bool = Field(default=False, alias="ALLOW_LOOPBACK_TARGETS")
    disable_after_failing_seconds: int = Field(
        default=FIVE_DAYS, alias="DISABLE_AFTER_FAILING_SECONDS", ge=60
    )
    request_timeout_seconds: float = Field(default=15.0, alias="REQUEST_TIMEOUT_SECONDS", gt=0, le=30)
    max_response_bytes: int = Field(default=64 * 1024, alias="MAX_RESPONSE_BYTES", ge=1024)


@dataclass(frozen=True)
class HttpResult:
    """What one POST gave: a status (any, 3xx included) or an error, and the start of the body."""

    status: int | None
    duration_ms: int
    body: bytes = b""
    retry_after: str | None = None
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Work:
    """One SQS record of the batch and everything decided about it."""

    record_id: str
    task: DeliveryTask | None
    parse_error: str | None = None
    message: OutboxEvent | None = None
    endpoint: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    action: str = "send"  # send | drop | cancel | defer
    reason: str = ""
    started: datetime | None = None
    result: HttpResult | None = None
    retry_in: float | None = None
    failed: str | None = None  # set when the record must be retried by SQS (its writes did not happen)
    extra: dict[str, Any] = field(default_factory=dict)
