"""A real HTTP webhook receiver on a loopback port, and verification as a consumer would do it.

`Receiver` answers each path with the responses planned for it (status, headers, an optional hold
that keeps the request open) and 200 once the plan is used up, recording every request with the
moment it arrived on a given clock (the local cloud's, in end-to-end tests).
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import standardwebhooks.webhooks


@dataclass(frozen=True)
class Planned:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    hold_seconds: float = 0.0  # keep the request open this long (or until the receiver stops)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # on the receiver's clock
    wall: float

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def timestamp(self) -> int:
        return int(self.headers["webhook-timestamp"])


class Receiver:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.requests: list[Received] = []
        self._plans: dict[str, deque[Planned]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                path = self.path
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            receiver.clock(),
                            time.time(),
                        )
                    )
                    plan = receiver._plans[path].popleft() if receiver._plans[path] else Planned()
                if plan.hold_seconds:
                    receiver._stopping.wait(plan.hold_seconds)
                with contextlib.suppress(OSError):  # the sender may have given up already
                    self.send_response(plan.status)
                    for name, value in plan.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(plan.body)))
                    self.end_headers()
                    self.wfile.write(plan.body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-receiver", daemon=True
        )

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def plan(self, path: str, *responses: Planned) -> None:
        with self._lock:
            self._plans[path].extend(responses)

    def answer_ok(self, path: str) -> None:
        """Drop what is still planned for `path`: from now on it answers 200."""
        with self._lock:
            self._plans[path].clear()

    def received(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


@contextlib.contextmanager
def verifying_at(moment: float) -> Iterator[None]:
    """standardwebhooks (and svix, which wraps it) check the timestamp against their own `now`; verify as
    a receiver would have at `moment` (the local cloud's clock may be days ahead of the wall clock)."""

    class _Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.fromtimestamp(moment, tz=tz or UTC)

    with mock.patch.object(standardwebhooks.webhooks, "datetime", _Frozen):
        yield
