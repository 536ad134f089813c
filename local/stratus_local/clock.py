"""The local cloud's clock: wall time plus an offset that tests move forward.

TTL expiry, schedules, SQS visibility retries and batching windows are all judged against this clock,
so a test advances a day in microseconds instead of sleeping. Functions keep reading the real
`time.time()`: what they write (a TTL of now + 90 days) is judged later against the moved clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class Clock:
    """Monotonic virtual time; `advance` notifies listeners so due work can run."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._wall = now
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Seconds since the epoch on the local cloud's clock."""
        with self._lock:
            return self._wall() + self._offset

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    @property
    def offset(self) -> float:
        return self._offset

    def offset_source(self) -> float:
        """The offset as a callable (what SQS and the functions' clock read on every call)."""
        return self._offset

    def on_advance(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def advance(self, seconds: float) -> None:
        """Move time forward, then let every listener (the cloud's scheduler) run what fell due."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        for listener in list(self._listeners):
            listener()
