"""Typed values the archiver passes between its layers."""

from dataclasses import dataclass

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
