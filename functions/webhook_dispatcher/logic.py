"""Fan one batch of outbox INSERTs out to delivery tasks, one per (message, subscribed endpoint).

Per batch, not per record: each tenant's endpoints are read once, the pending delivery states of every
message are written 25 to a call and the tasks are queued 10 to a call (several calls at once), so a
message to 20 endpoints costs about two SQS and one DynamoDB request, and the stream never waits on a
subscriber: sending is the sender's job, on its own queue.

Records are reported in stream order: once one fails, it and every later record are reported failed
(Lambda re-delivers from the first failed sequence number). A record whose tasks did go out before a
later failure may so be fanned out twice; the sender drops a task whose attempt the delivery state has
already passed, so a delivery made is not made again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from models import Fanout, Subscriber

from stratus_shared.observability import logger, metrics
from stratus_shared.webhook_records import DeliveryStatus, DeliveryTask, delivery_sk, message_pk
from stratus_shared.webhooks import EVENT_TYPES, OutboxEvent, iso

SEND_BATCH = 10


class SkippedAfterEarlierFailureError(Exception):
    """Not reported done: an earlier record of this batch failed and Lambda re-delivers from there."""


class DispatchFailedError(Exception):
    """Writing this record's delivery states or queueing its tasks failed after retries."""


class Store(Protocol):
    def subscribers(self, tenant_id: str) -> list[Subscriber]: ...
    def write_items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]: ...
    def mark_dispatched(self, message_id: str, at: str) -> None: ...


class Queue(Protocol):
    def send_batch(self, tasks: list[DeliveryTask]) -> list[DeliveryTask]: ...


def parse_record(record: dict[str, Any]) -> Fanout:
    sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
    image = record.get("dynamodb", {}).get("NewImage") or {}
    try:
        event = OutboxEvent.from_item(image)
    except (KeyError, ValueError, TypeError) as exc:
        return Fanout(sequence, None, rejected=f"not an outbox item: {type(exc).__name__}: {exc}")
    if event.event_type not in EVENT_TYPES:
        return Fanout(sequence, event, rejected=f"unknown event type {event.event_type!r}")
    return Fanout(sequence, event)


def pending_state(event: OutboxEvent, endpoint_id: str, queued_at: str) -> dict[str, Any]:
    return {
        "pk": {"S": message_pk(event.tenant_id, event.id)},
        "sk": {"S": delivery_sk(endpoint_id)},
        "tenantId": {"S": event.tenant_id},
        "messageId": {"S": event.id},
        "endpointId": {"S": endpoint_id},
        "status": {"S": DeliveryStatus.PENDING.value},
        "round": {"N": "0"},
        "attempt": {"N": "0"},
        "attempts": {"N": "0"},
        "queuedAt": {"S": queued_at},
        "expiresAt": {"N": str(event.expires_at)},
    }


class Dispatcher:
    def __init__(self, store: Store, queue: Queue, now: Callable[[], datetime], concurrency: int = 8) -> None:
        self.store = store
        self.queue = queue
        self.now = now
        self.concurrency = concurrency

    def dispatch(self, records: Iterable[dict[str, Any]]) -> dict[str, Fanout]:
        """Fan every record out; returns each record's outcome by sequence number."""
        fanouts = [parse_record(r) for r in records]
        for fanout in fanouts:
            if fanout.rejected:
                logger.error(
                    "outbox record rejected", extra={"sequence": fanout.sequence, "reason": fanout.rejected}
                )
                metrics.add_metric(name="WebhookOutboxRecordsRejected", unit=MetricUnit.Count, value=1)
        valid = [f for f in fanouts if f.event is not None and not f.rejected]
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="webhook-dispatch") as pool:
            subscribers = dict(
                zip(
                    tenants := sorted({f.event.tenant_id for f in valid if f.event}),
                    pool.map(self.store.subscribers, tenants),
                    strict=True,
                )
            )
            queued_at = iso(self.now())
            states: list[tuple[Fanout, dict[str, Any]]] = []
            for fanout in valid:
                event = fanout.event
                assert event is not None
                for subscriber in subscribers[event.tenant_id]:
                    if subscriber.takes(event.event_type):
                        fanout.tasks.append(
                            DeliveryTask(
                                tenant_id=event.tenant_id,
                                message_id=event.id,
                                endpoint_id=subscriber.endpoint_id,
                            )
                        )
                        states.append((fanout, pending_state(event, subscriber.endpoint_id, queued_at)))
            self._write_states(states, pool)
            self._mark_unsubscribed([f for f in valid if not f.tasks and not f.error], queued_at, pool)
            self._queue([f for f in valid if f.tasks and not f.error], pool)
        delivered = sum(len(f.tasks) for f in valid if not f.error)
        metrics.add_metric(name="WebhookDeliveriesQueued", unit=MetricUnit.Count, value=delivered)
        return {f.sequence: f for f in fanouts}

    def _write_states(self, states: list[tuple[Fanout, dict[str, Any]]], pool: ThreadPoolExecutor) -> None:
        chunks = [states[i : i + 25] for i in range(0, len(states), 25)]
        for chunk, failed in zip(
            chunks, pool.map(lambda c: self.store.write_items([s for _, s in c]), chunks), strict=True
        ):
            unwritten = {(i["pk"]["S"], i["sk"]["S"]) for i in failed}
            for fanout, state in chunk:
                if (state["pk"]["S"], state["sk"]["S"]) in unwritten:
                    fanout.error = "delivery state not written"

    def _mark_unsubscribed(self, fanouts: list[Fanout], at: str, pool: ThreadPoolExecutor) -> None:
        def mark(fanout: Fanout) -> None:
            assert fanout.event is not None
            try:
                self.store.mark_dispatched(fanout.event.id, at)
            except Exception as exc:
                fanout.error = f"{type(exc).__name__}: {exc}"

        list(pool.map(mark, fanouts))

    def _queue(self, fanouts: list[Fanout], pool: ThreadPoolExecutor) -> None:
        """Tasks of consecutive records packed 10 to a SendMessageBatch, the calls made concurrently."""
        owners = [(fanout, task) for fanout in fanouts for task in fanout.tasks]
        chunks = [owners[i : i + SEND_BATCH] for i in range(0, len(owners), SEND_BATCH)]

        def send(chunk: list[tuple[Fanout, DeliveryTask]]) -> list[DeliveryTask]:
            try:
                return self.queue.send_batch([task for _, task in chunk])
            except Exception as exc:
                logger.warning("delivery tasks not queued", extra={"error": f"{type(exc).__name__}: {exc}"})
                return [task for _, task in chunk]

        for chunk, unsent in zip(chunks, pool.map(send, chunks), strict=True):
            missing = {(t.message_id, t.endpoint_id) for t in unsent}
            for fanout, task in chunk:
                if (task.message_id, task.endpoint_id) in missing:
                    fanout.error = "delivery task not queued"


class Reporter:
    """Powertools record handler: raises for failed records and everything after the first one."""

    def __init__(self, outcomes: dict[str, Fanout]) -> None:
        self.outcomes = outcomes
        self.failed = False

    def process(self, sequence: str) -> str:
        fanout = self.outcomes.get(sequence)
        if self.failed:
            raise SkippedAfterEarlierFailureError(sequence)
        if fanout is None:
            return "skipped"
        if fanout.error:
            self.failed = True
            raise DispatchFailedError(fanout.error)
        return "rejected" if fanout.rejected else f"queued {len(fanout.tasks)}"
