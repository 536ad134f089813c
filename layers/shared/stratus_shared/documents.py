"""Documents (issue 9): the models and the one data-access module for DocumentsTable and DocumentsBucket.

Every function that touches a document goes through here: the REST API, ingestion, the indexer, the
chat function and the markdown renderer. The layout is fixed (docs/document-chat.md):

- DocumentsTable: `ownerId` (the caller's `sub`) + `documentId` (a UUID4 the service makes).
- DocumentsBucket: the PDF at `ugc/<ownerId>/<documentId>/document.pdf`, its index beside it under
  `ugc/<ownerId>/<documentId>/index/`.

Status moves UPLOADED -> PROCESSING -> READY or FAILED (with a reason). When the webhooks capability is
deployed (`OUTBOX_TABLE_NAME` set), ending READY or FAILED writes `document.ready` / `document.failed`
to the owner's tenant in the same transaction as the status change, exactly once per index version.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from stratus_shared import aws
from stratus_shared.config import Settings, load_settings

PDF_NAME = "document.pdf"
INDEX_FOLDER = "index"
KEY_PREFIX = "ugc"
# `ugc/<owner>/<document>/document.pdf`: the owner is a Cognito sub (a UUID) or another safe id, the
# document a UUID4 this service made. Anything else in the bucket is never a document.
_OWNER = r"[A-Za-z0-9][A-Za-z0-9_.:@+=-]{0,127}"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
OBJECT_KEY_PATTERN = re.compile(rf"^{KEY_PREFIX}/(?P<owner>{_OWNER})/(?P<document>{_UUID})/{PDF_NAME}$")
DOCUMENT_ID_PATTERN = re.compile(rf"^{_UUID}$")


class DocumentStatus(StrEnum):
    UPLOADED = "UPLOADED"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class FailureReason(StrEnum):
    """Why a document ended FAILED, in words the web app turns into a sentence."""

    ENCRYPTED = "ENCRYPTED"  # password-protected
    INVALID_PDF = "INVALID_PDF"  # not a PDF, empty or corrupt
    NO_PAGES = "NO_PAGES"  # a valid PDF with zero pages
    NO_TEXT = "NO_TEXT"  # every page is an image (scanned) or blank
    TOO_LARGE = "TOO_LARGE"  # over MaxUploadMegabytes, or more text than one indexing run handles
    MODEL_ACCESS_DENIED = "MODEL_ACCESS_DENIED"  # Bedrock refused the embedding model
    INTERNAL = "INTERNAL"  # anything else (see the indexer's logs)


Source = Literal["upload", "markdown"]


class DocumentsSettings(Settings):
    table_name: str = Field(alias="DOCUMENTS_TABLE")
    # Empty in the ingest function: S3 notifies it, so it cannot reference the bucket (a template
    # cycle); it takes the bucket name from the event instead.
    bucket_name: str = Field(default="", alias="DOCUMENTS_BUCKET")
    outbox_table_name: str = Field(default="", alias="OUTBOX_TABLE_NAME")
    message_retention_days: int = Field(default=30, alias="MESSAGE_RETENTION_DAYS")


def settings() -> DocumentsSettings:
    return load_settings(DocumentsSettings)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Document(BaseModel):
    """One DocumentsTable item. `model_dump(by_alias=True)` gives the item's camelCase attribute names."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, use_enum_values=False)

    owner_id: str
    document_id: str
    name: str
    status: DocumentStatus = DocumentStatus.UPLOADED
    failure_reason: FailureReason | None = None
    pages: int | None = None
    image_only_pages: int | None = None
    size_bytes: int | None = None
    title: str | None = None
    source: Source = "upload"
    created_at: str = Field(default_factory=now_iso)
    updated_at: str = Field(default_factory=now_iso)
    object_key: str = ""
    index_version: int | None = None
    # The owner's tenant when it differs from the owner (custom:tenant_id); webhooks go there.
    tenant_id: str | None = None

    def model_post_init(self, context: Any) -> None:
        if not self.object_key:
            self.object_key = object_key(self.owner_id, self.document_id)

    @property
    def tenant(self) -> str:
        return self.tenant_id or self.owner_id

    def to_api(self) -> dict[str, Any]:
        """The REST API's JSON (camelCase; the owner, key and internals left out)."""
        body = self.model_dump(
            by_alias=True,
            mode="json",
            exclude={"owner_id", "object_key", "index_version", "tenant_id"},
        )
        return body

    def to_item(self) -> dict[str, Any]:
        return _to_item(self.model_dump(by_alias=True, mode="json", exclude_none=True))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Document:
        return cls.model_validate(_from_item(item))


