"""What each webhooks route does, for one tenant at a time; storage, queue and KMS come in as protocols.

Every operation takes the caller's tenant and only ever builds keys under it, so another tenant's
endpoint or message is simply not found (404), exactly like a missing one.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from models import (
    DEFAULT_PAGE,
    MAX_ENDPOINTS_PER_TENANT,
    MAX_PAGE,
    MAX_SIGNING_SECRETS,
    SECRET_BYTES,
    ApiSettings,
    CreatedWebhookEndpoint,
    CreateEndpoint,
    DuplicateEventError,
    InvalidRequestError,
    MessageStatus,
    PayloadTooLargeError,
    Publish,
    QuotaExceededError,
    Recover,
    Replay,
    RotateSecret,
    UpdateEndpoint,
    WebhookAttempt,
    WebhookAttemptPage,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointPage,
    WebhookEventType,
    WebhookEventTypes,
    WebhookMessage,
    WebhookPublished,
    WebhookQueued,
    WebhookSecret,
)

from stratus_shared import webhook_targets
from stratus_shared.observability import logger
from stratus_shared.webhook_records import DeliveryStatus, DeliveryTask, Trigger, attempts_pk, tenant_pk
from stratus_shared.webhooks import CATALOGUE, OutboxEvent, compact_json, iso, outbox_event

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
RECOVERABLE = {DeliveryStatus.EXHAUSTED.value, DeliveryStatus.CANCELLED.value}
MAX_RECOVER_MESSAGES = 10_000


class EndpointNotFoundError(Exception):
    """No such endpoint for this tenant (HTTP 404)."""


class MessageNotFoundError(Exception):
    """No such message for this tenant (HTTP 404)."""


class Store(Protocol):
    def count_endpoints(self, tenant_id: str) -> int: ...
    def put_endpoint(self, item: dict[str, Any]) -> None: ...
    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> dict[str, Any] | None: ...
    def list_endpoints(
        self, tenant_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...
    def update_endpoint(
        self, tenant_id: str, endpoint_id: str, changes: dict[str, Any], removals: Iterable[str]
    ) -> dict[str, Any] | None: ...
    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> bool: ...
    def list_attempts(
        self, tenant_id: str, endpoint_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...
    def failed_attempt_messages(
        self, tenant_id: str, endpoint_id: str, since: str, until: str, limit: int
    ) -> list[str]: ...
    def take_publish_quota(self, tenant_id: str, minute: int, limit: int) -> bool: ...
    def put_message(self, event: OutboxEvent) -> bool: ...
    def get_message(self, message_id: str) -> dict[str, Any] | None: ...
    def deliveries(self, tenant_id: str, message_id: str) -> dict[str, dict[str, Any]]: ...
    def delivery_states(
        self, tenant_id: str, endpoint_id: str, message_ids: list[str]
    ) -> dict[str, dict[str, Any]]: ...


class Cipher(Protocol):
    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes: ...


class TaskQueue(Protocol):
    def send(self, tasks: list[DeliveryTask]) -> None: ...


def new_id(prefix: str) -> str:
    return prefix + base64.b32encode(secrets.token_bytes(16)).decode().lower().rstrip("=")


def new_secret() -> tuple[str, bytes]:
    """(`whsec_` + base64 of 32 random bytes as shown to the tenant once, the raw key bytes)."""
    raw = secrets.token_bytes(SECRET_BYTES)
    return SECRET_PREFIX + base64.b64encode(raw).decode(), raw


def encode_token(key: dict[str, Any] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_token(token: str | None, expected_pk: str) -> dict[str, Any] | None:
    """A paging token back to DynamoDB's key; refused unless it points into the caller's own partition."""
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
        pk = key["pk"]["S"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidRequestError("nextToken: not a token this API issued") from exc
    if pk != expected_pk:
        raise InvalidRequestError("nextToken: not a token this API issued")
    return dict(key)


def page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequestError(f"limit: between 1 and {MAX_PAGE}")
    return limit


def endpoint_view(item: dict[str, Any]) -> WebhookEndpoint:
    """An endpoint as the API shows it: never a secret, not even an encrypted one."""
    return WebhookEndpoint(**_endpoint_fields(item))


def _endpoint_fields(item: dict[str, Any]) -> dict[str, Any]:
    limit = item.get("rateLimitPerSecond")
    return {
        "id": item["endpointId"],
        "url": item["url"],
        "event_types": item.get("eventTypes"),
        "description": item.get("description", ""),
        "enabled": bool(item.get("enabled", True)),
        "rate_limit_per_second": None if limit is None else int(limit),
        "created_at": item["createdAt"],
        "updated_at": item.get("updatedAt", item["createdAt"]),
        "disabled_reason": item.get("disabledReason") or None,
        "disabled_at": item.get("disabledAt") or None,
        "failing_since": item.get("failingSince") or None,
    }


class WebhooksService:
    def __init__(
        self,
        settings: ApiSettings,
        *,
        store: Store,
        cipher: Cipher,
        tasks: TaskQueue,
        now: Callable[[], datetime],
        dns: webhook_targets.Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.cipher = cipher
        self.tasks = tasks
        self.now = now
        self.dns = dns

    # ---- endpoints --------------------------------------------------------------------------
    def _check_url(self, url: str) -> str:
        try:
            webhook_targets.check_url(url, allow_loopback=self.settings.allow_loopback_targets, dns=self.dns)
        except webhook_targets.TargetRefusedError as exc:
            raise InvalidRequestError(f"url: {exc}") from exc
        return url

    def _secret_entry(
        self, tenant_id: str, endpoint_id: str, raw: bytes, created: datetime
    ) -> dict[str, Any]:
        context = {"tenantId": tenant_id, "endpointId": endpoint_id, "purpose": "webhook-signing"}
        return {"ciphertext": self.cipher.encrypt(raw, context), "createdAt": iso(created)}

    def create_endpoint(self, tenant_id: str, request: CreateEndpoint) -> CreatedWebhookEndpoint:
        if request.event_types == []:
            raise InvalidRequestError("eventTypes: give at least one event type, or leave it out for all")
        url = self._check_url(request.url)
        if self.store.count_endpoints(tenant_id) >= MAX_ENDPOINTS_PER_TENANT:
            raise InvalidRequestError(f"url: a tenant has at most {MAX_ENDPOINTS_PER_TENANT} endpoints")
        endpoint_id = new_id("ep_")
        created = self.now()
        shown, raw = new_secret()
        item: dict[str, Any] = {
            "tenantId": tenant_id,
            "endpointId": endpoint_id,
            "url": url,
            "eventTypes": request.event_types,
            "description": request.description,
            "enabled": True,
            "rateLimitPerSecond": request.rate_limit_per_second,
            "secrets": [self._secret_entry(tenant_id, endpoint_id, raw, created)],
            "createdAt": iso(created),
            "updatedAt": iso(created),
        }
        self.store.put_endpoint(item)
        logger.info("webhook endpoint created", extra={"tenant_id": tenant_id, "endpoint_id": endpoint_id})
        return CreatedWebhookEndpoint(**_endpoint_fields(item), secret=shown)

    def _endpoint(self, tenant_id: str, endpoint_id: str) -> dict[str, Any]:
        item = self.store.get_endpoint(tenant_id, endpoint_id)
        if item is None:
            raise EndpointNotFoundError(endpoint_id)
        return item

    def list_endpoints(self, tenant_id: str, limit: int | None, token: str | None) -> WebhookEndpointPage:
        items, last = self.store.list_endpoints(
            tenant_id, page_size(limit), decode_token(token, tenant_pk(tenant_id))
        )
        return WebhookEndpointPage(items=[endpoint_view(i) for i in items], next_token=encode_token(last))

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        return endpoint_view(self._endpoint(tenant_id, endpoint_id))

    def update_endpoint(self, tenant_id: str, endpoint_id: str, request: UpdateEndpoint) -> WebhookEndpoint:
        given = request.model_fields_set
        if not given:
            raise InvalidRequestError(
                "request: give at least one of url, eventTypes, description, enabled, rateLimitPerSecond"
            )
        changes: dict[str, Any] = {"updatedAt": iso(self.now())}
        removals: list[str] = []
        if "url" in given:
            if request.url is None:
                raise InvalidRequestError("url: cannot be null")
            changes["url"] = self._check_url(request.url)
        if "event_types" in given:
            if request.event_types == []:
                raise InvalidRequestError("eventTypes: give at least one event type, or null for all")
            changes["eventTypes"] = request.event_types
        if "description" in given:
            changes["description"] = request.description or ""
        if "rate_limit_per_second" in given:
            changes["rateLimitPerSecond"] = request.rate_limit_per_second
        if "enabled" in given:
            if request.enabled is None:
                raise InvalidRequestError("enabled: true or false")
            changes["enabled"] = request.enabled
            if request.enabled:
                # A fresh start: the failing period that disabled it is over.
                removals += ["disabledReason", "disabledAt", "failingSince", "lastSuccessAt"]
            else:
                changes["disabledReason"] = "disabled by its owner"
                changes["disabledAt"] = changes["updatedAt"]
        updated = self.store.update_endpoint(tenant_id, endpoint_id, changes, removals)
        if updated is None:
            raise EndpointNotFoundError(endpoint_id)
        return endpoint_view(updated)

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> None:
        if not self.store.delete_endpoint(tenant_id, endpoint_id):
            raise EndpointNotFoundError(endpoint_id)
        logger.info("webhook endpoint deleted", extra={"tenant_id": tenant_id, "endpoint_id": endpoint_id})

    def rotate_secret(self, tenant_id: str, endpoint_id: str, request: RotateSecret) -> WebhookSecret:
        item = self._endpoint(tenant_id, endpoint_id)
        now = self.now()
        ends = iso(now + timedelta(seconds=request.grace_period_seconds))
        kept = []
        for entry in item.get("secrets", []):
            expires = entry.get("expiresAt")
            if expires is not None and expires <= iso(now):
                continue  # its grace period is over: it signs nothing any more
            kept.append({**entry, "expiresAt": min(expires, ends) if expires else ends})
        if request.grace_period_seconds == 0:
            kept = []
        shown, raw = new_secret()
        fresh = self._secret_entry(tenant_id, endpoint_id, raw, now)
        signing = [*kept[-(MAX_SIGNING_SECRETS - 1) :], fresh]
        if (
            self.store.update_endpoint(
                tenant_id, endpoint_id, {"secrets": signing, "updatedAt": iso(now)}, []
            )
            is None
        ):
            raise EndpointNotFoundError(endpoint_id)
        logger.info(
            "webhook secret rotated",
            extra={
                "tenant_id": tenant_id,
                "endpoint_id": endpoint_id,
                "grace_seconds": request.grace_period_seconds,
            },
        )
        return WebhookSecret(secret=shown)

    def list_attempts(
        self, tenant_id: str, endpoint_id: str, limit: int | None, token: str | None
    ) -> WebhookAttemptPage:
        self._endpoint(tenant_id, endpoint_id)
        start = decode_token(token, attempts_pk(tenant_id, endpoint_id))
        items, last = self.store.list_attempts(tenant_id, endpoint_id, page_size(limit), start)
        return WebhookAttemptPage(items=[attempt_view(i) for i in items], next_token=encode_token(last))

    def recover(self, tenant_id: str, endpoint_id: str, request: Recover) -> WebhookQueued:
        self._endpoint(tenant_id, endpoint_id)
        now = self.now()
        until = request.until or now
        if request.since >= until:
            raise InvalidRequestError("since: must be before until")
        oldest = now - timedelta(days=self.settings.retention_days)
        if request.since < oldest:
            raise InvalidRequestError(f"since: at most {self.settings.retention_days} days ago")
        message_ids = self.store.failed_attempt_messages(
            tenant_id, endpoint_id, iso(request.since), iso(until), MAX_RECOVER_MESSAGES
        )
        states = self.store.delivery_states(tenant_id, endpoint_id, message_ids)
        tasks = [
            DeliveryTask(
                tenant_id=tenant_id,
                message_id=message_id,
                endpoint_id=endpoint_id,
                round=int(states[message_id].get("round", 0)) + 1,
                trigger="recover",
            )
            for message_id in message_ids
            if states.get(message_id, {}).get("status") in RECOVERABLE
        ]
        self.tasks.send(tasks)
        logger.info(
            "webhook recover queued",
            extra={"tenant_id": tenant_id, "endpoint_id": endpoint_id, "messages": len(tasks)},
        )
        return WebhookQueued(queued=len(tasks))

    # ---- messages ---------------------------------------------------------------------------
    def publish(self, tenant_id: str, request: Publish) -> WebhookPublished:
        payload = compact_json(request.payload)
        size = len(payload.encode())
        if size > self.settings.max_payload_bytes:
            raise PayloadTooLargeError(
                f"payload: {size} bytes, over the limit of {self.settings.max_payload_bytes}"
            )
        now = self.now()
        minute = int(now.timestamp()) // 60
        if not self.store.take_publish_quota(tenant_id, minute, self.settings.publish_quota_per_minute):
            raise QuotaExceededError(retry_after_seconds=max(1, (minute + 1) * 60 - int(now.timestamp())))
        event = outbox_event(
            tenant_id,
            request.event_type,
            request.payload,
            now=now,
            event_id=request.event_id,
            subject=request.subject,
            source="/stratus/webhooks",
            retention_days=self.settings.retention_days,
        )
        if not self.store.put_message(event):
            raise DuplicateEventError(event.id)
        logger.info(
            "webhook message published",
            extra={"tenant_id": tenant_id, "message_id": event.id, "event_type": event.event_type},
        )
        return WebhookPublished(id=event.id)

    def _message(self, tenant_id: str, message_id: str) -> dict[str, Any]:
        item = self.store.get_message(message_id)
        if item is None or item.get("tenantId") != tenant_id:
            raise MessageNotFoundError(message_id)
        return item

    def get_message(self, tenant_id: str, message_id: str) -> WebhookMessage:
        item = self._message(tenant_id, message_id)
        states = self.store.deliveries(tenant_id, message_id)
        deliveries = [delivery_view(endpoint_id, state) for endpoint_id, state in sorted(states.items())]
        dispatched = bool(states) or bool(item.get("dispatchedAt"))
        return WebhookMessage(
            id=item["id"],
            event_type=item["eventType"],
            event_id=item.get("eventId"),
            subject=item.get("subject"),
            payload=json.loads(item["payload"]),
            created_at=item["createdAt"],
            status=message_status(dispatched, deliveries),
            deliveries=deliveries,
        )

    def replay(self, tenant_id: str, message_id: str, request: Replay) -> WebhookQueued:
        self._message(tenant_id, message_id)
        if request.endpoint_id is not None:
            self._endpoint(tenant_id, request.endpoint_id)
            targets = [request.endpoint_id]
        else:
            targets = []
        states = self.store.deliveries(tenant_id, message_id)
        targets = targets or sorted(states)
        trigger: Trigger = "replay"
        tasks = [
            DeliveryTask(
                tenant_id=tenant_id,
                message_id=message_id,
                endpoint_id=endpoint_id,
                round=int(states.get(endpoint_id, {}).get("round", 0)) + 1,
                trigger=trigger,
            )
            for endpoint_id in targets
        ]
        self.tasks.send(tasks)
        logger.info(
            "webhook replay queued",
            extra={"tenant_id": tenant_id, "message_id": message_id, "endpoints": len(tasks)},
        )
        return WebhookQueued(queued=len(tasks))


def attempt_view(item: dict[str, Any]) -> WebhookAttempt:
    status_code = item.get("statusCode")
    return WebhookAttempt(
        message_id=item["messageId"],
        event_type=item.get("eventType"),
        attempt=int(item["attempt"]),
        round=int(item.get("round", 0)),
        trigger=item.get("trigger", "initial"),
        duration_ms=int(item.get("durationMs", 0)),
        response=item.get("response", ""),
        at=item["at"],
        status_code=None if status_code is None else int(status_code),
        error=item.get("error") or None,
    )


def delivery_view(endpoint_id: str, state: dict[str, Any] | None) -> WebhookDelivery:
    if state is None:
        return WebhookDelivery(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING, attempts=0)
    status_code = state.get("statusCode")
    return WebhookDelivery(
        endpoint_id=endpoint_id,
        status=state["status"],
        attempts=int(state.get("attempts", 0)),
        round=int(state.get("round", 0)),
        last_attempt_at=state.get("lastAttemptAt"),
        status_code=None if status_code is None else int(status_code),
        error=state.get("error"),
        next_attempt_at=state.get("nextAttemptAt"),
        delivered_at=state.get("deliveredAt"),
    )


def message_status(dispatched: bool, deliveries: list[WebhookDelivery]) -> MessageStatus:
    """queued (not fanned out yet), no_endpoints (no endpoint takes it), pending (a delivery is still
    going), delivered (to every endpoint), or failed (exhausted or cancelled somewhere)."""
    if not dispatched:
        return "queued"
    if not deliveries:
        return "no_endpoints"
    statuses = {d.status for d in deliveries}
    if statuses & {DeliveryStatus.PENDING, DeliveryStatus.RETRYING}:
        return "pending"
    if statuses <= {DeliveryStatus.DELIVERED}:
        return "delivered"
    return "failed"


def event_types() -> WebhookEventTypes:
    return WebhookEventTypes(
        items=[WebhookEventType(name=e.name, description=e.description, example=e.example) for e in CATALOGUE]
    )
