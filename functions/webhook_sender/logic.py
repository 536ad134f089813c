"""Deliver a batch of tasks: sign, POST concurrently, record every attempt, schedule what failed.

One batch, whatever its endpoints: every delivery is sent at the same time on its own thread, so a slow
or dead endpoint costs only its own 15 s, never another endpoint's delivery. A batch then makes one
write for all its attempts and delivery states, and queues its retries together.

Retries follow the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after
each failure), each wait jittered by +-20 %. 429, 502, 503 and 504 with `Retry-After` wait what it says,
clamped to 5 s .. 24 h. 410 disables the endpoint at once; an endpoint failing without a single success
for 5 days is disabled too. A task whose attempt the delivery state has already passed is a duplicate
(SQS delivers at least once) and is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from models import HttpResult, SenderSettings, Work
from pydantic import ValidationError

from stratus_shared.observability import logger, metrics
from stratus_shared.webhook_records import (
    MAX_ATTEMPTS,
    RETRY_SCHEDULE_SECONDS,
    DeliveryStatus,
    DeliveryTask,
    attempt_sk,
    attempts_pk,
    delivery_sk,
    message_pk,
)
from stratus_shared.webhooks import iso

JITTER = 0.2
RETRY_AFTER_MIN = 5
RETRY_AFTER_MAX = 86400
HONOURS_RETRY_AFTER = {429, 502, 503, 504}
MAX_SQS_DELAY = 900
RESPONSE_KEPT = 1024
CONTENT_TYPE = "application/cloudevents+json"


class Store(Protocol):
    def load(self, tasks: Iterable[DeliveryTask]) -> Any: ...
    def write(self, items: list[dict[str, Any]]) -> set[tuple[str, str]]: ...
    def update_endpoint(
        self,
        tenant_id: str,
        endpoint_id: str,
        changes: dict[str, Any],
        condition: str,
        values: dict[str, Any] | None = None,
    ) -> bool: ...
    def take_tokens(self, tenant_id: str, endpoint_id: str, second: int, wanted: int, limit: int) -> int: ...


class RetryQueue(Protocol):
    def queue(self, delayed: list[tuple[DeliveryTask, int]]) -> list[DeliveryTask]: ...
    def schedule(self, task: DeliveryTask, at: datetime) -> None: ...


class Keys(Protocol):
    def key(self, ciphertext: bytes, context: dict[str, str]) -> bytes: ...


class Events(Protocol):
    def put(self, entries: list[tuple[str, dict[str, Any]]]) -> int: ...


Post = Callable[[str, bytes, dict[str, str]], HttpResult]


def sign(keys: list[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: one `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per key, space-separated."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()).decode() for k in keys
    )


def scheduled_delay(failed_attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before the attempt after `failed_attempt` (1-based), jittered by +-20 %."""
    base = RETRY_SCHEDULE_SECONDS[failed_attempt - 1]
    return base * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` (delta-seconds or an HTTP date) as seconds, clamped to 5 s .. 24 h; None if absent."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - now).total_seconds()
    return float(min(RETRY_AFTER_MAX, max(RETRY_AFTER_MIN, seconds)))


def next_delay(result: HttpResult, attempt: int, now: datetime, rng: random.Random | None = None) -> float:
    if result.status in HONOURS_RETRY_AFTER:
        honoured = retry_after_seconds(result.retry_after, now)
        if honoured is not None:
            return honoured
    return scheduled_delay(attempt, rng)


def signing_keys(endpoint: dict[str, Any], now: datetime, keys: Keys) -> list[bytes]:
    """Every secret still signing at `now` (the current one, old ones in their grace), newest first."""
    context = {
        "tenantId": endpoint["tenantId"],
        "endpointId": endpoint["endpointId"],
        "purpose": "webhook-signing",
    }
    active = [s for s in endpoint.get("secrets", []) if not s.get("expiresAt") or s["expiresAt"] > iso(now)]
    active.sort(key=lambda s: str(s.get("createdAt", "")), reverse=True)
    return [keys.key(bytes(s["ciphertext"]), context) for s in active]


def is_duplicate(task: DeliveryTask, state: dict[str, Any] | None) -> bool:
    if state is None or state.get("status") == DeliveryStatus.PENDING.value:
        return False
    done = (int(state.get("round", 0)), int(state.get("attempt", 0)))
    return (task.round, task.attempt) <= done


class Sender:
    def __init__(
        self,
        settings: SenderSettings,
        *,
        store: Store,
        retries: RetryQueue,
        keys: Keys,
        events: Events,
        post: Post,
        now: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.retries = retries
        self.keys = keys
        self.events = events
        self.post = post
        self.now = now
        self.rng = rng
        self._operational: list[tuple[str, dict[str, Any]]] = []

    # ---- the batch --------------------------------------------------------------------------
    def deliver(self, records: list[dict[str, Any]]) -> dict[str, str | None]:
        """Deliver every record's task; returns record id -> None (done) or why SQS must retry it."""
        works = [self._parse(r) for r in records]
        tasks = [w.task for w in works if w.task is not None]
        loaded = self.store.load(tasks)
        for work in works:
            self._classify(work, loaded)
        self._rate_limit([w for w in works if w.action == "send"])
        sending = [w for w in works if w.action == "send"]
        self._signing_keys(sending)
        if sending:
            with ThreadPoolExecutor(max_workers=len(sending), thread_name_prefix="webhook-send") as pool:
                list(pool.map(self._attempt, sending))
        self._record(works)
        self._endpoint_health(works)
        self._publish_operational()
        return {w.record_id: (w.parse_error or w.failed) for w in works}

    def _parse(self, record: dict[str, Any]) -> Work:
        record_id = str(record.get("messageId", ""))
        try:
            return Work(record_id, DeliveryTask.model_validate_json(record.get("body", "")))
        except ValidationError as exc:
            logger.error("delivery task rejected", extra={"record": record_id, "error": str(exc)[:500]})
            return Work(record_id, None, parse_error="not a delivery task", action="drop")

    def _classify(self, work: Work, loaded: Any) -> None:
        task = work.task
        if task is None:
            return
        work.message = loaded.messages.get(task.message_id)
        work.endpoint = loaded.endpoints.get((task.tenant_id, task.endpoint_id))
        work.state = loaded.states.get((task.tenant_id, task.message_id, task.endpoint_id))
        if work.message is None or work.message.tenant_id != task.tenant_id:
            work.action, work.reason = "drop", "message expired or unknown"
        elif is_duplicate(task, work.state):
            work.action, work.reason = "drop", "duplicate task"
        elif work.endpoint is None:
            work.action, work.reason = "cancel", "endpoint deleted"
        elif not work.endpoint.get("enabled", True):
            work.action, work.reason = "cancel", "endpoint disabled"
        if work.action == "drop":
            logger.info("delivery task dropped", extra={**_log(task), "reason": work.reason})

    def _rate_limit(self, works: list[Work]) -> None:
        """Endpoints with rateLimitPerSecond send at most that many a second, across all containers;
        the rest wait a second on the queue (not counted as attempts)."""
        by_endpoint: dict[tuple[str, str], list[Work]] = defaultdict(list)
        for work in works:
            assert work.task is not None
            assert work.endpoint is not None
            if work.endpoint.get("rateLimitPerSecond"):
                by_endpoint[(work.task.tenant_id, work.task.endpoint_id)].append(work)
        second = int(self.now().timestamp())
        for (tenant_id, endpoint_id), group in by_endpoint.items():
            limit = int(group[0].endpoint["rateLimitPerSecond"])  # type: ignore[index]
            granted = self.store.take_tokens(tenant_id, endpoint_id, second, len(group), limit)
            for work in group[granted:]:
                work.action, work.reason = "defer", "rate limit"
                metrics.add_metric(name="WebhookDeliveriesDeferred", unit=MetricUnit.Count, value=1)

    def _signing_keys(self, works: list[Work]) -> None:
        """Each endpoint's keys once per batch, before the concurrent sends: a cold container decrypts
        each secret once, not once per thread that happens to need it first."""
        now = self.now()
        keys: dict[tuple[str, str], list[bytes] | str] = {}
        for work in works:
            assert work.task is not None
            assert work.endpoint is not None
            ident = (work.task.tenant_id, work.task.endpoint_id)
            if ident not in keys:
                try:
                    keys[ident] = signing_keys(work.endpoint, now, self.keys)
                except Exception as exc:  # KMS refused: a failed attempt, retried on the schedule
                    keys[ident] = f"signing key unavailable: {type(exc).__name__}"
            work.extra["keys"] = keys[ident]

    def _attempt(self, work: Work) -> None:
        assert work.task is not None
        assert work.message is not None
        assert work.endpoint is not None
        work.started = self.now()
        timestamp = int(work.started.timestamp())
        body = work.message.cloudevent()
        keys = work.extra.get("keys")
        if not isinstance(keys, list):
            work.result = HttpResult(None, 0, error=str(keys))
            return
        headers = {
            "Content-Type": CONTENT_TYPE,
            "webhook-id": work.message.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(keys, work.message.id, timestamp, body),
        }
        work.result = self.post(str(work.endpoint["url"]), body, headers)

    # ---- what the attempts mean ---------------------------------------------------------------
    def _record(self, works: list[Work]) -> None:  # noqa: PLR0912 - one branch per kind of outcome
        now = self.now()
        items: list[dict[str, Any]] = []
        owners: dict[tuple[str, str], Work] = {}
        delayed: list[tuple[Work, DeliveryTask, int]] = []
        scheduled: list[tuple[Work, DeliveryTask, datetime]] = []
        for work in works:
            task = work.task
            if task is None or work.action == "drop":
                continue
            if work.action == "defer":
                delayed.append((work, task, 1))
                continue
            state, attempt = self._outcome(work, now)
            for item in (state, attempt):
                if item is not None:
                    items.append(item)
                    owners[(item["pk"], item["sk"])] = work
            if work.retry_in is not None:
                retry = task.next_attempt()
                if work.retry_in <= MAX_SQS_DELAY:
                    delayed.append((work, retry, max(1, round(work.retry_in))))
                else:
                    scheduled.append((work, retry, (work.started or now) + timedelta(seconds=work.retry_in)))
        for owner_key in self.store.write(items):
            owners[owner_key].failed = "attempt not recorded"
        unqueued = {
            (t.message_id, t.endpoint_id, t.round, t.attempt)
            for t in self.retries.queue([(t, d) for _, t, d in delayed])
        }
        for work, task, _ in delayed:
            if (task.message_id, task.endpoint_id, task.round, task.attempt) in unqueued:
                work.failed = "retry not queued"
        for work, task, at in scheduled:
            try:
                self.retries.schedule(task, at)
            except Exception as exc:
                logger.warning("retry not scheduled", extra={**_log(task), "error": type(exc).__name__})
                work.failed = "retry not scheduled"

    def _outcome(self, work: Work, now: datetime) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The delivery state (and the attempt record, when an attempt was made or cancelled)."""
        task, message = work.task, work.message
        assert task is not None
        assert message is not None
        previous = int((work.state or {}).get("attempts", 0))
        at = work.started or now
        state: dict[str, Any] = {
            "pk": message_pk(task.tenant_id, task.message_id),
            "sk": delivery_sk(task.endpoint_id),
            "tenantId": task.tenant_id,
            "messageId": task.message_id,
            "endpointId": task.endpoint_id,
            "round": task.round,
            "attempt": task.attempt,
            "attempts": previous + 1,
            "lastAttemptAt": iso(at),
            "expiresAt": message.expires_at,
        }
        attempt: dict[str, Any] = {
            "pk": attempts_pk(task.tenant_id, task.endpoint_id),
            "sk": attempt_sk(iso(at), task.message_id, task.round, task.attempt),
            "messageId": task.message_id,
            "endpointId": task.endpoint_id,
            "eventType": message.event_type,
            "attempt": task.attempt,
            "round": task.round,
            "trigger": task.trigger,
            "at": iso(at),
            "success": False,
            "durationMs": 0,
            "response": "",
            "expiresAt": message.expires_at,
        }
        if work.action == "cancel":
            state.update(status=DeliveryStatus.CANCELLED.value, error=work.reason, attempts=previous)
            attempt["error"] = work.reason
            metrics.add_metric(name="WebhookDeliveriesCancelled", unit=MetricUnit.Count, value=1)
            return state, attempt if work.endpoint is not None else None
        result = work.result
        assert result is not None
        attempt.update(
            durationMs=result.duration_ms, response=result.body[:RESPONSE_KEPT].decode("utf-8", "replace")
        )
        if result.status is not None:
            attempt["statusCode"] = result.status
            state["statusCode"] = result.status
        if result.error:
            attempt["error"] = result.error
            state["error"] = result.error
        log = {
            **_log(task),
            "attempt": task.attempt,
            "status_code": result.status,
            "duration_ms": result.duration_ms,
        }
        if result.success:
            attempt["success"] = True
            state.update(status=DeliveryStatus.DELIVERED.value, deliveredAt=iso(at))
            logger.info("webhook delivered", extra=log)
            metrics.add_metric(name="WebhookDeliveries", unit=MetricUnit.Count, value=1)
            return state, attempt
        metrics.add_metric(name="WebhookDeliveryFailures", unit=MetricUnit.Count, value=1)
        if result.status == 410:
            state.update(
                status=DeliveryStatus.CANCELLED.value, error="endpoint answered 410 Gone and was disabled"
            )
            work.extra["gone"] = True
            logger.warning("webhook endpoint gone", extra=log)
            return state, attempt
        if task.attempt >= MAX_ATTEMPTS:
            state["status"] = DeliveryStatus.EXHAUSTED.value
            logger.error("webhook delivery exhausted", extra={**log, "error": result.error})
            metrics.add_metric(name="WebhookMessagesExhausted", unit=MetricUnit.Count, value=1)
            self._operational.append(
                (
                    "message.attempt.exhausted",
                    {
                        "tenantId": task.tenant_id,
                        "messageId": task.message_id,
                        "endpointId": task.endpoint_id,
                        "eventType": message.event_type,
                        "round": task.round,
                        "attempts": task.attempt,
                        "lastStatusCode": result.status,
                        "lastError": result.error,
                    },
                )
            )
            return state, attempt
        work.retry_in = next_delay(result, task.attempt, at, self.rng)
        state.update(
            status=DeliveryStatus.RETRYING.value, nextAttemptAt=iso(at + timedelta(seconds=work.retry_in))
        )
        logger.info(
            "webhook attempt failed; retry scheduled",
            extra={**log, "error": result.error, "retry_in": work.retry_in},
        )
        return state, attempt

    # ---- endpoint health ----------------------------------------------------------------------
    def _endpoint_health(self, works: list[Work]) -> None:
        """410: disable now. Failing with no success for DISABLE_AFTER_FAILING_SECONDS: disable. Only
        endpoints whose state changes are written: a healthy endpoint costs no write at all."""
        now = iso(self.now())
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        outcome: dict[tuple[str, str], set[str]] = defaultdict(set)
        for work in works:
            if work.task is None or work.endpoint is None or work.result is None:
                continue
            ident = (work.task.tenant_id, work.task.endpoint_id)
            seen[ident] = work.endpoint
            outcome[ident].add(
                "gone" if work.extra.get("gone") else "ok" if work.result.success else "failed"
            )
        for (tenant_id, endpoint_id), endpoint in seen.items():
            results = outcome[(tenant_id, endpoint_id)]
            failing_since = endpoint.get("failingSince")
            last_success = endpoint.get("lastSuccessAt")
            in_failing_period = bool(failing_since) and not (last_success and last_success > failing_since)
            if "gone" in results:
                self._disable(
                    tenant_id, endpoint_id, reason="endpoint answered 410 Gone", now=now, failing_since=None
                )
            elif "ok" in results:
                if in_failing_period:
                    self.store.update_endpoint(
                        tenant_id, endpoint_id, {"lastSuccessAt": now}, "attribute_exists(pk)"
                    )
            elif not in_failing_period:
                self.store.update_endpoint(
                    tenant_id,
                    endpoint_id,
                    {"failingSince": now},
                    "attribute_exists(pk)"
                    " AND (attribute_not_exists(failingSince) OR failingSince < lastSuccessAt)",
                )
            elif _age_seconds(str(failing_since), self.now()) >= self.settings.disable_after_failing_seconds:
                self._disable(
                    tenant_id,
                    endpoint_id,
                    reason="failing without a success",
                    now=now,
                    failing_since=str(failing_since),
                )

    def _disable(
        self,
        tenant_id: str,
        endpoint_id: str,
        *,
        reason: str,
        now: str,
        failing_since: str | None,
    ) -> None:
        condition = "enabled = :yes"
        values: dict[str, Any] = {":yes": True}
        if failing_since is not None:  # still the same failing period, and no success recorded in it
            condition += (
                " AND failingSince = :since"
                " AND (attribute_not_exists(lastSuccessAt) OR lastSuccessAt < :since)"
            )
            values[":since"] = failing_since
        changes = {"enabled": False, "disabledReason": reason, "disabledAt": now, "updatedAt": now}
        if not self.store.update_endpoint(tenant_id, endpoint_id, changes, condition, values):
            return
        logger.warning(
            "webhook endpoint disabled",
            extra={"tenant_id": tenant_id, "endpoint_id": endpoint_id, "reason": reason},
        )
        metrics.add_metric(name="WebhookEndpointsDisabled", unit=MetricUnit.Count, value=1)
        detail = {"tenantId": tenant_id, "endpointId": endpoint_id, "reason": reason, "disabledAt": now}
        if failing_since:
            detail["failingSince"] = failing_since
        self._operational.append(("endpoint.disabled", detail))

    def _publish_operational(self) -> None:
        entries, self._operational = self._operational, []
        if not entries:
            return
        try:
            refused = self.events.put(entries)
        except Exception as exc:
            logger.error(
                "operational events not published",
                extra={"error": type(exc).__name__, "events": len(entries)},
            )
            return
        if refused:
            logger.error("operational events refused", extra={"refused": refused})


def _age_seconds(stamp: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()


def _log(task: DeliveryTask) -> dict[str, Any]:
    return {
        "tenant_id": task.tenant_id,
        "message_id": task.message_id,
        "endpoint_id": task.endpoint_id,
        "round": task.round,
        "trigger": task.trigger,
    }
