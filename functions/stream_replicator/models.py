"""Typed values the replicator passes between its layers."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from stratus_shared.config import Settings


class ReplicatorSettings(Settings):
    """Environment the template gives the replicator."""

    target_table_name: str = Field(alias="TARGET_TABLE_NAME", min_length=3)
    # Empty = the table is in this account; otherwise the role to assume in the analytics account.
    target_role_arn: str = Field(default="", alias="TARGET_ROLE_ARN")
    target_external_id: str = Field(default="", alias="TARGET_EXTERNAL_ID")
    poison_queue_url: str = Field(alias="POISON_QUEUE_URL", min_length=1)
    max_write_attempts: int = Field(default=6, alias="MAX_WRITE_ATTEMPTS", ge=1, le=20)


@dataclass(frozen=True)
class ReplicaItem:
    """One Kinesis record as the replica table stores it (attributes are DynamoDB-ready Python values)."""

    sequence_number: str
    shard_id: str
    attributes: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.attributes["seqNumbershardIdHash"], self.sequence_number)


@dataclass(frozen=True)
class PoisonRecord:
    """A record that can never be stored, with what an operator needs to find and judge it."""

    sequence_number: str
    shard_id: str
    reason: str
    event_source_arn: str = ""
    partition_key: str = ""
    approximate_arrival_timestamp: float | None = None
    data_base64: str | None = None
    data_bytes: int = 0


@dataclass
class WriteOutcome:
    """What the table did with a set of items: left unwritten (retry later) or refused outright."""

    unwritten: list[ReplicaItem] = field(default_factory=list)
    rejected: list[tuple[ReplicaItem, str]] = field(default_factory=list)


@dataclass
class ReplicationResult:
    written: int
    poisoned: list[PoisonRecord]
    # Sequence numbers Lambda must retry from (items still unwritten after the bounded retries).
    failed_sequence_numbers: list[str]
