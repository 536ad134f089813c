"""Markdown -> PDF -> text, read back with pypdfium2 exactly as the ingestion does."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratus_shared import pdf_text as pdf_text_module
from tests.unit.markdown_documents.conftest import FUNCTION_DIR, renderer_module

MIXED = """# Travel notes from Zürich

The Ωmega guide: Привет, 100 € a night, **bold**, *italic* and `inline code`.

## Packing list

- passport
- charger
  - USB-C cable
  - plug adapter
    1. type J for Switzerland
    2. type F for Germany
- umbrella

> Quoted advice: travel light.

```python
def greet(name: str) -> str:
    return f"Grüezi, {name}"
```

| City | Country | Trains per hour |
| --- | --- | --- |
| Zürich | Switzerland | 42 |
| Москва | Россия | 17 |

---

### Closing remarks

Safe travels, Ωmega readers.
"""


def pdf_text(content: bytes) -> list[str]:
    """Each page's text, read by the ingestion's own extractor (stratus_shared.pdf_text, pypdfium2)."""
    return [text for _page, text in pdf_text_module.page_texts(content)]


def render(markdown: str, title: str = "Travel notes", author: str = "Zoë Example") -> Any:
    return renderer_module().render_pdf(markdown, title=title, author=author)


def in_order(text: str, fragments: list[str]) -> list[str]:
    """The fragments that are missing or out of order in `text` (empty = all there, in order)."""
    wrong, position = [], 0
    for fragment in fragments:
        found = text.find(fragment, position)
        if found < 0:
            wrong.append(fragment)
        else:
            position = found + len(fragment)
    return wrong


def test_headings_list_items_code_and_table_cells_survive_in_order() -> None:
    # Given mixed markdown, When it is rendered and its text extracted
    text = "\n".join(pdf_text(render(MIXED).content))

    # Then every heading, list item, code line and table cell is there, in document order
    assert (
        in_order(
            text,
            [
                "Travel notes from Zürich",
                "Packing list",
                "passport",
                "charger",
                "USB-C cable",
                "plug adapter",
                "type J for Switzerland",
                "type F for Germany",
                "umbrella",
                "Quoted advice: travel light.",
                "def greet(name: str) -> str:",
                'return f"Grüezi, {name}"',
                "City",
                "Country",
                "Trains per hour",
                "Zürich",
                "Switzerland",
                "42",
                "Москва",
                "Россия",
                "17",
                "Closing remarks",
                "Safe travels, Ωmega readers.",
            ],
        )
        == []
    )


@pytest.mark.parametrize("word", ["Zürich", "Ωmega", "Привет", "€", "Grüezi", "Москва"])
def test_text_beyond_latin_1_is_intact(word: str) -> None:
    assert word in "\n".join(pdf_text(render(MIXED).content))


def test_list_markers_and_numbers_are_drawn() -> None:
    text = pdf_text(render("- alpha\n- beta\n\n7. seventh\n8. eighth\n").content)[0]
    assert in_order(text, ["• alpha", "• beta", "7. seventh", "8. eighth"]) == []


def test_title_and_display_name_are_the_pdf_metadata() -> None:
    content = render("Body text.", title="Ωmega handbook", author="Zoë Müller").content
    metadata = pdfium.PdfDocument(content).get_metadata_dict()
    assert metadata["Title"] == "Ωmega handbook"
    assert metadata["Author"] == "Zoë Müller"


def test_a_long_document_puts_each_section_on_its_own_later_page() -> None:
    sections = [
        f"## Section {n}\n\n" + "\n\n".join([f"Section {n} sentence {i}. " * 8 for i in range(12)])
        for n in range(1, 6)
    ]
    pages = pdf_text(render("\n\n".join(sections) + "\n\nThe launch code is BLUE-HARBOUR-7.\n").content)
    assert len(pages) > 3
    assert "Section 1 sentence 0" in pages[0]
    assert "BLUE-HARBOUR-7" in pages[-1]
    assert all("BLUE-HARBOUR-7" not in page for page in pages[:-1])


def test_a_very_wide_table_falls_back_to_rows_of_text() -> None:
    header = "| " + " | ".join(f"c{i}" for i in range(30)) + " |"
    rule = "|" + "---|" * 30
    row = "| " + " | ".join(f"v{i}" for i in range(30)) + " |"
    text = pdf_text(render(f"{header}\n{rule}\n{row}\n").content)[0]
    assert in_order(text, ["c0", "c29", "v0", "v29"]) == []


def test_links_are_annotations_and_unsafe_schemes_are_plain_text() -> None:
    markdown = "[docs](https://example.com/docs), [bad](javascript:alert(1)) and [ftp](ftp://example.com/f)"
    content = render(markdown).content
    assert re.findall(rb"/URI \((.*?)\)", content) == [b"https://example.com/docs"]
    text = pdf_text(content)[0]
    assert in_order(text, ["docs", "[bad](javascript:alert(1))", "ftp"]) == []


# ---- raw HTML and remote resources ----------------------------------------------------------------


class _CountingHandler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = base64.b64decode(_PNG)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


# A 1x1 red PNG.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"


@pytest.fixture
def image_server() -> Iterator[str]:
    """A server on loopback (the only address tests may reach) that counts every request it gets."""
    _CountingHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every outgoing connection or URL opened while rendering, refused and recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("the renderer must not open connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


def test_the_guards_do_see_a_fetch(image_server: str) -> None:
    # The server counts a real fetch (so a zero below means nothing was fetched, not a broken counter).
    with urllib.request.urlopen(f"{image_server}/probe.png", timeout=5) as answer:  # noqa: S310 - loopback
        assert answer.status == 200
    assert _CountingHandler.hits == ["/probe.png"]


def test_raw_script_and_img_tags_fetch_nothing_and_come_out_as_text(image_server: str) -> None:
    markdown = (
        f'<script src="{image_server}/evil.js">alert("owned")</script>\n\n'
        f"Inline <img src={image_server}/tracker.png> tag.\n\n"
        f'<img src="{image_server}/block.png">\n\n'
        f"![remote picture]({image_server}/markdown.png)\n"
    )
    text = pdf_text(render(markdown).content)[0]

    assert _CountingHandler.hits == []
    assert f'<script src="{image_server}/evil.js">alert("owned")</script>' in text
    assert f"Inline <img src={image_server}/tracker.png> tag." in text
    assert f'<img src="{image_server}/block.png">' in text
    assert "[image: remote picture" in text


def test_rendering_opens_no_connection(connections: list[Any]) -> None:
    markdown = (
        "<img src=http://169.254.169.254/latest/meta-data/>\n\n"
        "![x](http://example.com/x.png) ![y](https://example.com/y.svg) ![z](file:///etc/passwd)\n\n"
        '<iframe src="http://example.com"></iframe> [a link](http://example.com)\n'
    )
    text = pdf_text(render(markdown).content)[0]
    assert connections == []
    assert "<img src=http://169.254.169.254/latest/meta-data/>" in text
    assert "<iframe src=" in text


def test_a_data_png_is_embedded_and_a_remote_one_is_not(connections: list[Any]) -> None:
    embedded = render(f"![dot](data:image/png;base64,{_PNG})").content
    remote = render("![dot](http://example.com/dot.png)").content

    def images(content: bytes) -> int:
        page = pdfium.PdfDocument(content)[0]
        return sum(1 for obj in page.get_objects() if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)

    assert images(embedded) == 1
    assert images(remote) == 0
    assert connections == []


def test_an_svg_data_uri_is_not_interpreted(connections: list[Any]) -> None:
    svg = base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x/y"/></svg>'
    ).decode()
    content = render(f"![pic](data:image/svg+xml;base64,{svg})").content
    page = pdfium.PdfDocument(content)[0]
    assert all(obj.type != pdfium.raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects())
    assert "pic" in pdf_text(content)[0]
    assert connections == []


def test_bundled_fonts_are_the_vendored_debian_files() -> None:
    readme = (FUNCTION_DIR / "fonts" / "README.md").read_text()
    for path in sorted((FUNCTION_DIR / "fonts").glob("*.ttf")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"| {path.name} |" in readme
        assert digest in readme, path.name


def test_a_table_cell_taller_than_a_page_becomes_text_rather_than_an_error() -> None:
    long_cell = "word " * 2000
    pages = pdf_text(render(f"| note | id |\n|---|---|\n| {long_cell} | 7 |\n").content)
    text = "\n".join(pages)
    assert len(pages) > 1
    assert in_order(text, ["note", "id", "word word", "7"]) == []


def test_control_characters_are_dropped_and_tabs_become_spaces() -> None:
    text = pdf_text(render("alpha\tbeta\x07gamma \u202eomega").content)[0]
    assert "alpha" in text
    assert "betagamma" in text
    assert "omega" in text
    assert "\x07" not in text
    assert "\u202e" not in text


MARKDOWN_ALPHABET = "#*_-`>|[]()!\n \t1.abcé€ΩЖ<>&\\~=+:/"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=MARKDOWN_ALPHABET, max_size=300))
def test_any_markdown_renders_to_a_readable_pdf(markdown: str) -> None:
    rendered = render(markdown)
    assert rendered.pages >= 1
    assert len(pdf_text(rendered.content)) == rendered.pages
