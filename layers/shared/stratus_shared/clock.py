"""The time functions read: the wall clock in AWS, the local cloud's clock when the local cloud runs them.

Code whose behaviour depends on time (retry schedules, "failing for 5 days", quota windows, signature
timestamps) reads `now()` / `time()` from here instead of the datetime module, so that the local cloud's
`clock.advance()` moves it too. In AWS nothing installs an offset and this is the wall clock.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from datetime import UTC, datetime

_offset_source: Callable[[], float] | None = None


def set_offset_source(source: Callable[[], float] | None) -> None:
    """Seconds to add to the wall clock (the local cloud installs its clock's offset; None removes it)."""
    global _offset_source  # noqa: PLW0603 - one clock per process, as one Lambda container has
    _offset_source = source


def time() -> float:
    """Seconds since the epoch."""
    source = _offset_source
    return _time.time() + (source() if source is not None else 0.0)


def now() -> datetime:
    """The current time, UTC."""
    return datetime.fromtimestamp(time(), tz=UTC)
