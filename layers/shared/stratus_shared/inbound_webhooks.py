"""Incoming webhooks: what the sources API, the receiver and the processor agree on.

A *source* is a sender an operator registered (`PUT /webhooks/sources/{source}`). Its settings and
signing secrets live together in one Secrets Manager secret (`<prefix><source>`), so the receiver
needs one cached read per source per container; the inbound table keeps the same settings without
the secrets, for listing. Each received webhook is one item `W#<source>` / `<webhook id>`, written
with a conditional put, and its raw body one S3 object under a key derived here.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMES = ("standard-webhooks", "stripe", "github", "slack", "shopify", "hmac")
Scheme = Literal["standard-webhooks", "stripe", "github", "slack", "shopify", "hmac"]
TARGETS = ("analytics",)
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_TOLERANCE_SECONDS = 300
MAX_SECRETS = 5
MAX_WEBHOOK_ID_LENGTH = 256
SOURCES_PK = "SOURCES"
STATUS_RECEIVED = "RECEIVED"
STATUS_PROCESSED = "PROCESSED"
STATUS_FAILED = "FAILED"
# The body is carried inline in the bus event up to this size (EventBridge entries stop at 256 KB).
INLINE_PAYLOAD_BYTES = 64 * 1024
# Where each scheme's event type is when the request's headers do not carry it.
DEFAULT_EVENT_TYPE_PATHS: dict[str, tuple[str, ...]] = {
    "standard-webhooks": ("type",),
    "stripe": ("type",),
    "slack": ("event.type", "type"),
    "github": (),
    "shopify": (),
    "hmac": (),
}
_PATH = re.compile(r"^(\$\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,9}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,100}$")
_EVENT_TYPE_CHARS = re.compile(r"[^A-Za-z0-9._:/-]")


class HmacSettings(BaseModel):
    """The generic scheme: which header carries the signature and how it is written."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    header: Annotated[str, Field(description="Header with the signature, e.g. X-Signature")]
    algorithm: Literal["sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: Annotated[str, Field(max_length=20, description="Text before the signature, e.g. sha256=")] = ""
    timestampHeader: Annotated[
        str | None, Field(description="Header with a Unix timestamp; then `<timestamp>.<body>` is signed")
    ] = None
    idHeader: Annotated[str | None, Field(description="Header with the sender's delivery id")] = None
    eventTypeHeader: Annotated[str | None, Field(description="Header naming the event type")] = None

    @field_validator("header", "timestampHeader", "idHeader", "eventTypeHeader")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        if value is not None and not _HEADER.match(value):
            raise ValueError("a header name: letters, digits and '-', up to 100")
        return value


class SourceSettings(BaseModel):
    """A source without its secrets: what GET /webhooks/sources lists."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    scheme: Scheme
    toleranceSeconds: Annotated[int, Field(ge=1, le=86400)] = DEFAULT_TOLERANCE_SECONDS
    eventTypePath: Annotated[
        str | None, Field(description="Dotted path into the JSON body naming the event type, e.g. data.kind")
    ] = None
    targets: Annotated[list[Literal["analytics"]], Field(max_length=len(TARGETS))] = []
    hmac: HmacSettings | None = None

    @field_validator("eventTypePath")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not _PATH.match(value):
            raise ValueError("a dotted path such as type or data.object.kind (optionally starting $.)")
        return value.removeprefix("$.") if value else None

    @field_validator("targets")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _hmac_needs_settings(self) -> SourceSettings:
        if self.scheme == "hmac" and self.hmac is None:
            raise ValueError("the hmac scheme needs its hmac settings (header, algorithm, encoding ...)")
        if self.scheme != "hmac" and self.hmac is not None:
            raise ValueError(f"hmac settings are for the hmac scheme, not {self.scheme}")
        return self


class SourceSecret(SourceSettings):
    """Settings and secrets: the Secrets Manager secret's JSON, read by the receiver only."""

    secrets: Annotated[list[Annotated[str, Field(min_length=1, max_length=1024)]], Field(min_length=1)]


def valid_source_name(name: str) -> bool:
    return bool(SOURCE_NAME.match(name))


def secret_name(prefix: str, source: str) -> str:
    return f"{prefix}{source}"


def webhook_pk(source: str) -> str:
    return f"W#{source}"


def object_key(source: str, webhook_id: str) -> str:
    """The body's S3 key: derived by the service, never the sender's id as a path (`../x` stays inside
    `in/<source>/`). The same webhook always gets the same key, so a duplicate cannot add an object."""
    digest = hashlib.sha256(f"{source}\n{webhook_id}".encode()).hexdigest()
    return f"in/{source}/{digest[:2]}/{digest}"


def clean_event_type(value: object) -> str:
    """An event type fit for a detail-type (`<source>.<type>`): printable, at most 100 characters."""
    text = _EVENT_TYPE_CHARS.sub("_", str(value).strip())[:100]
    return text or "unknown"


def detail_type(source: str, event_type: str) -> str:
    return f"{source}.{event_type}"[:128]
