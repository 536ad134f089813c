"""The webhook outbox: how any Stratus function publishes an event to a tenant's webhook endpoints.

A producer writes one outbox item in the same DynamoDB transaction as its own change:

    from stratus_shared import webhooks
    event = webhooks.outbox_event(tenant_id, "document.ready", {"documentId": doc_id}, event_id=doc_id)
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {...the producer's own item...}},
        webhooks.outbox_put(outbox_table_name, event),
    ])

The outbox table's stream (INSERT records only) feeds the webhook dispatcher. The item is the message
record as well: it stays until its TTL (`expiresAt`) so that a message can be replayed or recovered.
`id` is the message id every delivery carries as `webhook-id`; with an `event_id` it is derived from
(tenant, event id), so publishing the same event twice is refused by the put's condition instead of
being delivered twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# Dot-separated identifiers of [a-zA-Z0-9_] (Standard Webhooks' recommendation), e.g. document.ready.
EVENT_TYPE_PATTERN = re.compile(r"^[a-zA-Z0-9_]+(\.[a-zA-Z0-9_]+)+$")
DEFAULT_RETENTION_DAYS = 30
DEFAULT_SOURCE = "/stratus"
_MESSAGE_ID_LENGTH = 26


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    example: dict[str, Any] = field(default_factory=dict)


# The catalogue: what endpoints can subscribe to and what can be published. Capabilities add theirs here.
CATALOGUE: tuple[EventType, ...] = (
    EventType(
        "user.disabled",
        "A user was disabled for inactivity by inactive-user remediation (sent to the operator tenant).",
        {
            "username": "jane@example.com",
            "sub": "8d5b0f6e-1c2a-4b1e-9a51-0c1d2e3f4a5b",
            "userpool_id": "us-east-1_AbCdEfGhI",
            "last_sign_in": "2026-01-02T03:04:05+00:00",
            "inactive_threshold_days": 90,
            "disabled_at": "2026-04-02T03:04:06+00:00",
        },
    ),
    EventType(
        "document.ready",
        "A document finished processing and can be asked about.",
        {"documentId": "doc_01J9Z3", "name": "manual.pdf", "pages": 12},
    ),
    EventType(
        "document.failed",
        "A document could not be processed; `reason` says why.",
        {"documentId": "doc_01J9Z3", "name": "scan.pdf", "reason": "NO_TEXT"},
    ),
    EventType(
        "webhook.test",
        "A message a tenant publishes itself (POST /webhooks/messages) to try its endpoints.",
        {"hello": "world"},
    ),
)
EVENT_TYPES = {event_type.name: event_type for event_type in CATALOGUE}


class UnknownEventTypeError(ValueError):
    """The event type is not in the catalogue."""


def check_event_type(name: str) -> str:
    if name not in EVENT_TYPES:
        raise UnknownEventTypeError(f"{name!r} is not an event type (see GET /webhooks/event-types)")
    return name


def message_id(tenant_id: str, event_id: str | None = None) -> str:
    """`msg_` + 26 base32 characters: random, or derived from (tenant, event id) so a repeat is detected.

    No `.` ever appears in it (Standard Webhooks signs `{id}.{timestamp}.{body}`)."""
    if event_id is None:
        digest = secrets.token_bytes(20)
    else:
        digest = hashlib.sha256(f"{tenant_id}\x00{event_id}".encode()).digest()
    return "msg_" + base64.b32encode(digest).decode().lower()[:_MESSAGE_ID_LENGTH]


@dataclass(frozen=True)
class OutboxEvent:
    """One outbox item (the message): whose it is, what happened, and the JSON payload as sent."""

    id: str
    tenant_id: str
    event_type: str
    payload: str  # compact JSON object text; delivered verbatim as the CloudEvent's `data`
    created_at: datetime
    expires_at: int
    event_id: str | None = None
    subject: str | None = None
    source: str = DEFAULT_SOURCE

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item in attribute-value form."""
        item: dict[str, Any] = {
            "id": {"S": self.id},
            "tenantId": {"S": self.tenant_id},
            "eventType": {"S": self.event_type},
            "payload": {"S": self.payload},
            "createdAt": {"S": iso(self.created_at)},
            "expiresAt": {"N": str(self.expires_at)},
            "source": {"S": self.source},
        }
        if self.event_id is not None:
            item["eventId"] = {"S": self.event_id}
        if self.subject is not None:
            item["subject"] = {"S": self.subject}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> OutboxEvent:
        """Parse an attribute-value item (GetItem or a stream NewImage); KeyError/ValueError if malformed."""
        return cls(
            id=item["id"]["S"],
            tenant_id=item["tenantId"]["S"],
            event_type=item["eventType"]["S"],
            payload=item["payload"]["S"],
            created_at=datetime.fromisoformat(item["createdAt"]["S"]),
            expires_at=int(item["expiresAt"]["N"]),
            event_id=item.get("eventId", {}).get("S"),
            subject=item.get("subject", {}).get("S"),
            source=item.get("source", {}).get("S", DEFAULT_SOURCE),
        )

    def cloudevent(self) -> bytes:
        """The body every attempt sends: CloudEvents 1.0 structured JSON whose `data` is the payload text
        itself, spliced in unchanged, so the bytes signed are the bytes the producer gave."""
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.event_type,
            "time": iso(self.created_at),
            "datacontenttype": "application/json",
        }
        if self.subject is not None:
            envelope["subject"] = self.subject
        head = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        return (head[:-1] + ',"data":' + self.payload + "}").encode()


def compact_json(payload: Any) -> str:
    """The canonical text of a payload (compact, UTF-8, no NaN/Infinity)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def outbox_event(
    tenant_id: str,
    event_type: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    event_id: str | None = None,
    subject: str | None = None,
    source: str = DEFAULT_SOURCE,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> OutboxEvent:
    """A new outbox item for `tenant_id` (the event type must be in the catalogue)."""
    check_event_type(event_type)
    return OutboxEvent(
        id=message_id(tenant_id, event_id),
        tenant_id=tenant_id,
        event_type=event_type,
        payload=compact_json(payload),
        created_at=now,
        expires_at=int((now + timedelta(days=retention_days)).timestamp()),
        event_id=event_id,
        subject=subject,
        source=source,
    )


def outbox_put(table_name: str, event: OutboxEvent) -> dict[str, Any]:
    """The TransactWriteItems entry (also valid PutItem arguments under "Put") writing `event` once:
    a second write of the same id fails its condition (TransactionCanceled / ConditionalCheckFailed)."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": event.to_item(),
            "ConditionExpression": "attribute_not_exists(id)",
        }
    }


def iso(moment: datetime) -> str:
    """`2026-01-02T03:04:05.678Z` (UTC, milliseconds): sortable, and what CloudEvents' `time` takes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
