"""Settings and the index request (the ingest function's message)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stratus_shared.config import Settings

MEGABYTE = 1024 * 1024
# More chunks than this (about 5,000 dense pages) would not embed within one 15-minute run.
MAX_CHUNKS = 20_000
# The queue's maxReceiveCount: the last receive ends the document FAILED instead of raising again.
MAX_RECEIVES = 3


class IndexerSettings(Settings):
    table_name: str = Field(alias="DOCUMENTS_TABLE", min_length=3)
    bucket_name: str = Field(alias="DOCUMENTS_BUCKET", min_length=3)
    max_upload_megabytes: int = Field(default=100, alias="MAX_UPLOAD_MEGABYTES", ge=1)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_megabytes * MEGABYTE


class IndexRequest(BaseModel):
    ownerId: str
    documentId: str
    bucket: str | None = None
    key: str | None = None
    versionId: str | None = None
    sizeBytes: int | None = None
