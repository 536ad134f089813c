"""Settings and the index request the ingest function sends to the indexer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stratus_shared.config import Settings

MEGABYTE = 1024 * 1024


class IngestSettings(Settings):
    table_name: str = Field(alias="DOCUMENTS_TABLE", min_length=3)
    queue_url: str = Field(alias="INGEST_QUEUE_URL", min_length=8)
    max_upload_megabytes: int = Field(default=100, alias="MAX_UPLOAD_MEGABYTES", ge=1)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_megabytes * MEGABYTE


class IndexRequest(BaseModel):
    """The ingest queue's message body (also what the dead-letter consumer reads back)."""

    ownerId: str
    documentId: str
    bucket: str
    key: str
    versionId: str | None = None
    sizeBytes: int
