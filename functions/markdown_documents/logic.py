"""Write markdown, get a PDF among your documents: render, record the item, store the PDF.

The S3 notification on the stored PDF runs the same ingestion and indexing as an upload, which moves
the document UPLOADED -> PROCESSING -> READY (or FAILED with a reason), keeping its name and source.
"""

from __future__ import annotations

from typing import Protocol

from models import CreateMarkdownDocument, MarkdownDocumentCreated, MarkdownSettings, MarkdownTooLargeError
from renderer import render_pdf

from stratus_shared import documents
from stratus_shared.identity import Caller
from stratus_shared.observability import logger, metrics


class Store(Protocol):
    def create_item(self, doc: documents.Document) -> None: ...

    def put_pdf(self, owner_id: str, document_id: str, content: bytes, *, name: str) -> None: ...

    def forget(self, doc: documents.Document) -> None: ...


def create_markdown_document(
    who: Caller, request: CreateMarkdownDocument, settings: MarkdownSettings, store: Store
) -> MarkdownDocumentCreated:
    size = len(request.markdown.encode("utf-8"))
    if size > settings.max_markdown_bytes:
        raise MarkdownTooLargeError(size, settings.max_markdown_bytes)
    rendered = render_pdf(request.markdown, title=request.title, author=who.display_name)
    doc = documents.Document(
        owner_id=who.sub,
        document_id=documents.new_document_id(),
        name=request.title,
        title=request.title,
        source="markdown",
        status=documents.DocumentStatus.UPLOADED,
        pages=rendered.pages,
        size_bytes=len(rendered.content),
        tenant_id=who.tenant_id if who.tenant_id != who.sub else None,
    )
    store.create_item(doc)
    try:
        store.put_pdf(doc.owner_id, doc.document_id, rendered.content, name=request.title)
    except Exception:
        logger.exception("markdown PDF not stored; the document is removed", document_id=doc.document_id)
        store.forget(doc)
        raise
    logger.info(
        "markdown document rendered",
        document_id=doc.document_id,
        pages=rendered.pages,
        markdown_bytes=size,
        pdf_bytes=len(rendered.content),
    )
    metrics.add_metric(name="MarkdownDocumentsRendered", unit="Count", value=1)
    metrics.add_metric(name="MarkdownPagesRendered", unit="Count", value=rendered.pages)
    return MarkdownDocumentCreated(document_id=doc.document_id)
