"""Zero-filled counter series for a few event names over the last N hours (key-condition queries only)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from models import MAX_EVENTS, MAX_HOURS, CounterQuery, CountersResponse, InvalidQueryError, Point, Series

from stratus_shared.counters import Resolution, date_hour

# Printable names without '#' (kept free for internal keys); the web events use names like "page view".
_EVENT_NAME = re.compile(r"^[^#\x00-\x1f]{1,64}$")
_STEP = {Resolution.MINUTE: timedelta(minutes=1), Resolution.HOUR: timedelta(hours=1)}


class CounterStore(Protocol):
    def counts(self, resolution: Resolution, event: str, start: str, end: str) -> Mapping[str, int]:
        """DateHour -> count for one event between two DateHour keys (inclusive)."""
        ...


def parse_query(events: str, hours: int, resolution: Resolution) -> CounterQuery:
    """Validate what the parameter types alone cannot; raise InvalidQueryError saying what is wrong."""
    resolution = Resolution(resolution)
    names = tuple(dict.fromkeys(name.strip() for name in events.split(",") if name.strip()))
    if not names:
        raise InvalidQueryError("events: give at least one event name, e.g. events=page view,click")
    if len(names) > MAX_EVENTS:
        raise InvalidQueryError(f"events: at most {MAX_EVENTS} event names per request, got {len(names)}")
    for name in names:
        if not _EVENT_NAME.match(name):
            raise InvalidQueryError(f"events: {name[:70]!r} is not an event name (1-64 characters, no '#')")
    limit = MAX_HOURS[resolution]
    if not 1 <= hours <= limit:
        raise InvalidQueryError(
            f"hours: must be between 1 and {limit} at {resolution} resolution, got {hours}"
        )
    return CounterQuery(events=names, hours=hours, resolution=resolution)


def buckets(query: CounterQuery, now: datetime) -> list[str]:
    """Every DateHour key of the window, oldest first, ending with the bucket `now` falls in."""
    step = _STEP[query.resolution]
    points = query.hours * (60 if query.resolution is Resolution.MINUTE else 1)
    last = datetime.fromisoformat(date_hour(now, query.resolution))
    return [(last - step * (points - 1 - i)).strftime("%Y-%m-%dT%H:%M:%S") for i in range(points)]


def series(query: CounterQuery, store: CounterStore, now: datetime) -> CountersResponse:
    keys = buckets(query, now)
    result: list[Series] = []
    for event in query.events:
        counts = store.counts(query.resolution, event, keys[0], keys[-1])
        points = [Point(dateHour=key, count=counts.get(key, 0)) for key in keys]
        result.append(Series(event=event, total=sum(p.count for p in points), points=points))
    return CountersResponse(
        resolution=query.resolution, hours=query.hours, start=keys[0], end=keys[-1], series=result
    )
