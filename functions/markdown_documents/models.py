"""Settings, the request and the answer of POST /documents/markdown."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from stratus_shared.config import Settings

MAX_TITLE_CHARACTERS = 200


class MarkdownSettings(Settings):
    table_name: str = Field(alias="DOCUMENTS_TABLE", min_length=3)
    bucket_name: str = Field(alias="DOCUMENTS_BUCKET", min_length=3)
    max_markdown_kilobytes: int = Field(default=512, alias="MAX_MARKDOWN_KILOBYTES", ge=1, le=5120)

    @property
    def max_markdown_bytes(self) -> int:
        return self.max_markdown_kilobytes * 1024


class CreateMarkdownDocument(BaseModel):
    """`{title, markdown}`: the title names the document and the PDF; the markdown is its body."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARACTERS)
    markdown: str = Field(min_length=1)

    @field_validator("title")
    @classmethod
    def _clean_title(cls, value: str) -> str:
        title = " ".join(value.split())
        if not title:
            raise ValueError("a title needs at least one visible character")
        if any(unicodedata.category(ch).startswith("C") for ch in title):
            raise ValueError("a title cannot hold control characters")
        return title

    @field_validator("markdown")
    @classmethod
    def _some_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the markdown is empty")
        return value


class MarkdownDocumentCreated(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    document_id: str


class MarkdownTooLargeError(Exception):
    """The markdown is over MaxMarkdownKilobytes (HTTP 400)."""

    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        super().__init__(
            f"markdown: {size_bytes / 1024:.0f} KB (UTF-8) is over the {limit_bytes // 1024} KB limit"
        )
