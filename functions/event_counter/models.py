"""Typed values the counter passes between its layers."""

from dataclasses import dataclass

from pydantic import Field

from stratus_shared.config import Settings
from stratus_shared.counters import Resolution


class CounterSettings(Settings):
    minute_table_name: str = Field(alias="MINUTE_TABLE_NAME", min_length=3)
    hour_table_name: str = Field(alias="HOUR_TABLE_NAME", min_length=3)
    batches_table_name: str = Field(alias="BATCHES_TABLE_NAME", min_length=3)
    event_name_attribute: str = Field(default="event", alias="EVENT_NAME_ATTRIBUTE", min_length=1)
    timestamp_attribute: str = Field(default="timestamp", alias="TIMESTAMP_ATTRIBUTE", min_length=1)
    # Minute rows serve the API's last 24 hours; they expire a week later (hour rows are kept).
    minute_retention_days: int = Field(default=8, alias="MINUTE_RETENTION_DAYS", ge=1)
    # A batch marker only has to outlive Lambda's retries of that batch (records live 24 h in the stream).
    marker_retention_days: int = Field(default=2, alias="MARKER_RETENTION_DAYS", ge=1)


@dataclass(frozen=True, order=True)
class CounterKey:
    resolution: Resolution
    event_name: str
    date_hour: str


@dataclass(frozen=True)
class CounterChunk:
    """Counter increments committed together with the marker that makes a retry a no-op."""

    marker_id: str
    increments: tuple[tuple[CounterKey, int], ...]
