"""Receive one webhook: size, source, signature over the raw bytes, then claim-check and item.

Nothing reads the body before its signature is checked, except the schemes whose delivery id is
inside it (Stripe's `id`, Slack's `event_id`), which read it after.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from models import Answer, ReceiverSettings
from verify import SignatureError, Verified, verify

from stratus_shared.inbound_webhooks import (
    STATUS_RECEIVED,
    SourceSecret,
    object_key,
    valid_source_name,
    webhook_pk,
)
from stratus_shared.observability import logger


class Sources(Protocol):
    def get(self, source: str) -> SourceSecret | None: ...

    def refresh_after_failure(self, source: str) -> SourceSecret | None: ...


class Store(Protocol):
    def put_body(self, key: str, body: bytes, content_type: str | None) -> bool: ...

    def put_item(self, item: dict[str, Any]) -> bool: ...


def raw_body(event: Mapping[str, Any], limit: int) -> bytes | None:
    """The body bytes exactly as sent (API Gateway base64-encodes them: BinaryMediaTypes */*); None
    when they are over `limit` (checked on the encoded length first, before decoding anything)."""
    text = event.get("body") or ""
    if event.get("isBase64Encoded"):
        if len(text) // 4 * 3 > limit + 3:
            return None
        try:
            body = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            body = text.encode()  # not base64 after all: what was sent is the text itself
    else:
        body = text.encode()
    return body if len(body) <= limit else None


def lower_headers(event: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items() if v is not None}


def receive(
    event: Mapping[str, Any],
    settings: ReceiverSettings,
    sources: Sources,
    store: Store,
    now: Callable[[], float],
) -> Answer:
    source_name = str((event.get("pathParameters") or {}).get("source") or "")
    if not valid_source_name(source_name):
        return Answer(404, "unknown source")
    body = raw_body(event, settings.max_body_bytes)
    if body is None:
        logger.info("webhook refused", extra={"source": source_name, "reason": "too large"})
        return Answer(413, f"body over {settings.max_body_bytes} bytes")
    source = sources.get(source_name)
    if source is None:
        logger.info("webhook refused", extra={"source": source_name, "reason": "unknown source"})
        return Answer(404, "unknown source")
    headers = lower_headers(event)
    try:
        verified = _verify(source_name, source, sources, headers, body, now=now())
    except SignatureError as refused:
        logger.info("webhook refused", extra={"source": source_name, "reason": str(refused)})
        return Answer(401, str(refused))
    return _store(source_name, source, verified, headers, body, settings=settings, store=store, now=now())


def _verify(
    name: str, source: SourceSecret, sources: Sources, headers: Mapping[str, str], body: bytes, *, now: float
) -> Verified:
    try:
        return _checked(source, headers, body, now)
    except SignatureError as refused:
        if str(refused) != "signature does not match":
            raise
        fresher = sources.refresh_after_failure(name)  # a secret rotated since this container read it
        if fresher is None:
            raise
        return _checked(fresher, headers, body, now)


def _checked(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: float) -> Verified:
    try:
        return verify(source, headers, body, now)
    except SignatureError:
        raise
    except Exception as exc:
        raise SignatureError("malformed signature headers") from exc


def _store(
    name: str,
    source: SourceSecret,
    verified: Verified,
    headers: Mapping[str, str],
    body: bytes,
    *,
    settings: ReceiverSettings,
    store: Store,
    now: float,
) -> Answer:
    received = datetime.fromtimestamp(now, tz=UTC)
    key = object_key(name, verified.webhook_id)
    content_type = headers.get("content-type")
    new_object = store.put_body(key, body, content_type)
    item: dict[str, Any] = {
        "pk": {"S": webhook_pk(name)},
        "sk": {"S": verified.webhook_id},
        "kind": {"S": "webhook"},
        "source": {"S": name},
        "webhookId": {"S": verified.webhook_id},
        "scheme": {"S": source.scheme},
        "status": {"S": STATUS_RECEIVED},
        "receivedAt": {"S": received.isoformat(timespec="milliseconds").replace("+00:00", "Z")},
        "bucket": {"S": settings.bucket_name},
        "key": {"S": key},
        "size": {"N": str(len(body))},
        "expiresAt": {"N": str(int((received + timedelta(days=settings.retention_days)).timestamp()))},
    }
    if content_type:
        item["contentType"] = {"S": content_type[:200]}
    if verified.timestamp is not None:
        item["signedAt"] = {"N": str(verified.timestamp)}
    if verified.event_type:
        item["eventType"] = {"S": verified.event_type[:200]}
    if source.eventTypePath:
        item["eventTypePath"] = {"S": source.eventTypePath}
    if source.targets:
        item["targets"] = {"SS": list(source.targets)}
    if not store.put_item(item):
        logger.info("webhook already received", extra={"source": name, "webhook_id": verified.webhook_id})
        return Answer(200, "already received", verified.webhook_id)
    logger.info(
        "webhook received",
        extra={
            "source": name,
            "webhook_id": verified.webhook_id,
            "bytes": len(body),
            "new_object": new_object,
        },
    )
    return Answer(202, "received", verified.webhook_id)
