"""Typed values the archiver passes between its layers."""

from dataclasses import dataclass, field

from pydantic import Field

from stratus_shared.config import Settings


class ArchiverSettings(Settings):
    delivery_stream_name: str = Field(alias="DELIVERY_STREAM_NAME", min_length=1)
    max_put_attempts: int = Field(default=5, alias="MAX_PUT_ATTEMPTS", ge=1, le=20)


@dataclass(frozen=True)
class ArchiveLine:
    """One flattened item as a newline-terminated JSON line, with the stream record it came from."""

    sequence_number: str
    data: bytes


@dataclass
class ArchiveResult:
    delivered: int
    # Sequence numbers Lambda must retry from (lines Firehose still refused after the sink's retries).
    failed_sequence_numbers: list[str] = field(default_factory=list)
    # Lines over Firehose's 1,000 KiB record limit: never sent, reported to the operator instead.
    oversized_sequence_numbers: list[str] = field(default_factory=list)
