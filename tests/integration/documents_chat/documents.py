"""READY documents for the chat tests, made by the real pipeline: the upload is created through the
documents API, the generated PDF put where the browser's presigned POST puts it, the ingest function
takes its S3 event and the indexer its queue message (documents-core's helpers in
tests/integration/documents/support.py)."""

from __future__ import annotations

from benchmarks.document_chat_eval import EvalDocument, pdf_bytes
from tests.integration.documents.support import call, ingest, put_pdf, run_indexer
from tests.support.harness import StackHarness


def ready_document(stack: StackHarness, document: EvalDocument, owner: str) -> str:
    data = pdf_bytes(document)
    status, created = call(
        stack, "POST", "/documents/uploads", {"fileName": document.name, "sizeBytes": len(data)}, owner=owner
    )
    assert status == 201, created
    document_id = put_pdf(
        stack, data, owner=owner, document_id=str(created["documentId"]), name=document.name
    )
    ingest(stack, document_id, owner=owner)
    run_indexer(stack)
    status, found = call(stack, "GET", f"/documents/{document_id}", owner=owner)
    assert (status, found["status"]) == (200, "READY"), found
    return document_id
