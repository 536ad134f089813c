"""Typed values of the counters API."""

from dataclasses import dataclass

from pydantic import BaseModel, Field

from stratus_shared.config import Settings
from stratus_shared.counters import Resolution

MAX_EVENTS = 5
MAX_HOURS = {Resolution.MINUTE: 24, Resolution.HOUR: 168}


class CountersApiSettings(Settings):
    minute_table_name: str = Field(alias="MINUTE_TABLE_NAME", min_length=3)
    hour_table_name: str = Field(alias="HOUR_TABLE_NAME", min_length=3)


class InvalidQueryError(Exception):
    """The request is well-formed but asks for something the API does not serve (HTTP 400)."""


@dataclass(frozen=True)
class CounterQuery:
    events: tuple[str, ...]
    hours: int
    resolution: Resolution


class Point(BaseModel):
    dateHour: str
    count: int


class Series(BaseModel):
    event: str
    total: int
    points: list[Point]


class CountersResponse(BaseModel):
    resolution: Resolution
    hours: int
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    series: list[Series]
