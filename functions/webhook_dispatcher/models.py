"""Settings of the dispatcher and what it decided for one outbox record."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field

from stratus_shared.config import Settings
from stratus_shared.webhook_records import DeliveryTask
from stratus_shared.webhooks import OutboxEvent


class DispatcherSettings(Settings):
    webhook_table_name: str = Field(alias="WEBHOOK_TABLE_NAME", min_length=3)
    outbox_table_name: str = Field(alias="OUTBOX_TABLE_NAME", min_length=3)
    delivery_queue_url: str = Field(alias="DELIVERY_QUEUE_URL", min_length=8)
    concurrency: int = Field(default=8, alias="DISPATCH_CONCURRENCY", ge=1, le=32)


@dataclass(frozen=True)
class Subscriber:
    """What the dispatcher needs of an endpoint: whether it takes this event type."""

    endpoint_id: str
    event_types: frozenset[str] | None  # None: every type
    enabled: bool

    def takes(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


@dataclass
class Fanout:
    """One outbox record: its message and the tasks it became (or why it was not dispatched)."""

    sequence: str
    event: OutboxEvent | None
    tasks: list[DeliveryTask] = field(default_factory=list)
    rejected: str | None = None  # malformed item: logged and skipped, never retried
    error: str | None = None  # a write or send failed: the record is retried
