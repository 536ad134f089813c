"""What the documents routes do, in terms of stratus_shared.documents (the only boto3 code)."""

from __future__ import annotations

import importlib
from typing import Any

from models import ApiSettings, CreateUpload, DocumentNotFoundError, InvalidRequestError

from stratus_shared import documents
from stratus_shared.observability import logger


def _safe_name(file_name: str) -> str:
    """The file name as shown: its last path segment, control characters dropped."""
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if not name:
        raise InvalidRequestError("fileName: must name a file")
    return name


def create_upload(
    settings: ApiSettings, owner_id: str, tenant_id: str, request: CreateUpload
) -> dict[str, Any]:
    if request.sizeBytes > settings.max_upload_bytes:
        limit = settings.max_upload_megabytes
        raise InvalidRequestError(f"sizeBytes: {request.sizeBytes} bytes is over the {limit} MB upload limit")
    name = _safe_name(request.fileName)
    if not name.lower().endswith(".pdf"):
        raise InvalidRequestError("fileName: only PDF files (.pdf) can be uploaded")
    document_id = documents.new_document_id()
    doc = documents.Document(
        owner_id=owner_id,
        document_id=document_id,
        name=name,
        size_bytes=request.sizeBytes,
        source="upload",
        tenant_id=tenant_id if tenant_id != owner_id else None,
    )
    documents.put_new_document(doc)
    upload = documents.presigned_upload(
        owner_id,
        document_id,
        max_bytes=settings.max_upload_bytes,
        name=name,
        expires_in=settings.upload_expires_seconds,
        bucket=settings.bucket_name,
    )
    logger.info("upload created", document_id=document_id, size_bytes=request.sizeBytes)
    return {"documentId": document_id, "upload": upload}


def list_documents(owner_id: str) -> dict[str, Any]:
    return {"items": [doc.to_api() for doc in documents.list_documents(owner_id)]}


def _owned(owner_id: str, document_id: str) -> documents.Document:
    if not documents.valid_document_id(document_id):
        raise DocumentNotFoundError(document_id)
    doc = documents.get_document(owner_id, document_id)
    if doc is None:
        raise DocumentNotFoundError(document_id)
    return doc


def get_document(settings: ApiSettings, owner_id: str, document_id: str) -> dict[str, Any]:
    doc = _owned(owner_id, document_id)
    body = doc.to_api()
    if doc.status != documents.DocumentStatus.UPLOADED or doc.pages is not None:
        body["downloadUrl"] = documents.download_url(
            doc, expires_in=settings.download_expires_seconds, bucket=settings.bucket_name
        )
    return body


def _forget_conversations(settings: ApiSettings, owner_id: str, document_id: str) -> None:
    """Conversations that cite only this document go with it (when conversations are deployed)."""
    if not settings.conversations_table:
        return
    conversations = importlib.import_module("stratus_shared.conversations")
    store = conversations.ConversationStore(settings.conversations_table)
    store.delete_conversations_citing_only(owner_id, document_id)


def delete_document(settings: ApiSettings, owner_id: str, document_id: str) -> None:
    _owned(owner_id, document_id)
    _forget_conversations(settings, owner_id, document_id)
    documents.delete_document(owner_id, document_id)
    logger.info("document deleted", document_id=document_id)
