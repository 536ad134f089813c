"""Which document a dead letter is about, and ending it FAILED (INTERNAL) unless it already ended."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

from stratus_shared import documents
from stratus_shared.documents import FailureReason
from stratus_shared.observability import logger, metrics


def documents_in(body: str) -> list[tuple[str, str]]:
    """(owner, document) pairs named by a dead letter: an index request the indexer failed three
    times, or an ingest invocation Lambda gave up on (its on-failure record carries the S3 event)."""
    try:
        message = json.loads(body)
    except ValueError:
        return []
    if not isinstance(message, dict):
        return []
    if "ownerId" in message and "documentId" in message:
        return [(str(message["ownerId"]), str(message["documentId"]))]
    payload = message.get("requestPayload")
    found = []
    if isinstance(payload, dict):
        for record in payload.get("Records", []):
            key = unquote_plus(str(record.get("s3", {}).get("object", {}).get("key", "")))
            parsed = documents.parse_object_key(key)
            if parsed is not None:
                found.append(parsed)
    return found


def end_failed(owner_id: str, document_id: str) -> bool:
    doc = documents.get_document(owner_id, document_id)
    if doc is None or doc.status in {documents.DocumentStatus.READY, documents.DocumentStatus.FAILED}:
        return False
    changed = documents.mark_failed(doc, FailureReason.INTERNAL)
    if changed:
        metrics.add_metric(name="DocumentsFailed", unit="Count", value=1)
        logger.error(
            "document dead-lettered; now FAILED", document_id=document_id, status_was=doc.status.value
        )
    return changed


def handle(body: str) -> None:
    named = documents_in(body)
    if not named:
        logger.error("dead letter names no document; dropped", body=body[:500])
    for owner_id, document_id in named:
        end_failed(owner_id, document_id)
