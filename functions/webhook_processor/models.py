"""The processor's settings and what it works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from stratus_shared.config import Settings


class ProcessorSettings(Settings):
    table_name: str = Field(alias="INBOUND_TABLE_NAME")
    event_bus_name: str = Field(alias="INBOUND_EVENT_BUS_NAME")
    dead_letter_queue_url: str = Field(alias="DEAD_LETTER_QUEUE_URL")
    analytics_stream_name: str = Field(alias="ANALYTICS_STREAM_NAME", default="")
    max_attempts: int = Field(alias="MAX_ATTEMPTS", default=5)


@dataclass
class Webhook:
    """One INSERT record of the inbound table (a received webhook), in stream order."""

    sequence: str
    source: str
    webhook_id: str
    scheme: str
    received_at: str
    bucket: str
    key: str
    size: int
    content_type: str | None = None
    signed_at: int | None = None
    event_type: str | None = None
    event_type_path: str | None = None
    targets: list[str] = field(default_factory=list)
    payload: Any = None
    has_payload: bool = False


class PermanentError(Exception):
    """This webhook can never be processed (its body is gone, the bus refuses its event)."""


@dataclass
class Outcome:
    processed: int = 0
    failed: int = 0
    skipped: int = 0
    retry_from: str | None = None
    failures: list[str] = field(default_factory=list)
