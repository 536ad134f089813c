"""Index one document: extract every page, chunk within pages, embed, write the index, end READY.

Every outcome ends the document: READY, or FAILED with a reason. A failure that may pass (Bedrock
throttling, a network error) is raised so SQS delivers the message again; on its last receive the
document ends FAILED (INTERNAL) instead. A crash or timeout that never reaches this code ends in
the dead-letter queue, whose consumer ends the document FAILED too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from models import MAX_CHUNKS, IndexerSettings, IndexRequest

from stratus_shared import document_index, documents, embeddings, pdf_text
from stratus_shared.documents import Document, FailureReason
from stratus_shared.observability import logger, metrics


class RetryableIndexError(Exception):
    """Indexing failed in a way a later attempt may not (the message is delivered again)."""


class RefusedError(Exception):
    """The document cannot be indexed: it ends FAILED with this reason."""

    def __init__(
        self, reason: FailureReason, pages: int | None = None, image_only: int | None = None
    ) -> None:
        super().__init__(reason.value)
        self.reason, self.pages, self.image_only = reason, pages, image_only


@dataclass(frozen=True)
class Outcome:
    status: str  # READY, FAILED, SKIPPED
    reason: str | None = None
    pages: int = 0
    chunks: int = 0


def _fail(
    doc: Document, reason: FailureReason, *, pages: int | None = None, image_only: int | None = None
) -> Outcome:
    documents.mark_failed(doc, reason, pages=pages, image_only_pages=image_only)
    metrics.add_metric(name="DocumentsFailed", unit="Count", value=1)
    logger.info("document failed", document_id=doc.document_id, reason=reason.value)
    return Outcome("FAILED", reason.value, pages or 0)


def index_document(settings: IndexerSettings, request: IndexRequest, *, last_attempt: bool) -> Outcome:
    doc = documents.start_processing(request.ownerId, request.documentId)
    if doc is None:
        logger.info("document gone or already ended; message dropped", document_id=request.documentId)
        return Outcome("SKIPPED")
    try:
        return _index(settings, doc)
    except RefusedError as refused:
        return _fail(doc, refused.reason, pages=refused.pages, image_only=refused.image_only)
    except Exception as exc:
        if isinstance(exc, RetryableIndexError) and not last_attempt:
            logger.warning("indexing will be retried", document_id=doc.document_id, error=str(exc))
            raise
        logger.exception("indexing failed", document_id=doc.document_id)
        return _fail(doc, FailureReason.INTERNAL)


def _index(settings: IndexerSettings, doc: Document) -> Outcome:
    started = time.perf_counter()
    head = documents.head_pdf(doc.owner_id, doc.document_id, bucket=settings.bucket_name)
    if head is None:
        raise RefusedError(FailureReason.INVALID_PDF)
    if int(head.get("ContentLength", 0)) > settings.max_upload_bytes:
        raise RefusedError(FailureReason.TOO_LARGE)
    data = documents.read_pdf(doc.owner_id, doc.document_id, bucket=settings.bucket_name)
    try:
        pages = list(pdf_text.page_texts(data))
    except pdf_text.PdfRejectedError as rejected:
        raise RefusedError(rejected.reason) from rejected
    del data
    image_only = sum(1 for _, text in pages if not pdf_text.has_text(text))
    if image_only == len(pages):
        raise RefusedError(FailureReason.NO_TEXT, len(pages), image_only)
    chunks = document_index.chunk_pages((number, text) for number, text in pages if pdf_text.has_text(text))
    extracted = time.perf_counter()
    if len(chunks) > MAX_CHUNKS:
        raise RefusedError(FailureReason.TOO_LARGE, len(pages))
    embedder = embeddings.embedder()
    try:
        vectors = embedder.embed_documents([chunk.text for chunk in chunks])
    except embeddings.EmbeddingAccessDeniedError as exc:
        raise RefusedError(FailureReason.MODEL_ACCESS_DENIED, len(pages)) from exc
    except embeddings.EmbeddingUnavailableError as exc:
        raise RetryableIndexError(str(exc)) from exc
    embedded = time.perf_counter()
    index = document_index.build_index(
        doc.document_id, chunks, vectors, model_id=embedder.model_id, pages=len(pages)
    )
    document_index.write_index(doc.owner_id, index, bucket=settings.bucket_name)
    if not documents.mark_ready(doc, pages=len(pages), image_only_pages=image_only, chunks=len(chunks)):
        # Deleted (or ended by the dead-letter consumer) while indexing: leave nothing behind.
        if documents.get_document(doc.owner_id, doc.document_id) is None:
            documents.delete_index(doc.owner_id, doc.document_id, bucket=settings.bucket_name)
        return Outcome("SKIPPED")
    metrics.add_metric(name="DocumentsIndexed", unit="Count", value=1)
    metrics.add_metric(name="DocumentPagesIndexed", unit="Count", value=len(pages))
    logger.info(
        "document ready",
        document_id=doc.document_id,
        pages=len(pages),
        image_only_pages=image_only,
        chunks=len(chunks),
        extract_seconds=round(extracted - started, 3),
        embed_seconds=round(embedded - extracted, 3),
        write_seconds=round(time.perf_counter() - embedded, 3),
        embedding_model=embedder.model_id,
    )
    return Outcome("READY", pages=len(pages), chunks=len(chunks))
