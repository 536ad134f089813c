"""POST /documents/markdown: the item, the stored PDF, the limits, and whose document it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium
import pytest

from tests.integration.markdown_documents.conftest import (
    OTHER,
    OWNER,
    create,
    documents_api,
    items,
    objects,
)
from tests.support.harness import StackHarness

BODY = {
    "title": "Travel notes from Zürich",
    "markdown": "# Travel notes\n\nΩmega, Привет, 100 €.\n\n- passport\n- charger\n",
}


def test_the_document_is_recorded_uploaded_and_its_pdf_stored_under_the_callers_prefix(
    stack: StackHarness,
) -> None:
    # When a signed-in user saves markdown
    status, body = create(stack, BODY)

    # Then a document exists for them, from markdown, waiting for ingestion
    assert status == 201
    document_id = body["documentId"]
    [item] = items(stack)
    assert item["ownerId"] == {"S": OWNER}
    assert item["documentId"] == {"S": document_id}
    assert item["name"] == {"S": "Travel notes from Zürich"}
    assert item["source"] == {"S": "markdown"}
    assert item["status"] == {"S": "UPLOADED"}

    # And its PDF sits at the contract's key, encrypted, with the metadata ingestion reads
    key = f"ugc/{OWNER}/{document_id}/document.pdf"
    assert objects(stack) == [key]
    s3 = stack.client("s3")
    head = s3.head_object(Bucket=stack.output("DocumentsBucketName"), Key=key)
    assert head["ContentType"] == "application/pdf"
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["source"] == "markdown"
    assert head["Metadata"]["name"] == "Travel notes from Z?rich"

    # And the PDF holds the text, with the title and the caller's display name as its metadata
    content = s3.get_object(Bucket=stack.output("DocumentsBucketName"), Key=key)["Body"].read()
    pdf = pdfium.PdfDocument(content)
    assert pdf.get_metadata_dict()["Title"] == "Travel notes from Zürich"
    assert pdf.get_metadata_dict()["Author"] == "Zoë Müller"
    text = pdf[0].get_textpage().get_text_range()
    assert "Ωmega, Привет, 100 €." in text
    assert "passport" in text


def test_without_a_name_claim_the_author_is_the_callers_email(stack: StackHarness) -> None:
    status, body = create(stack, BODY, name=None)
    assert status == 201
    key = f"ugc/{OWNER}/{body['documentId']}/document.pdf"
    content = (
        stack.client("s3").get_object(Bucket=stack.output("DocumentsBucketName"), Key=key)["Body"].read()
    )
    assert pdfium.PdfDocument(content).get_metadata_dict()["Author"] == f"{OWNER[:8]}@example.com"


def test_markdown_over_the_limit_is_a_400_with_a_message_and_writes_nothing(
    stack_factory: Callable[..., StackHarness],
) -> None:
    stack = stack_factory(MaxMarkdownKilobytes=2)
    status, body = create(stack, {"title": "Big", "markdown": "é" * 1100})  # 2,200 bytes of UTF-8

    assert status == 400
    assert body["message"] == "markdown: 2 KB (UTF-8) is over the 2 KB limit"
    assert items(stack) == []
    assert objects(stack) == []
    # the limit itself is accepted
    assert create(stack, {"title": "Fits", "markdown": "a" * 2048})[0] == 201


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"markdown": "# hi"}, "title: Field required"),
        (
            {"title": "   ", "markdown": "# hi"},
            "title: Value error, a title needs at least one visible character",
        ),
        ({"title": "Notes", "markdown": " \n\t"}, "markdown: Value error, the markdown is empty"),
        ({"title": "x" * 201, "markdown": "# hi"}, "title: String should have at most 200 characters"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field(stack: StackHarness, body: Any, message: str) -> None:
    status, answer = create(stack, body)
    assert status == 400
    assert answer["message"] == message
    assert items(stack) == []


def test_the_owner_comes_from_the_token_never_from_the_request(stack: StackHarness) -> None:
    status, answer = create(stack, {**BODY, "ownerId": OTHER})
    assert status == 400
    assert "ownerId: Extra inputs are not permitted" in answer["message"]
    assert items(stack) == []


def test_a_request_without_a_verified_identity_is_a_401(stack: StackHarness) -> None:
    status, _ = create(stack, BODY, claims=False)
    assert status == 401
    assert items(stack) == []


def test_another_user_can_neither_list_nor_read_the_document(stack: StackHarness) -> None:
    # Given the owner's markdown document
    _, created = create(stack, BODY)
    document_id = created["documentId"]

    # Then the owner lists it and reads it (with its download link) as a markdown document
    status, listed = documents_api(stack, "GET", "/documents")
    assert status == 200
    assert [d["documentId"] for d in _items(listed)] == [document_id]
    status, one = documents_api(stack, "GET", f"/documents/{document_id}")
    assert status == 200
    assert one["source"] == "markdown"
    assert one["name"] == "Travel notes from Zürich"
    assert one["downloadUrl"]

    # And another user neither sees it in their list nor can read it: a 404, as for a missing one
    status, theirs = documents_api(stack, "GET", "/documents", sub=OTHER)
    assert status == 200
    assert _items(theirs) == []
    status, refused = documents_api(stack, "GET", f"/documents/{document_id}", sub=OTHER)
    assert status == 404
    assert document_id in refused["message"] or "not found" in refused["message"]


def test_when_the_pdf_cannot_be_stored_no_document_stays_uploaded(stack: StackHarness) -> None:
    # Given a bucket that is gone (the PDF's write fails)
    stack.client("s3").delete_bucket(Bucket=stack.output("DocumentsBucketName"))

    # When the user saves markdown, the request fails
    result = stack.function("MarkdownDocumentsFunction").invoke(_event())
    assert int(result["statusCode"]) == 500

    # And no document is left waiting for a PDF that never comes
    assert [i for i in items(stack) if i["status"]["S"] == "UPLOADED"] == []


def _event() -> dict[str, Any]:
    from tests.integration.markdown_documents.conftest import api_event

    return api_event("POST", "/documents/markdown", BODY)


def _items(body: Any) -> list[dict[str, Any]]:
    return list(body["items"] if isinstance(body, dict) else body)
