"""PDFs the document tests generate (fpdf2): text pages, image-only pages, encrypted, broken, empty."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

from fpdf import FPDF


def text_pdf(pages: Sequence[str], *, title: str | None = None, password: str | None = None) -> bytes:
    """One page per string (Helvetica, wrapped); `password` makes it need one to open."""
    pdf = FPDF()
    pdf.set_compression(False)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        if text:
            pdf.multi_cell(0, 6, text)
    if password is not None:
        pdf.set_encryption(owner_password=password + "-owner", user_password=password)
    return bytes(pdf.output())


def _png(width: int = 40, height: int = 40) -> bytes:
    """A small grey PNG (a 'scan' with no text layer)."""
    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def mixed_pdf(pages: Sequence[str | None]) -> bytes:
    """Text pages, and an image-only page wherever the entry is None."""
    pdf = FPDF()
    image = io.BytesIO(_png())
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.image(image, x=20, y=20, w=150)
            image.seek(0)
        else:
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def image_only_pdf(pages: int = 2) -> bytes:
    return mixed_pdf([None] * pages)


def zero_page_pdf() -> bytes:
    """A well-formed PDF with an empty page tree (fpdf2 refuses to write one, so by hand)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def corrupt_pdf() -> bytes:
    """A PDF header followed by a truncated body."""
    return text_pdf(["This file will be cut short."])[:200]
