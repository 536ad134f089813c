"""An EventBridge event from another capability -> one outbox message for the operator tenant.

The message id derives from the EventBridge event id, so an event EventBridge delivers twice (it
delivers at least once) becomes one message: the second write fails its condition and is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from models import RelaySettings

from stratus_shared.webhooks import OutboxEvent, outbox_event

# (source, detail-type) -> webhook event type. Capabilities that publish on EventBridge add theirs.
RELAYED = {
    ("stratus.inactive-user-remediation", "Inactive User Disabled"): ("user.disabled", "/stratus/remediation")
}


class NotRelayedError(Exception):
    """The event is not one this relay translates (the rule's pattern should have kept it out)."""


class Outbox(Protocol):
    def put(self, event: OutboxEvent) -> bool: ...


def relay(
    event: EventBridgeModel, settings: RelaySettings, outbox: Outbox, now: Callable[[], datetime]
) -> dict[str, Any]:
    mapping = RELAYED.get((event.source, event.detail_type))
    if mapping is None:
        raise NotRelayedError(f"{event.source} / {event.detail_type}")
    event_type, source = mapping
    detail = dict(event.detail) if isinstance(event.detail, dict) else {}
    message = outbox_event(
        settings.operator_tenant_id,
        event_type,
        detail,
        now=now(),
        event_id=f"eventbridge:{event.id}",
        subject=str(detail.get("sub") or detail.get("username") or "") or None,
        source=source,
        retention_days=settings.retention_days,
    )
    created = outbox.put(message)
    return {"messageId": message.id, "created": created}
