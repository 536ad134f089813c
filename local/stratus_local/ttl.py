"""DynamoDB Time to Live, swept against the local cloud's clock.

moto stores a table's TTL setting but never expires items. The sweeper deletes every item whose TTL
attribute (a Number of epoch seconds, as DynamoDB requires; anything else is ignored, as DynamoDB
does) is in the past on the cloud's clock. Real TTL deletes are done by the DynamoDB service, and
their stream REMOVE records carry `userIdentity: {type: Service, principalId: dynamodb.amazonaws.com}`
- the field event filters use to tell an expiry from a user's delete. moto's records never carry it,
so the sweeper deletes through moto's table model and marks the records its own deletes produce.

Time frames: functions (and tests) compute TTLs from the wall clock, while the cloud's clock may be
ahead of it by `clock.offset`. An item written while the offset was X was written X later in the
cloud's time, so its TTL is read as `ttl + X`. Every item is stamped with the offset current when it
was last written; that keeps a user who signs in after `advance(91 days)` from expiring at once.
"""

from __future__ import annotations

import threading
from decimal import Decimal, InvalidOperation
from typing import Any

from stratus_local.clock import Clock

# As the DynamoDB Streams API spells it; Lambda's event spells it {"type", "principalId"}.
TTL_USER_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}

_OFFSET_ATTRIBUTE = "_stratus_clock_offset"
_sweeping = threading.local()
_patched = False
_patch_lock = threading.Lock()
_clock: Clock | None = None


def _current_offset() -> float:
    return _clock.offset if _clock is not None else 0.0


def _install() -> None:
    """Patch moto once: stamp writes with the clock offset, mark the sweeper's REMOVE records."""
    global _patched  # noqa: PLW0603
    with _patch_lock:
        if _patched:
            return
        from moto.dynamodb import models as dynamodb_models
        from moto.dynamodb.models import dynamo_type
        from moto.dynamodb.models import table as table_models

        original_record = table_models.StreamRecord.__init__

        def record_init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_record(self, *args, **kwargs)
            if getattr(_sweeping, "active", False) and self.record["eventName"] == "REMOVE":
                self.record["userIdentity"] = dict(TTL_USER_IDENTITY)

        table_models.StreamRecord.__init__ = record_init  # type: ignore[method-assign]

        original_item = dynamo_type.Item.__init__

        def item_init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_item(self, *args, **kwargs)
            setattr(self, _OFFSET_ATTRIBUTE, _current_offset())

        dynamo_type.Item.__init__ = item_init  # type: ignore[method-assign]

        original_update = dynamodb_models.DynamoDBBackend.update_item

        def update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
            item = original_update(self, *args, **kwargs)  # updates change the item in place
            if item is not None:
                setattr(item, _OFFSET_ATTRIBUTE, _current_offset())
            return item

        dynamodb_models.DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
        _patched = True


class TtlSweeper:
    """Expire items of every TTL-enabled table in one account and region."""

    def __init__(self, clock: Clock, account_id: str, region: str) -> None:
        global _clock  # noqa: PLW0603 - one local cloud per process owns moto's backends
        _install()
        _clock = clock
        self.clock = clock
        self.account_id = account_id
        self.region = region
        self.deleted = 0

    def sweep(self) -> int:
        """Delete what has expired; return how many items were deleted."""
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[self.account_id][self.region]
        now = self.clock.now()
        count = 0
        for table in list(backend.tables.values()):
            ttl = getattr(table, "ttl", {}) or {}
            if ttl.get("TimeToLiveStatus") != "ENABLED" or not ttl.get("AttributeName"):
                continue
            expired = [item for item in table.all_items() if _expires_at(item, ttl["AttributeName"], now)]
            _sweeping.active = True
            try:
                for item in expired:
                    if table.delete_item(item.hash_key, item.range_key) is not None:
                        count += 1
            finally:
                _sweeping.active = False
        self.deleted += count
        return count


def _expires_at(item: Any, attribute: str, now: float) -> bool:
    value = item.attrs.get(attribute)
    if value is None or value.type != "N":
        return False
    try:
        written_offset = Decimal(str(getattr(item, _OFFSET_ATTRIBUTE, 0.0)))
        return Decimal(value.value) + written_offset < Decimal(str(now))
    except InvalidOperation:
        return False
