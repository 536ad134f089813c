"""An object arrived under ugc/: check it is one of ours, read its metadata, record it, queue it."""

from __future__ import annotations

from urllib.parse import unquote, unquote_plus

import dal
from aws_lambda_powertools.utilities.parser.models import S3Model
from models import IndexRequest, IngestSettings

from stratus_shared import documents, pdf_text
from stratus_shared.documents import FailureReason
from stratus_shared.observability import logger, metrics


def _name(metadata: dict[str, str], document_id: str) -> str:
    name = unquote(metadata.get("name", "")).strip()
    return name[:255] if name else "document.pdf"


def ingest(settings: IngestSettings, bucket: str, key: str, version_id: str | None) -> str:
    """What happened to the object: `ignored`, `queued` or `failed:<reason>`."""
    parsed = documents.parse_object_key(key)
    if parsed is None:
        logger.warning("object is not a document key; ignored", key=key)
        return "ignored"
    owner_id, document_id = parsed
    head = documents.head_pdf(owner_id, document_id, bucket=bucket)
    if head is None:
        logger.info("object is gone (deleted after upload); nothing to do", document_id=document_id)
        return "ignored"
    metadata = {k.lower(): v for k, v in head.get("Metadata", {}).items()}
    source: documents.Source = "markdown" if metadata.get("source") == "markdown" else "upload"
    size = int(head.get("ContentLength", 0))
    reason: FailureReason | None = None
    info: pdf_text.PdfInfo | None = None
    if size > settings.max_upload_bytes:
        reason = FailureReason.TOO_LARGE
    else:
        data = documents.read_pdf(owner_id, document_id, bucket=bucket)
        try:
            info = pdf_text.info(data)
        except pdf_text.PdfRejectedError as rejected:
            reason = rejected.reason
    doc = documents.record_upload(
        owner_id,
        document_id,
        name=_name(metadata, document_id),
        source=source,
        size_bytes=size,
        pages=info.pages if info else None,
        title=info.title if info else None,
    )
    if reason is not None:
        documents.mark_failed(doc, reason)
        metrics.add_metric(name="DocumentsFailed", unit="Count", value=1)
        logger.info("document refused", document_id=document_id, reason=reason.value, size_bytes=size)
        return f"failed:{reason.value}"
    dal.send_index_request(
        settings.queue_url,
        IndexRequest(
            ownerId=owner_id,
            documentId=document_id,
            bucket=bucket,
            key=key,
            versionId=version_id,
            sizeBytes=size,
        ),
    )
    logger.info("document queued for indexing", document_id=document_id, pages=doc.pages, size_bytes=size)
    return "queued"


def records(event: S3Model) -> list[tuple[str, str, str | None]]:
    """(bucket, key, version) of each ObjectCreated record (keys arrive form-encoded)."""
    found = []
    for record in event.Records:
        created = record.s3.object
        if created is None or not record.eventName.startswith("ObjectCreated"):
            continue
        found.append((record.s3.bucket.name, unquote_plus(created.key), created.versionId))
    return found
