"""Publish received webhooks to the inbound bus in stream order (per source), then mark them.

A batch is worked through in order, in runs of up to 10 events per PutEvents call. A webhook whose
body is gone or whose event the bus refuses is FAILED at once (dead-letter queue, alarm) and the
ones behind it go on. A transient failure stops the batch at that webhook: it and everything after
it are reported failed, so Lambda retries from there; after `max_attempts` such failures of the
same webhook it is FAILED too, so no webhook holds the ones behind it for longer than that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from boto3.dynamodb.types import TypeDeserializer
from dal import TRANSIENT_BUS_ERRORS
from models import Outcome, PermanentError, Webhook

from stratus_shared.inbound_webhooks import (
    DEFAULT_EVENT_TYPE_PATHS,
    INLINE_PAYLOAD_BYTES,
    STATUS_FAILED,
    STATUS_PROCESSED,
    STATUS_RECEIVED,
    clean_event_type,
    detail_type,
)
from stratus_shared.observability import logger, metrics

EVENT_SOURCE = "stratus.webhooks.in"
PUT_EVENTS_LIMIT = 10
PUT_EVENTS_BYTES = 200 * 1024  # below EventBridge's 256 KB per call, with room for the envelopes
_DESERIALIZE = TypeDeserializer().deserialize


class Backend(Protocol):
    def states(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]: ...

    def body(self, bucket: str, key: str) -> bytes: ...

    def publish(self, entries: list[dict[str, Any]]) -> list[str | None]: ...

    def to_analytics(self, records: list[dict[str, Any]]) -> None: ...

    def mark(
        self,
        source: str,
        webhook_id: str,
        status: str,
        at: str,
        *,
        reason: str | None = None,
        event_type: str | None = None,
    ) -> None: ...

    def count_attempt(self, source: str, webhook_id: str) -> int: ...

    def dead_letter(self, message: dict[str, Any]) -> None: ...


def webhook_of(record: Mapping[str, Any]) -> Webhook | None:
    """The received webhook in an INSERT record; None for anything else (source items, updates)."""
    if record.get("eventName") != "INSERT":
        return None
    image = {k: _DESERIALIZE(v) for k, v in (record.get("dynamodb", {}).get("NewImage") or {}).items()}
    if image.get("kind") != "webhook":
        return None
    return Webhook(
        sequence=str(record["dynamodb"]["SequenceNumber"]),
        source=str(image["source"]),
        webhook_id=str(image["webhookId"]),
        scheme=str(image.get("scheme", "")),
        received_at=str(image["receivedAt"]),
        bucket=str(image["bucket"]),
        key=str(image["key"]),
        size=int(image.get("size", 0)),
        content_type=image.get("contentType"),
        signed_at=int(image["signedAt"]) if "signedAt" in image else None,
        event_type=image.get("eventType"),
        event_type_path=image.get("eventTypePath"),
        targets=sorted(image.get("targets") or []),
    )


def _at_path(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


def event_type_of(hook: Webhook) -> str:
    """eventTypePath (the operator's choice) first, then the scheme's header, then its usual field."""
    paths = [hook.event_type_path] if hook.event_type_path else []
    if not hook.event_type_path and hook.event_type:
        return clean_event_type(hook.event_type)
    paths += list(DEFAULT_EVENT_TYPE_PATHS.get(hook.scheme, ()))
    for path in paths:
        found = _at_path(hook.payload, path) if hook.has_payload else None
        if isinstance(found, (str, int)) and str(found):
            return clean_event_type(found)
    if hook.event_type:
        return clean_event_type(hook.event_type)
    return "unknown"


def _needs_body(hook: Webhook) -> bool:
    if hook.size <= INLINE_PAYLOAD_BYTES:
        return True
    return bool(hook.event_type_path) or (
        not hook.event_type and bool(DEFAULT_EVENT_TYPE_PATHS.get(hook.scheme))
    )


def prepare(hook: Webhook, backend: Backend) -> None:
    if not _needs_body(hook):
        return
    try:
        raw = backend.body(hook.bucket, hook.key)
    except LookupError as exc:
        raise PermanentError(str(exc)) from exc
    try:
        hook.payload = json.loads(raw)
        hook.has_payload = True
    except (ValueError, UnicodeDecodeError, RecursionError):
        hook.payload, hook.has_payload = None, False


def entry(hook: Webhook, event_type: str) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "source": hook.source,
        "webhookId": hook.webhook_id,
        "eventType": event_type,
        "scheme": hook.scheme,
        "receivedAt": hook.received_at,
        "sequence": hook.sequence,
        "size": hook.size,
        "contentType": hook.content_type,
        "signedAt": hook.signed_at,
        "s3": {"bucket": hook.bucket, "key": hook.key},
    }
    if hook.has_payload and hook.size <= INLINE_PAYLOAD_BYTES:
        detail["payload"] = hook.payload
    return {
        "Source": EVENT_SOURCE,
        "DetailType": detail_type(hook.source, event_type),
        "Detail": json.dumps({k: v for k, v in detail.items() if v is not None}),
        "Resources": [f"webhook:{hook.source}/{hook.webhook_id}"[:2048]],
    }


def analytics_event(hook: Webhook, event_type: str) -> dict[str, Any]:
    """A web event for the live counters: its name is the webhook's type."""
    return {
        "event": event_type,
        "eventId": f"{hook.source}:{hook.webhook_id}",
        "userId": f"webhook:{hook.source}",
        "timestamp": hook.received_at,
        "page": f"/webhooks/in/{hook.source}",
    }


class Processor:
    def __init__(self, backend: Backend, *, max_attempts: int, now: Callable[[], datetime]) -> None:
        self.backend = backend
        self.max_attempts = max_attempts
        self.now = now

    def _stamp(self) -> str:
        return self.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def run(self, records: Sequence[Mapping[str, Any]]) -> Outcome:
        outcome = Outcome()
        hooks = [(str(r.get("dynamodb", {}).get("SequenceNumber", "")), webhook_of(r)) for r in records]
        pending = [h for _, h in hooks if h is not None]
        outcome.skipped = len(hooks) - len(pending)
        states = self.backend.states([(h.source, h.webhook_id) for h in pending]) if pending else {}
        todo = []
        for hook in pending:
            status, _ = states.get((hook.source, hook.webhook_id), (STATUS_RECEIVED, 0))
            if status == STATUS_RECEIVED:
                todo.append(hook)
            else:
                outcome.skipped += 1  # a retried batch: this one was published before
        index = 0
        while index < len(todo):
            run = self._run_of(todo, index)
            stopped_at = self._publish_run(run, outcome)
            if stopped_at is not None:
                sequences = [seq for seq, _ in hooks]
                first = sequences.index(stopped_at.sequence)
                outcome.retry_from = stopped_at.sequence
                outcome.failures = sequences[first:]
                break
            index += len(run)
        return outcome

    def _run_of(self, todo: list[Webhook], start: int) -> list[Webhook]:
        run: list[Webhook] = []
        size = 0
        for hook in todo[start:]:
            weight = min(hook.size, INLINE_PAYLOAD_BYTES) + 2048
            if run and (len(run) >= PUT_EVENTS_LIMIT or size + weight > PUT_EVENTS_BYTES):
                break
            run.append(hook)
            size += weight
        return run

    def _publish_run(self, run: list[Webhook], outcome: Outcome) -> Webhook | None:
        """Publish a run in order; the webhook to retry from when a transient failure stopped it."""
        ready, position, error = self._prepare_all(run, outcome)
        if error is not None:  # S3 unavailable: publish what is ready, then retry from this one
            if (stopped := self._transient(run[position], error, outcome, ready)) is not None:
                return stopped
            return self._publish_run(run[position + 1 :], outcome)  # it failed for good
        return self._publish_ready(ready, outcome)

    def _prepare_all(
        self, run: list[Webhook], outcome: Outcome
    ) -> tuple[list[tuple[Webhook, str]], int, Exception | None]:
        ready: list[tuple[Webhook, str]] = []
        for position, hook in enumerate(run):
            try:
                prepare(hook, self.backend)
            except PermanentError as exc:
                self._fail(hook, str(exc), outcome)
                continue
            except Exception as exc:
                return ready, position, exc
            ready.append((hook, event_type_of(hook)))
        return ready, len(run), None

    def _publish_ready(self, ready: list[tuple[Webhook, str]], outcome: Outcome) -> Webhook | None:
        if not ready:
            return None
        try:
            errors = self.backend.publish([entry(h, t) for h, t in ready])
        except Exception as exc:  # the bus call itself failed: nothing of this run is out
            if (stopped := self._transient(ready[0][0], exc, outcome, [])) is not None:
                return stopped
            return self._publish_run([h for h, _ in ready[1:]], outcome)  # the first one failed for good
        published: list[tuple[Webhook, str]] = []
        again: list[Webhook] = []
        for (hook, event_type), error in zip(ready, errors, strict=True):
            if error is None:
                published.append((hook, event_type))
            elif error in TRANSIENT_BUS_ERRORS:
                again.append(hook)
            else:
                self._fail(hook, f"the event bus refused the event: {error}", outcome)
        self._finish(published, outcome)
        if not again:
            return None
        if (
            stopped := self._transient(again[0], RuntimeError("the event bus throttled"), outcome, [])
        ) is not None:
            return stopped
        return self._publish_run(again[1:], outcome)

    def _finish(self, published: list[tuple[Webhook, str]], outcome: Outcome) -> None:
        analytics = [analytics_event(h, t) for h, t in published if "analytics" in h.targets]
        self.backend.to_analytics(analytics)
        for hook, event_type in published:
            self.backend.mark(
                hook.source, hook.webhook_id, STATUS_PROCESSED, self._stamp(), event_type=event_type
            )
            outcome.processed += 1
        if published:
            metrics.add_metric(name="InboundWebhooksProcessed", unit="Count", value=len(published))

    def _transient(
        self, hook: Webhook, error: Exception, outcome: Outcome, ready: list[tuple[Webhook, str]]
    ) -> Webhook | None:
        if ready:  # the ones before it in this run are ready: publish them first, in order
            stopped = self._publish_run([h for h, _ in ready], outcome)
            if stopped is not None:
                return stopped
        attempts = self.backend.count_attempt(hook.source, hook.webhook_id)
        logger.warning(
            "webhook not processed yet",
            extra={
                "source": hook.source,
                "webhook_id": hook.webhook_id,
                "attempt": attempts,
                "error": type(error).__name__,
            },
        )
        if attempts >= self.max_attempts:
            self._fail(hook, f"gave up after {attempts} attempts: {type(error).__name__}", outcome)
            return None
        return hook

    def _fail(self, hook: Webhook, reason: str, outcome: Outcome) -> None:
        logger.error(
            "webhook failed", extra={"source": hook.source, "webhook_id": hook.webhook_id, "reason": reason}
        )
        self.backend.dead_letter(
            {
                "source": hook.source,
                "webhookId": hook.webhook_id,
                "reason": reason,
                "receivedAt": hook.received_at,
                "s3": {"bucket": hook.bucket, "key": hook.key},
                "sequence": hook.sequence,
            }
        )
        self.backend.mark(hook.source, hook.webhook_id, STATUS_FAILED, self._stamp(), reason=reason)
        metrics.add_metric(name="InboundWebhooksFailed", unit="Count", value=1)
        outcome.failed += 1
