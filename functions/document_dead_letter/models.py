"""Settings of the dead-letter consumer."""

from __future__ import annotations

from pydantic import Field

from stratus_shared.config import Settings


class DeadLetterSettings(Settings):
    table_name: str = Field(alias="DOCUMENTS_TABLE", min_length=3)
