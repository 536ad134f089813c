"""One compact line per function invocation, for `make local`'s terminal.

    20:14:03.512  SignInRecorderFunction   cognito PostAuthentication_Auth...    21 ms  ok
    20:14:05.004  StreamReplicatorFunction kinesis 12 records                    48 ms  ok
    20:14:05.120  CountersApiFunction      GET /counters                          9 ms  200
    20:14:07.733  UserDisablerFunction     dynamodb 1 record                      5 ms  1 of 1 failed
    20:14:09.310  BackfillUsersFunction    invoke                                12 ms  error: KeyError: 'x'

The trigger is read from the event's shape (what Lambda itself would know of it), the outcome from the
result: an API status, a batch's reported failures, or the error the handler let out.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

_SOURCES = {
    "aws:dynamodb": "dynamodb",
    "aws:kinesis": "kinesis",
    "aws:sqs": "sqs",
    "aws:s3": "s3",
    "aws:sns": "sns",
}
ERROR_WIDTH = 160
TRIGGER_WIDTH = 36


def describe_trigger(event: Any) -> str:
    """`GET /counters`, `cognito PostAuthentication_Authentication`, `sqs 3 records` ..."""
    if not isinstance(event, Mapping):
        return "invoke"
    http = (event.get("requestContext") or {}).get("http") or {}
    if "httpMethod" in event or http:
        method = event.get("httpMethod") or http.get("method")
        return f"{method} {event.get('path') or http.get('path', '')}"
    if "triggerSource" in event:
        return f"cognito {event['triggerSource']}"
    if "detail-type" in event:
        return f"events {event['detail-type']}"
    return _describe_records(event.get("Records")) or "invoke"


def _describe_records(records: Any) -> str | None:
    if not isinstance(records, list) or not records or not isinstance(records[0], Mapping):
        return None
    first = records[0]
    source = str(first.get("eventSource") or first.get("EventSource") or "records")
    noun = "record" if len(records) == 1 else "records"
    return f"{_SOURCES.get(source, source)} {len(records)} {noun}"


def describe_outcome(result: Any, records: int | None = None) -> str:
    """`200`, `ok`, `2 of 10 failed` from what the handler returned."""
    if isinstance(result, Mapping):
        if "statusCode" in result:
            return str(result["statusCode"])
        failures = result.get("batchItemFailures")
        if failures:
            total = f" of {records}" if records else ""
            return f"{len(failures)}{total} failed"
    return "ok"


def _record_count(event: Any) -> int | None:
    if isinstance(event, Mapping) and isinstance(event.get("Records"), list):
        return len(event["Records"])
    return None


@dataclass(frozen=True)
class Invocation:
    function: str
    event: Any
    seconds: float
    result: Any = None
    error: BaseException | None = None

    def line(self, at: datetime | None = None) -> str:
        stamp = (at or datetime.now(UTC)).astimezone().strftime("%H:%M:%S.%f")[:-3]
        if self.error is not None:
            detail = " ".join(f"{type(self.error).__name__}: {self.error}".split())
            outcome = f"error: {detail[:ERROR_WIDTH]}"
        else:
            outcome = describe_outcome(self.result, _record_count(self.event))
        trigger = describe_trigger(self.event)
        if len(trigger) > TRIGGER_WIDTH:
            trigger = trigger[: TRIGGER_WIDTH - 3] + "..."
        name = self.function
        return f"{stamp}  {name:<26} {trigger:<{TRIGGER_WIDTH}} {self.seconds * 1000:6.0f} ms  {outcome}"


class InvocationLog:
    """Writes each invocation's line to `out` (the terminal), one whole line at a time."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()

    def __call__(self, invocation: Invocation) -> None:
        with self._lock:
            self.out.write(invocation.line() + "\n")
            self.out.flush()