# ---- keys ------------------------------------------------------------------------------------
def new_document_id() -> str:
    return str(uuid.uuid4())


def object_key(owner_id: str, document_id: str) -> str:
    """`ugc/<owner>/<document>/document.pdf`."""
    return f"{KEY_PREFIX}/{owner_id}/{document_id}/{PDF_NAME}"


def document_prefix(owner_id: str, document_id: str) -> str:
    return f"{KEY_PREFIX}/{owner_id}/{document_id}/"


def index_prefix(owner_id: str, document_id: str) -> str:
    """`ugc/<owner>/<document>/index/`: chunks.json, bm25.json, embeddings.npy, manifest.json."""
    return f"{document_prefix(owner_id, document_id)}{INDEX_FOLDER}/"


def parse_object_key(key: str) -> tuple[str, str] | None:
    """(owner, document) of a valid document key, else None: the key is all ingestion trusts."""
    match = OBJECT_KEY_PATTERN.match(key)
    if match is None:
        return None
    return match["owner"], match["document"]


def valid_document_id(document_id: str) -> bool:
    return DOCUMENT_ID_PATTERN.match(document_id) is not None


# ---- DynamoDB --------------------------------------------------------------------------------
def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            item[key] = {"BOOL": value}
        elif isinstance(value, int | float):
            item[key] = {"N": str(value)}
        else:
            item[key] = {"S": str(value)}
    return item


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in item.items():
        if "S" in value:
            values[key] = value["S"]
        elif "N" in value:
            number = value["N"]
            values[key] = int(number) if number.lstrip("-").isdigit() else float(number)
        elif "BOOL" in value:
            values[key] = value["BOOL"]
    return values


def _key(owner_id: str, document_id: str) -> dict[str, Any]:
    return {"ownerId": {"S": owner_id}, "documentId": {"S": document_id}}


def _dynamodb() -> Any:
    return aws.client("dynamodb")


def _s3() -> Any:
    return aws.client("s3")


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    }


class DocumentExistsError(Exception):
    """put_new_document found an item with that key already."""


def get_document(owner_id: str, document_id: str) -> Document | None:
    found = (
        _dynamodb()
        .get_item(TableName=settings().table_name, Key=_key(owner_id, document_id), ConsistentRead=True)
        .get("Item")
    )
    return Document.from_item(found) if found else None


def list_documents(owner_id: str) -> list[Document]:
    """The owner's documents, newest first."""
    pages = (
        _dynamodb()
        .get_paginator("query")
        .paginate(
            TableName=settings().table_name,
            KeyConditionExpression="ownerId = :o",
            ExpressionAttributeValues={":o": {"S": owner_id}},
        )
    )
    found = [Document.from_item(item) for page in pages for item in page.get("Items", [])]
    return sorted(found, key=lambda d: d.created_at, reverse=True)


def put_new_document(doc: Document) -> None:
    """Create the item; DocumentExistsError if one with that key exists (never overwrites)."""
    try:
        _dynamodb().put_item(
            TableName=settings().table_name,
            Item=doc.to_item(),
            ConditionExpression="attribute_not_exists(documentId)",
        )
    except ClientError as exc:
        if _conditional_failed(exc):
            raise DocumentExistsError(doc.document_id) from exc
        raise


def record_upload(
    owner_id: str,
    document_id: str,
    *,
    name: str,
    source: Source,
    size_bytes: int,
    pages: int | None,
    title: str | None,
) -> Document:
    """Ingestion: the object arrived. Creates the item or updates it (keeping a name, source and tenant
    already there, e.g. a markdown document's), back to UPLOADED with the object's metadata."""
    stamp = now_iso()
    names = {"#st": "status", "#n": "name", "#src": "source"}
    values: dict[str, Any] = {
        ":st": {"S": DocumentStatus.UPLOADED.value},
        ":n": {"S": name},
        ":src": {"S": source},
        ":size": {"N": str(size_bytes)},
        ":now": {"S": stamp},
        ":key": {"S": object_key(owner_id, document_id)},
    }
    sets = [
        "#st = :st",
        "#n = if_not_exists(#n, :n)",
        "#src = if_not_exists(#src, :src)",
        "sizeBytes = :size",
        "updatedAt = :now",
        "createdAt = if_not_exists(createdAt, :now)",
        "objectKey = :key",
    ]
    removes = ["failureReason", "imageOnlyPages"]
    if pages is not None:
        sets.append("pages = :pages")
        values[":pages"] = {"N": str(pages)}
    else:
        removes.append("pages")
    if title:
        sets.append("title = :title")
        values[":title"] = {"S": title}
    result = _dynamodb().update_item(
        TableName=settings().table_name,
        Key=_key(owner_id, document_id),
        UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
    )
    return Document.from_item(result["Attributes"])


