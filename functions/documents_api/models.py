"""Settings, requests and answers of the documents API (issue 9's contract with the web app)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stratus_shared.config import Settings

MEGABYTE = 1024 * 1024


class ApiSettings(Settings):
    table_name: str = Field(alias="DOCUMENTS_TABLE", min_length=3)
    bucket_name: str = Field(alias="DOCUMENTS_BUCKET", min_length=3)
    max_upload_megabytes: int = Field(default=100, alias="MAX_UPLOAD_MEGABYTES", ge=1, le=5120)
    upload_expires_seconds: int = Field(default=900, alias="UPLOAD_EXPIRES_SECONDS", ge=60, le=3600)
    download_expires_seconds: int = Field(default=300, alias="DOWNLOAD_EXPIRES_SECONDS", ge=10, le=3600)
    # Set by the conversations section (documents-chat): deleting a document deletes the conversations
    # that cite only it, through stratus_shared.conversations.
    conversations_table: str = Field(default="", alias="CONVERSATIONS_TABLE")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_megabytes * MEGABYTE


class CreateUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fileName: str = Field(min_length=1, max_length=255, description="The PDF's file name, shown in the list.")
    sizeBytes: int = Field(ge=1, description="The file's size; over MaxUploadMegabytes is refused at once.")


class UploadForm(BaseModel):
    url: str
    fields: dict[str, str]


class UploadCreated(BaseModel):
    documentId: str
    upload: UploadForm


class DocumentItem(BaseModel):
    documentId: str
    name: str
    status: Literal["UPLOADED", "PROCESSING", "READY", "FAILED"]
    failureReason: str | None = None
    pages: int | None = None
    imageOnlyPages: int | None = None
    sizeBytes: int | None = None
    title: str | None = None
    source: str = "upload"
    createdAt: str
    updatedAt: str | None = None
    downloadUrl: str | None = None


class DocumentList(BaseModel):
    items: list[DocumentItem]


class InvalidRequestError(Exception):
    """Well-formed but unacceptable input (HTTP 400); the message names the field."""


class DocumentNotFoundError(Exception):
    """No such document for this caller (HTTP 404; another user's document is the same)."""
