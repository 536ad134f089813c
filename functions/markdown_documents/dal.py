"""Where a markdown document goes: its item through stratus_shared.documents (the one data-access module
for DocumentsTable), its PDF into DocumentsBucket with the metadata ingestion reads."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from stratus_shared import aws, documents
from stratus_shared.observability import logger

PDF_SOURCE = "markdown"


class DocumentStore:
    """The two writes a markdown document needs, and the undo when the second fails."""

    def __init__(self, bucket_name: str) -> None:
        self.bucket_name = bucket_name

    def create_item(self, doc: documents.Document) -> None:
        documents.put_new_document(doc)

    def put_pdf(self, owner_id: str, document_id: str, content: bytes, *, name: str) -> None:
        """`ugc/<owner>/<document>/document.pdf`, encrypted at rest (SSE-S3, the bucket's default too),
        with `x-amz-meta-source: markdown` and the name (S3 metadata is US-ASCII: anything else becomes
        `?`; the item keeps the real name, which ingestion never overwrites)."""
        extra: dict[str, Any] = {
            "ContentType": "application/pdf",
            "ServerSideEncryption": "AES256",
            "Metadata": {"source": PDF_SOURCE, "name": name.encode("ascii", "replace").decode()[:200]},
        }
        aws.client("s3").put_object(
            Bucket=self.bucket_name, Key=documents.object_key(owner_id, document_id), Body=content, **extra
        )

    def forget(self, doc: documents.Document) -> None:
        """A half-made document must not stay UPLOADED for ever: remove it (item and any object), or, when
        even that fails, end it FAILED (INTERNAL) where its owner and the logs show it."""
        try:
            documents.delete_document(doc.owner_id, doc.document_id)
        except (BotoCoreError, ClientError):
            logger.exception(
                "could not remove the half-made document; marking it FAILED", document_id=doc.document_id
            )
            documents.mark_failed(doc, documents.FailureReason.INTERNAL)
