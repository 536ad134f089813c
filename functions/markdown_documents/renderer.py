"""Markdown to PDF in pure Python: markdown-it-py parses, fpdf2 lays out, bundled DejaVu fonts draw.

What the renderer guarantees, whatever the markdown holds:
- raw HTML is never interpreted: the parser runs with `html` off, so `<script>` or `<img src=...>` are
  text and are drawn as text;
- nothing is fetched: an image is embedded only from a `data:image/png|jpeg|gif;base64,` URI (decoded here,
  size-capped); any other image is drawn as its alt text and address; links become link annotations
  (http, https and mailto only) that a reader may follow, never the renderer;
- every character the DejaVu fonts cover survives (Latin, Greek, Cyrillic, the euro sign, box drawing ...);
- the title and the author (the user's display name) go into the PDF's document information.

Headings, paragraphs, emphasis, strikethrough, inline code, nested bullet and ordered lists, links, block
quotes, fenced and indented code (monospace, wrapped by character, never clipped), tables and horizontal
rules are laid out on A4 pages.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF
    from markdown_it.tree import SyntaxTreeNode

FONTS = Path(__file__).resolve().parent / "fonts"
SANS = "DejaVuSans"
MONO = "DejaVuSansMono"
_FONT_FILES = {
    (SANS, ""): "DejaVuSans.ttf",
    (SANS, "B"): "DejaVuSans-Bold.ttf",
    (SANS, "I"): "DejaVuSans-Oblique.ttf",
    (SANS, "BI"): "DejaVuSans-BoldOblique.ttf",
    (MONO, ""): "DejaVuSansMono.ttf",
}

BODY_SIZE = 11.0
CODE_SIZE = 9.5
LINE = 1.45  # line height as a multiple of the font size (points -> mm below)
HEADING_SIZES = {1: 20.0, 2: 16.5, 3: 14.0, 4: 12.5, 5: 11.5, 6: 11.0}
INDENT_MM = 7.0
MAX_INDENT_LEVELS = 8  # deeper nesting keeps this indentation, so text never runs out of width
MAX_DATA_IMAGE_BYTES = 2 * 1024 * 1024
MAX_TABLE_COLUMNS = 12
MAX_TABLE_CELL_CHARACTERS = 1200  # a longer cell could not fit one page: the table becomes rows of text
# Control characters have no glyph: tabs become spaces, the rest (NUL, BEL, bidi overrides...) are dropped.
_BIDI_CONTROLS = [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
_CONTROL: dict[int, str | None] = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI_CONTROLS]
)
_CONTROL[0x09] = "    "
_CONTROL[0x0A] = "\n"
LINK_SCHEMES = ("http://", "https://", "mailto:")
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg|gif);base64,([A-Za-z0-9+/=\s]+)$", re.IGNORECASE)
PT_TO_MM = 25.4 / 72


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


@dataclass(frozen=True)
class _Style:
    bold: bool = False
    italic: bool = False
    mono: bool = False
    strike: bool = False
    link: str | None = None


def _parser() -> Any:
    from markdown_it import MarkdownIt  # noqa: PLC0415 - imported on first render, not at cold start

    # commonmark with html off: raw HTML blocks and inline tags stay text. Tables and ~~strike~~ as in GFM.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def parse(markdown: str) -> SyntaxTreeNode:
    from markdown_it.tree import SyntaxTreeNode  # noqa: PLC0415

    return SyntaxTreeNode(_parser().parse(markdown))


def render_pdf(markdown: str, *, title: str, author: str) -> RenderedPdf:
    """Lay `markdown` out as a PDF whose document information names `title` and `author`."""
    writer = _Writer(title=title, author=author)
    writer.blocks(parse(markdown).children)
    content = bytes(writer.pdf.output())
    return RenderedPdf(content=content, pages=writer.pdf.pages_count)


class _Writer:
    def __init__(self, *, title: str, author: str) -> None:
        from fpdf import FPDF  # noqa: PLC0415

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(left=20, top=20, right=20)
        pdf.set_auto_page_break(auto=True, margin=20)
        for (family, style), file in _FONT_FILES.items():
            pdf.add_font(family, style, str(FONTS / file))
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_creator("Stratus markdown documents")
        pdf.set_producer("Stratus (fpdf2)")
        pdf.set_lang("und")
        pdf.add_page()
        pdf.set_font(SANS, size=BODY_SIZE)
        self.pdf: FPDF = pdf
        self.base_margin = pdf.l_margin
        self.depth = 0
        self.size = BODY_SIZE

    # ---- layout helpers --------------------------------------------------------------------------
    def line_height(self, size: float | None = None) -> float:
        return (size or self.size) * LINE * PT_TO_MM

    @contextmanager
    def indented(self, levels: int = 1) -> Iterator[None]:
        self.depth += levels
        self._apply_margin()
        try:
            yield
        finally:
            self.depth -= levels
            self._apply_margin()

    def _apply_margin(self) -> None:
        self.pdf.set_left_margin(self.base_margin + INDENT_MM * min(self.depth, MAX_INDENT_LEVELS))
        self.pdf.set_x(self.pdf.l_margin)

    def new_line(self) -> None:
        if self.pdf.get_x() > self.pdf.l_margin + 0.01:
            self.pdf.ln(self.line_height())
        self.pdf.set_x(self.pdf.l_margin)

    def gap(self, mm: float) -> None:
        self.new_line()
        if self.pdf.get_y() > self.pdf.t_margin + 0.01:
            self.pdf.ln(mm)

    def font(self, style: _Style, size: float | None = None) -> None:
        family = MONO if style.mono else SANS
        flags = "" if style.mono else ("B" if style.bold else "") + ("I" if style.italic else "")
        if style.link or style.strike:
            flags += ("U" if style.link else "") + ("S" if style.strike else "")
        self.pdf.set_font(family, flags, size or self.size)
        self.pdf.set_text_color(*((20, 70, 160) if style.link else (0, 0, 0)))

    # ---- blocks ----------------------------------------------------------------------------------
    def blocks(self, nodes: list[SyntaxTreeNode]) -> None:
        for node in nodes:
            self.block(node)

    def block(self, node: SyntaxTreeNode) -> None:
        kind = node.type
        if kind == "heading":
            self.heading(node)
        elif kind == "paragraph":
            self.gap(2.0)
            self.inline_children(node)
            self.new_line()
        elif kind in {"bullet_list", "ordered_list"}:
            self.list_block(node)
        elif kind == "blockquote":
            self.blockquote(node)
        elif kind in {"fence", "code_block"}:
            self.code(node.content)
        elif kind == "table":
            self.table(node)
        elif kind == "hr":
            self.rule()
        elif kind == "inline":
            self.inline_children(node)
        else:  # html_block never appears with html off; anything unknown is shown as its text
            text = node.content or "".join(child.content for child in node.walk() if child.type == "text")
            if text:
                self.gap(2.0)
                self.text(text, _Style())
                self.new_line()

    def heading(self, node: SyntaxTreeNode) -> None:
        level = int(node.tag[1]) if node.tag[1:].isdigit() else 1
        size = HEADING_SIZES.get(level, BODY_SIZE)
        self.gap(5.0 if level <= 2 else 3.5)
        if self.pdf.will_page_break(self.line_height(size) * 3):
            self.pdf.add_page()
        text = plain_text(node)
        if level <= 3 and text.strip():
            self.pdf.start_section(text.strip()[:200], level=level - 1)
        previous = self.size
        self.size = size
        self.inline_children(node, _Style(bold=True))
        self.size = previous
        self.new_line()
        self.pdf.ln(1.0)

    def list_block(self, node: SyntaxTreeNode) -> None:
        ordered = node.type == "ordered_list"
        number = int(node.attrs.get("start", 1) or 1) if ordered else 0
        self.gap(1.5)
        marker_style = _Style()
        for item in node.children:
            marker = f"{number}." if ordered else ("•", "◦", "▪")[min(self.depth, 2) % 3]
            number += 1
            self.new_line()
            y = self.pdf.get_y()
            self.font(marker_style)
            self.pdf.set_x(self.pdf.l_margin)
            self.pdf.cell(INDENT_MM, self.line_height(), marker)
            self.pdf.set_y(y)
            with self.indented():
                first = True
                for child in item.children:
                    if first and child.type == "paragraph":
                        self.inline_children(child)  # on the marker's line
                        self.new_line()
                    else:
                        self.block(child)
                    first = False
                self.new_line()

    def blockquote(self, node: SyntaxTreeNode) -> None:
        self.gap(2.0)
        top_page, top_y = self.pdf.page, self.pdf.get_y()
        with self.indented():
            self.blocks(node.children)
            self.new_line()
        if self.pdf.page == top_page:  # a bar beside the quote (on its first page, when it spans pages)
            x = self.base_margin + INDENT_MM * min(self.depth, MAX_INDENT_LEVELS) + 2.0
            self.pdf.set_draw_color(170, 170, 170)
            self.pdf.set_line_width(0.8)
            self.pdf.line(x, top_y + 1.0, x, self.pdf.get_y())
            self.pdf.set_line_width(0.2)
            self.pdf.set_draw_color(0, 0, 0)

    def code(self, content: str) -> None:
        from fpdf.enums import WrapMode  # noqa: PLC0415

        self.gap(2.0)
        self.font(_Style(mono=True), CODE_SIZE)
        self.pdf.set_fill_color(242, 242, 242)
        text = clean(content.rstrip("\n").expandtabs(4)) or " "
        self.pdf.multi_cell(
            0,
            self.line_height(CODE_SIZE),
            text,
            fill=True,
            wrapmode=WrapMode.CHAR,
            new_x="LMARGIN",
            new_y="NEXT",
            padding=(1, 2),
        )
        self.font(_Style())

    def rule(self) -> None:
        self.gap(2.5)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(160, 160, 160)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.ln(2.5)

    def table(self, node: SyntaxTreeNode) -> None:
        rows = [
            [plain_text(cell) for cell in row.children]
            for section in node.children
            for row in section.children
            if row.type == "tr"
        ]
        if not rows:
            return
        header = next((s for s in node.children if s.type == "thead"), None) is not None
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        self.gap(2.5)
        fits = width <= MAX_TABLE_COLUMNS and all(
            len(c) <= MAX_TABLE_CELL_CHARACTERS for r in rows for c in r
        )
        if fits and self._grid(rows, header):
            return
        # Too many columns for the page: each row as one line of text, cells in order.
        for row in rows:
            self.new_line()
            self.text(" | ".join(row), _Style(bold=header and row is rows[0]))
        self.new_line()

    def _grid(self, rows: list[list[str]], header: bool) -> bool:
        from fpdf.enums import TableBordersLayout  # noqa: PLC0415
        from fpdf.errors import FPDFException  # noqa: PLC0415
        from fpdf.fonts import FontFace  # noqa: PLC0415

        self.font(_Style(), BODY_SIZE - 1)
        start_page, start_y = self.pdf.page, self.pdf.get_y()
        try:
            with self.pdf.table(
                first_row_as_headings=header,
                headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                borders_layout=TableBordersLayout.ALL,
                line_height=self.line_height(BODY_SIZE - 1),
                text_align="LEFT",
                width=self.pdf.epw - INDENT_MM * min(self.depth, MAX_INDENT_LEVELS),
                align="LEFT",
            ) as grid:
                for cells in rows:
                    row = grid.row()
                    for cell in cells:
                        row.cell(clean(cell))
        except (FPDFException, ValueError):
            # 12 columns always fit a character each; this is the guard for what fpdf2 still refuses.
            self.pdf.page = start_page
            self.pdf.set_y(start_y)
            return False
        finally:
            self.font(_Style())
        self.pdf.set_x(self.pdf.l_margin)
        return True

    # ---- inline ----------------------------------------------------------------------------------
    def inline_children(self, node: SyntaxTreeNode, style: _Style | None = None) -> None:
        for child in node.children:
            self.inline(child, style or _Style())

    def inline(self, node: SyntaxTreeNode, style: _Style) -> None:
        kind = node.type
        if kind == "inline":
            self.inline_children(node, style)
        elif kind == "text":
            self.text(node.content, style)
        elif kind == "softbreak":
            self.text(" ", style)
        elif kind == "hardbreak":
            self.pdf.ln(self.line_height())
        elif kind == "code_inline":
            self.text(node.content, _Style(mono=True, link=style.link))
        elif kind == "strong":
            self.inline_children(node, _replace(style, bold=True))
        elif kind == "em":
            self.inline_children(node, _replace(style, italic=True))
        elif kind == "s":
            self.inline_children(node, _replace(style, strike=True))
        elif kind == "link":
            href = str(node.attrs.get("href", ""))
            self.inline_children(node, _replace(style, link=href if href.startswith(LINK_SCHEMES) else None))
        elif kind == "image":
            self.image(node, style)
        else:  # html_inline never appears with html off; show anything else as its literal text
            self.text(node.content, style)

    def text(self, text: str, style: _Style) -> None:
        text = clean(text)
        if not text:
            return
        self.font(style)
        self.pdf.write(self.line_height(), text, link=style.link or "")
        self.font(_Style())

    def image(self, node: SyntaxTreeNode, style: _Style) -> None:
        source = str(node.attrs.get("src", ""))
        alt = plain_text(node)
        data = _data_image(source)
        if data is not None:
            try:
                self.new_line()
                width = min(self.pdf.epw - INDENT_MM * min(self.depth, MAX_INDENT_LEVELS), 120.0)
                self.pdf.image(io.BytesIO(data), x=self.pdf.l_margin, w=width, alt_text=alt or None)
                return
            except Exception:  # noqa: S110 - an undecodable image is drawn as its alt text
                pass
        shown = source if not source.startswith("data:") else "embedded image"
        self.text(f"[image: {alt or 'no description'} ({shown[:200]})]", _replace(style, italic=True))


def _replace(style: _Style, **changes: Any) -> _Style:
    values = {**style.__dict__, **changes}
    return _Style(**values)


def _data_image(source: str) -> bytes | None:
    """Bytes of a base64 `data:` PNG, JPEG or GIF within the size cap; None for anything else."""
    match = _DATA_IMAGE.match(source.strip())
    if not match or len(match.group(2)) > MAX_DATA_IMAGE_BYTES * 4 // 3 + 4:
        return None
    try:
        return base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError):
        return None


def clean(text: str) -> str:
    """`text` without the control characters no font draws (tabs as spaces)."""
    return text.translate(_CONTROL)


def plain_text(node: SyntaxTreeNode) -> str:
    """The text a node shows (inline code and image alt text included), breaks as spaces."""
    parts: list[str] = []
    for child in node.walk():
        if child.type in {"text", "code_inline", "html_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)
