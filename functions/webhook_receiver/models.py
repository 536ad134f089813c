"""The receiver's settings and answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from stratus_shared.config import Settings


class ReceiverSettings(Settings):
    bucket_name: str = Field(alias="INBOUND_BUCKET_NAME")
    table_name: str = Field(alias="INBOUND_TABLE_NAME")
    secret_prefix: str = Field(alias="SOURCE_SECRET_PREFIX")
    max_body_bytes: int = Field(alias="MAX_BODY_BYTES", default=6 * 1024 * 1024)
    retention_days: int = Field(alias="RETENTION_DAYS", default=30)
    secret_cache_seconds: float = Field(alias="SECRET_CACHE_SECONDS", default=300.0)


@dataclass(frozen=True)
class Answer:
    status: int
    message: str
    webhook_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class ReceiverEvent(BaseModel):
    """The parts of API Gateway's proxy event the receiver reads (validated at the edge)."""

    model_config = ConfigDict(extra="ignore")

    headers: dict[str, str | None] | None = None
    pathParameters: dict[str, str | None] | None = None
    body: str | None = None
    isBase64Encoded: bool | None = False
