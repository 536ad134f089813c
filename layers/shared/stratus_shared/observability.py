"""One place for Powertools logger, tracer and metrics.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE,
set in the template's Globals, so every function reports under the same names.

The tracer is lazy. Importing the X-Ray SDK and patching botocore costs about 100 ms (more on a 256 MB
arm64 function), and Powertools' `Tracer()` pays it at import, on every cold start, whether or not the
invocation is traced. `LazyTracer` pays it on the first invocation X-Ray samples (`Sampled=1` in the
trace header Lambda sets per invocation) and never on an unsampled one; a sampled invocation gets the
same `## handler` subsegment, annotations and boto3 subsegments as before. What was traded is written
up in docs/foundation.md.
"""

from __future__ import annotations

import functools
import numbers
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics()

Handler = TypeVar("Handler", bound=Callable[..., Any])
_TRUTHY = {"1", "true", "yes", "on"}
# Only boto3/botocore calls become subsegments: the functions make no other calls worth a subsegment,
# and patching every library Powertools knows (requests, httplib, ...) costs import time for nothing.
PATCHED_MODULES = ("botocore",)


def tracing_possible() -> bool:
    """Tracing can happen here at all: in Lambda (not SAM's emulator) and not switched off."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return False
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_SAM_LOCAL")


def invocation_sampled() -> bool:
    """X-Ray samples this invocation: Lambda sets `_X_AMZN_TRACE_ID` for each one."""
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    return tracing_possible() and "Sampled=1" in header.split(";")


class LazyTracer:
    """Powertools' Tracer, created on the first sampled invocation instead of at import."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None
        self._lock = threading.Lock()
        self._invoked = False

    @property
    def loaded(self) -> bool:
        """The X-Ray SDK has been imported in this container."""
        return self._tracer is not None

    def _real(self) -> Tracer:
        with self._lock:
            if self._tracer is None:
                # Deferred on purpose: this import is the cost the lazy tracer exists to avoid.
                from aws_lambda_powertools import Tracer  # noqa: PLC0415
                from aws_lambda_powertools.tracing import tracer as tracer_module  # noqa: PLC0415

                if self._invoked:
                    # The container is warm: Powertools would annotate this first traced call ColdStart.
                    tracer_module.is_cold_start = False
                self._tracer = Tracer(patch_modules=PATCHED_MODULES)
            return self._tracer

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        """Trace the handler on sampled invocations; call it directly otherwise."""
        traced: Callable[..., Any] | None = None

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            nonlocal traced
            sampled = invocation_sampled()
            if not sampled:
                self._invoked = True
                return handler(event, context)
            if traced is None:
                traced = self._real().capture_lambda_handler(handler)
            self._invoked = True
            return traced(event, context)

        return wrapper  # type: ignore[return-value]

    def capture_method(self, method: Handler) -> Handler:
        """A subsegment around `method` when this invocation is traced."""
        traced: Callable[..., Any] | None = None

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if self._tracer is None or not invocation_sampled():
                return method(*args, **kwargs)
            if traced is None:
                traced = self._tracer.capture_method(method)
            return traced(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        if self._tracer is not None and invocation_sampled():
            self._tracer.put_annotation(key=key, value=value)

    def put_metadata(self, key: str, value: Any) -> None:
        if self._tracer is not None and invocation_sampled():
            self._tracer.put_metadata(key=key, value=value)


tracer = LazyTracer()

__all__ = ["LazyTracer", "invocation_sampled", "logger", "metrics", "tracer"]
