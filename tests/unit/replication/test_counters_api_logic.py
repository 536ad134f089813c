"""Counters API logic without AWS: input rules and zero-filled buckets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

FUNCTION = "counters_api"


@pytest.fixture
def logic(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "logic")


@pytest.fixture
def models(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "models")


def test_names_are_split_trimmed_and_deduplicated(logic: ModuleType) -> None:
    query = logic.parse_query(" page view, click ,page view", 3, "hour")
    assert query.events == ("page view", "click")


@pytest.mark.parametrize(
    ("events", "hours", "resolution", "message"),
    [
        ("a,b,c,d,e,f", 1, "hour", "at most 5"),
        ("", 1, "hour", "at least one"),
        ("click", 25, "minute", "between 1 and 24"),
        ("click", 169, "hour", "between 1 and 168"),
        ("click", 0, "hour", "between 1 and 168"),
        ("x#y", 1, "hour", "not an event name"),
    ],
)
def test_bad_queries_say_what_is_wrong(
    logic: ModuleType, models: ModuleType, *, events: str, hours: int, resolution: str, message: str
) -> None:
    with pytest.raises(models.InvalidQueryError, match=message):
        logic.parse_query(events, hours, resolution)


class FakeStore:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts_by_key = counts
        self.asked: list[tuple[Any, ...]] = []

    def counts(self, resolution: Any, event: str, start: str, end: str) -> dict[str, int]:
        self.asked.append((resolution, event, start, end))
        return {k: v for k, v in self.counts_by_key.items() if start <= k <= end}


def test_series_are_zero_filled_and_end_at_the_current_bucket(logic: ModuleType) -> None:
    now = datetime(2026, 11, 22, 22, 7, 41, tzinfo=UTC)
    store = FakeStore({"2026-11-22T21:09:00": 4, "2026-11-22T22:07:00": 2, "2026-11-22T20:00:00": 99})
    query = logic.parse_query("click", 1, "minute")

    response = logic.series(query, store, now)

    points = response.series[0].points
    assert len(points) == 60
    assert points[0].dateHour == "2026-11-22T21:08:00"
    assert points[-1].dateHour == "2026-11-22T22:07:00"
    assert [p.count for p in points if p.count] == [4, 2]
    assert response.series[0].total == 6
    assert store.asked == [("minute", "click", "2026-11-22T21:08:00", "2026-11-22T22:07:00")]


def test_hourly_window(logic: ModuleType) -> None:
    now = datetime(2026, 11, 22, 0, 30, tzinfo=UTC)
    response = logic.series(logic.parse_query("click", 3, "hour"), FakeStore({}), now)
    assert [p.dateHour for p in response.series[0].points] == [
        "2026-11-21T22:00:00",
        "2026-11-21T23:00:00",
        "2026-11-22T00:00:00",
    ]