def start_processing(owner_id: str, document_id: str) -> Document | None:
    """UPLOADED/PROCESSING -> PROCESSING with a new index version; None when the item is gone or has
    already ended (READY or FAILED): a redelivered message then does nothing."""
    try:
        result = _dynamodb().update_item(
            TableName=settings().table_name,
            Key=_key(owner_id, document_id),
            UpdateExpression="SET #st = :p, updatedAt = :now ADD indexVersion :one",
            ConditionExpression="attribute_exists(documentId) AND #st IN (:u, :p)",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={
                ":p": {"S": DocumentStatus.PROCESSING.value},
                ":u": {"S": DocumentStatus.UPLOADED.value},
                ":now": {"S": now_iso()},
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if _conditional_failed(exc):
            return None
        raise
    return Document.from_item(result["Attributes"])


def _finish(
    doc: Document,
    status: DocumentStatus,
    updates: dict[str, Any],
    *,
    removes: tuple[str, ...] = (),
    only_from: tuple[DocumentStatus, ...],
    event: tuple[str, dict[str, Any]] | None,
) -> bool:
    """Set the final status (and the event in the outbox, same transaction); False if the item is
    gone or not in one of `only_from`."""
    config = settings()
    names = {"#st": "status"}
    values: dict[str, Any] = {":st": {"S": status.value}, ":now": {"S": now_iso()}}
    sets = ["#st = :st", "updatedAt = :now"]
    for index, (name, value) in enumerate(updates.items()):
        names[f"#u{index}"] = name
        values[f":u{index}"] = _to_item({"v": value})["v"]
        sets.append(f"#u{index} = :u{index}")
    allowed = []
    for index, state in enumerate(only_from):
        values[f":from{index}"] = {"S": state.value}
        allowed.append(f":from{index}")
    update: dict[str, Any] = {
        "TableName": config.table_name,
        "Key": _key(doc.owner_id, doc.document_id),
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": f"attribute_exists(documentId) AND #st IN ({', '.join(allowed)})",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    try:
        if event is None or not config.outbox_table_name:
            _dynamodb().update_item(**update)
            return True
        from stratus_shared import webhooks  # noqa: PLC0415 - only producers of events need it

        event_type, payload = event
        outbox = webhooks.outbox_event(
            doc.tenant,
            event_type,
            payload,
            now=datetime.now(UTC),
            event_id=f"{event_type}:{doc.document_id}:{doc.index_version or 0}",
            subject=doc.document_id,
            retention_days=config.message_retention_days,
        )
        _dynamodb().transact_write_items(
            TransactItems=[{"Update": update}, webhooks.outbox_put(config.outbox_table_name, outbox)]
        )
    except ClientError as exc:
        if not _conditional_failed(exc):
            raise
        if not _only_the_event_existed(exc):
            return False
        # This very event was published before (the same upload refused twice): the status still ends.
        try:
            _dynamodb().update_item(**update)
        except ClientError as again:
            if _conditional_failed(again):
                return False
            raise
    return True


def _only_the_event_existed(exc: ClientError) -> bool:
    """A cancelled transaction whose status update would have passed and whose outbox put did not."""
    reasons = [reason.get("Code", "None") for reason in exc.response.get("CancellationReasons", [])]
    return len(reasons) == 2 and reasons[0] in {"None", None} and reasons[1] == "ConditionalCheckFailed"


def mark_ready(doc: Document, *, pages: int, image_only_pages: int, chunks: int) -> bool:
    """PROCESSING -> READY (and document.ready); False if the document left PROCESSING meanwhile."""
    return _finish(
        doc,
        DocumentStatus.READY,
        {"pages": pages, "imageOnlyPages": image_only_pages, "chunks": chunks},
        removes=("failureReason",),
        only_from=(DocumentStatus.PROCESSING,),
        event=(
            "document.ready",
            {
                "documentId": doc.document_id,
                "name": doc.name,
                "pages": pages,
                "imageOnlyPages": image_only_pages,
            },
        ),
    )


def mark_failed(
    doc: Document,
    reason: FailureReason,
    *,
    pages: int | None = None,
    image_only_pages: int | None = None,
) -> bool:
    """UPLOADED/PROCESSING -> FAILED with its reason (and document.failed); never undoes READY."""
    updates: dict[str, Any] = {"failureReason": reason.value}
    if pages is not None:
        updates["pages"] = pages
    if image_only_pages is not None:
        updates["imageOnlyPages"] = image_only_pages
    return _finish(
        doc,
        DocumentStatus.FAILED,
        updates,
        only_from=(DocumentStatus.UPLOADED, DocumentStatus.PROCESSING),
        event=("document.failed", {"documentId": doc.document_id, "name": doc.name, "reason": reason.value}),
    )


# ---- S3 --------------------------------------------------------------------------------------
def _bucket(bucket: str | None) -> str:
    name = bucket or settings().bucket_name
    if not name:
        raise ValueError("DOCUMENTS_BUCKET is not set and no bucket was given")
    return name


def presigned_upload(
    owner_id: str,
    document_id: str,
    *,
    max_bytes: int,
    name: str,
    expires_in: int = 900,
    bucket: str | None = None,
) -> dict[str, Any]:
    """A presigned POST for exactly this document's key: application/pdf only, 1 byte to `max_bytes`,
    `x-amz-meta-source: upload`. Returns `{url, fields}`."""
    key = object_key(owner_id, document_id)
    safe_name = name.encode("ascii", "replace").decode()[:200]
    fields = {"Content-Type": "application/pdf", "x-amz-meta-source": "upload", "x-amz-meta-name": safe_name}
    conditions: list[Any] = [
        {"bucket": _bucket(bucket)},
        {"key": key},
        {"Content-Type": "application/pdf"},
        {"x-amz-meta-source": "upload"},
        {"x-amz-meta-name": safe_name},
        ["content-length-range", 1, max_bytes],
    ]
    post = _s3().generate_presigned_post(
        Bucket=_bucket(bucket), Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
    )
    return {"url": post["url"], "fields": post["fields"]}


def download_url(doc: Document, *, expires_in: int = 300, bucket: str | None = None) -> str:
    return str(
        _s3().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": _bucket(bucket),
                "Key": doc.object_key,
                "ResponseContentType": "application/pdf",
            },
            ExpiresIn=expires_in,
        )
    )


def head_pdf(owner_id: str, document_id: str, *, bucket: str | None = None) -> dict[str, Any] | None:
    """The PDF's HeadObject answer, or None when it is not there."""
    try:
        result: dict[str, Any] = _s3().head_object(
            Bucket=_bucket(bucket), Key=object_key(owner_id, document_id)
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return result


def read_pdf(
    owner_id: str, document_id: str, *, bucket: str | None = None, max_bytes: int | None = None
) -> bytes:
    """The PDF's bytes (ValueError past `max_bytes`)."""
    response = _s3().get_object(Bucket=_bucket(bucket), Key=object_key(owner_id, document_id))
    if max_bytes is not None and int(response.get("ContentLength", 0)) > max_bytes:
        response["Body"].close()
        raise ValueError(f"object is over {max_bytes} bytes")
    data: bytes = response["Body"].read()
    return data


def _keys_under(prefix: str, bucket: str) -> Iterator[str]:
    pages = _s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for entry in page.get("Contents", []):
            yield entry["Key"]


def _delete_versions_under(prefix: str, bucket: str) -> None:
    """Every object and every version under `prefix` (the bucket is versioned: a plain delete would
    leave the PDF behind as a noncurrent version)."""
    s3 = _s3()
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
    batch: list[dict[str, str]] = []
    for page in pages:
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            batch.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
            if len(batch) == 1000:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                batch = []
    if batch:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    leftover = [{"Key": key} for key in _keys_under(prefix, bucket)]
    for start in range(0, len(leftover), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": leftover[start : start + 1000], "Quiet": True})


def delete_index(owner_id: str, document_id: str, *, bucket: str | None = None) -> None:
    _delete_versions_under(index_prefix(owner_id, document_id), _bucket(bucket))


def delete_document(owner_id: str, document_id: str) -> None:
    """The PDF (every version), the index and the item."""
    _delete_versions_under(document_prefix(owner_id, document_id), _bucket(None))
    _dynamodb().delete_item(TableName=settings().table_name, Key=_key(owner_id, document_id))
