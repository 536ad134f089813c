"""The counters' shared vocabulary: resolutions and the source design's DateHour formats.

The event counter writes these keys and the counters API queries them; one definition keeps the two
from drifting apart.
"""

from datetime import UTC, datetime
from enum import StrEnum


class Resolution(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"


# "2015-02-14T16:05:00" per minute, "2015-02-14T16:00:00" per hour (sortable, so ranges are key conditions).
DATE_FORMATS = {Resolution.MINUTE: "%Y-%m-%dT%H:%M:00", Resolution.HOUR: "%Y-%m-%dT%H:00:00"}
COUNT_ATTRIBUTE = "EventCount"


def date_hour(moment: datetime, resolution: Resolution) -> str:
    """The DateHour key of the counter `moment` falls in (UTC)."""
    return moment.astimezone(UTC).strftime(DATE_FORMATS[resolution])


def parse_date_hour(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
