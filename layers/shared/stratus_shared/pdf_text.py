"""Reading PDFs with pypdfium2 (PDFium, Apache-2.0/BSD): page count, title, text per page.

pypdfium2 is not in the shared layer: the functions that read PDFs (document_ingest,
document_indexer) list it in their own requirements.txt, and this module imports it on first use.
Every way a file can fail to be a readable PDF maps to one FailureReason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from stratus_shared.documents import FailureReason

# PDFium's FPDF_GetLastError codes (fpdfview.h).
_ERR_SUCCESS = 0  # pypdfium2 reports a zero-page document as a load "error" with this code
_ERR_PASSWORD = 4
_ERR_SECURITY = 5
_EMPTY_PAGE_TREE = re.compile(rb"/Count\s*0(?![0-9])")
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
# Text below this many non-space characters makes a page "image-only" (a scan, or blank).
MIN_TEXT_CHARS = 3


class PdfRejectedError(Exception):
    """The file is not a PDF this service can index; `reason` says why."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    title: str | None


@contextmanager
def open_pdf(data: bytes) -> Iterator[Any]:
    """A pypdfium2 PdfDocument over `data` (PdfRejectedError for anything unreadable)."""
    import pypdfium2 as pdfium  # noqa: PLC0415 - a native library only the PDF readers load

    if not data:
        raise PdfRejectedError(FailureReason.INVALID_PDF, "the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise PdfRejectedError(FailureReason.INVALID_PDF, "the file is not a PDF")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _rejection(data, getattr(exc, "err_code", None)) from exc
    try:
        if len(document) == 0:
            raise PdfRejectedError(FailureReason.NO_PAGES, "the PDF has no pages")
        yield document
    finally:
        document.close()


def _rejection(data: bytes, code: int | None) -> PdfRejectedError:
    """Why PDFium refused the file. Its error code is the thread's *last* error, which a zero-page
    document does not set (it stays "Success", or whatever an earlier file left), so the code is
    checked against the file itself: encryption needs an /Encrypt entry, no pages an empty page tree."""
    if code in {_ERR_PASSWORD, _ERR_SECURITY} and b"/Encrypt" in data:
        return PdfRejectedError(FailureReason.ENCRYPTED, "the PDF is password-protected")
    empty_tree = _EMPTY_PAGE_TREE.search(data) is not None and _PAGE_OBJECT.search(data) is None
    if code == _ERR_SUCCESS or empty_tree:
        return PdfRejectedError(FailureReason.NO_PAGES, "the PDF has no pages")
    return PdfRejectedError(FailureReason.INVALID_PDF, "the PDF is damaged or not a PDF")


def info(data: bytes) -> PdfInfo:
    """Pages and title (PdfRejectedError if unreadable)."""
    with open_pdf(data) as document:
        title: str | None = None
        try:
            title = (document.get_metadata_value("Title") or "").strip() or None
        except Exception:
            title = None
        return PdfInfo(pages=len(document), title=title[:500] if title else None)


def page_texts(data: bytes) -> Iterator[tuple[int, str]]:
    """(1-based page number, text) for every page, in order."""
    with open_pdf(data) as document:
        for index in range(len(document)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
            finally:
                page.close()
            yield index + 1, text.replace("\r\n", "\n").replace("\r", "\n")


def has_text(text: str) -> bool:
    return sum(1 for ch in text if not ch.isspace()) >= MIN_TEXT_CHARS
