"""The webhook table's keys and the delivery task: the vocabulary the API, dispatcher and sender share.

One table (`pk`, `sk`), every key starting with the tenant, so a tenant's request can only ever name its
own items:

| item | pk | sk |
|---|---|---|
| endpoint | `T#<tenant>` | `EP#<endpointId>` |
| delivery state of a message to an endpoint | `T#<tenant>#M#<messageId>` | `D#<endpointId>` |
| attempt (newest first) | `T#<tenant>#E#<endpointId>` | `A#<at>#<messageId>#<round>.<attempt>` |
| publish quota, one per minute | `T#<tenant>` | `QUOTA#<minute>` |
| rate-limit counter, one per second | `T#<tenant>#E#<endpointId>` | `RATE#<second>` |

Messages themselves are the outbox items (stratus_shared.webhooks).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The Standard Webhooks schedule: the first attempt at once, then these waits after each failure.
RETRY_SCHEDULE_SECONDS: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS = len(RETRY_SCHEDULE_SECONDS) + 1


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued, not attempted yet
    RETRYING = "retrying"  # an attempt failed; the next one is scheduled
    DELIVERED = "delivered"
    EXHAUSTED = "exhausted"  # every attempt of the schedule failed
    CANCELLED = (
        "cancelled"  # not sent: the endpoint was disabled (410, failing for days, by its owner) or deleted
    )


Trigger = Literal["initial", "retry", "replay", "recover"]


class DeliveryTask(BaseModel):
    """One SQS message on the delivery queue: deliver message M to endpoint E (attempt A of round R).

    Round 0 is the fan-out; each replay or recover starts a new round with its own full schedule. The
    sender drops a task whose (round, attempt) the delivery state has already passed (a duplicate)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    tenant_id: str = Field(alias="tenantId", min_length=1)
    message_id: str = Field(alias="messageId", min_length=1)
    endpoint_id: str = Field(alias="endpointId", min_length=1)
    round: int = Field(default=0, ge=0)
    attempt: int = Field(default=1, ge=1, le=MAX_ATTEMPTS)
    trigger: Trigger = "initial"

    def body(self) -> str:
        return self.model_dump_json(by_alias=True)

    def next_attempt(self) -> DeliveryTask:
        return self.model_copy(update={"attempt": self.attempt + 1, "trigger": "retry"})


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def endpoint_sk(endpoint_id: str) -> str:
    return f"EP#{endpoint_id}"


def message_pk(tenant_id: str, message_id: str) -> str:
    return f"T#{tenant_id}#M#{message_id}"


def delivery_sk(endpoint_id: str) -> str:
    return f"D#{endpoint_id}"


def attempts_pk(tenant_id: str, endpoint_id: str) -> str:
    return f"T#{tenant_id}#E#{endpoint_id}"


def attempt_sk(at: str, message_id: str, round_: int, attempt: int) -> str:
    return f"A#{at}#{message_id}#{round_}.{attempt}"


def quota_sk(minute: int) -> str:
    return f"QUOTA#{minute}"


def rate_sk(second: int) -> str:
    return f"RATE#{second}"


def key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}
