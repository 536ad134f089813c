"""Markdown documents: render time per page of a 50-page markdown document (markdown-it-py + fpdf2).

Figures, not asserts. The document is made here, deterministically: each section has a heading, prose
with emphasis and links, a nested list, a fenced code block, a table and a block quote, with text beyond
Latin-1 (Zürich, Ωmega, Привет, €); sections are added until the PDF has 50 pages. Printed:
- the first render in this process (the renderer's imports, parsing the bundled fonts, layout, output):
  what a cold container's first request pays on top of its init;
- warm renders (median of five): what every later request pays, per page and in all;
- the same for markdown of the largest accepted size (MaxMarkdownKilobytes' default, 512 KB), since the
  REST API gives a request 29 s in all;
- a read-back through pypdfium2 (the ingestion's extractor) to show the figures are for a full document.

`python -m benchmarks.markdown_bench --pages 20` renders a smaller document.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
RENDERER = ROOT / "functions" / "markdown_documents" / "renderer.py"


def load_renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("markdown_bench_renderer", RENDERER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def section(number: int) -> str:
    return f"""## {number}. Field notes from Zürich, part {number}

The *Ωmega* team met in **Zürich** to compare notes; Привет to the Moscow office. The budget for section
{number} is {number * 17} € and the [handbook](https://example.com/handbook/{number}) has the details.
Travel light, keep receipts, and write everything down before the meeting ends, not after it.

- Arrival on day {number}
- Tasks
  - check the `itinerary-{number}.yaml` file
  - confirm the hotel
    1. by e-mail
    2. by phone
- Departure

```python
def total(costs: list[float]) -> float:
    \"\"\"Section {number}: the sum of the costs, in euros.\"\"\"
    return round(sum(costs), 2)
```

| City | Country | Cost (€) | Notes |
| --- | --- | --- | --- |
| Zürich | Switzerland | {number * 3} | trains every 10 minutes |
| Москва | Россия | {number * 2} | visa needed |
| Αθήνα | Ελλάδα | {number + 40} | ferries in summer |

> A note for section {number}: the best plans are written down, checked twice and shared early.

---
"""


def document(sections: int) -> str:
    return "# Stratus travel handbook\n\n" + "\n".join(section(n) for n in range(1, sections + 1))


def pages_of(renderer: ModuleType, markdown: str) -> int:
    return int(renderer.render_pdf(markdown, title="bench", author="bench").pages)


def document_with_pages(renderer: ModuleType, pages: int) -> str:
    """The smallest document of the generated kind with exactly `pages` pages (or just over)."""
    low, high = 1, max(2, pages)
    while pages_of(renderer, document(high)) < pages:
        low, high = high, high * 2
    while low < high:
        middle = (low + high) // 2
        if pages_of(renderer, document(middle)) < pages:
            low = middle + 1
        else:
            high = middle
    return document(low)


def timed(renderer: ModuleType, markdown: str, runs: int) -> tuple[list[float], int, int]:
    seconds, pages, size = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        rendered = renderer.render_pdf(markdown, title="Stratus travel handbook", author="Bench Reader")
        seconds.append(time.perf_counter() - started)
        pages, size = rendered.pages, len(rendered.content)
    return seconds, pages, size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-kilobytes", type=int, default=512)
    args = parser.parse_args(argv or [])

    started = time.perf_counter()
    renderer = load_renderer()
    _, pages, pdf_bytes = timed(renderer, document(3), 1)
    cold = time.perf_counter() - started
    print(
        f"first render in a fresh process (imports + fonts + 3 sections, {pages} pages): {cold * 1000:.0f} ms"
    )

    markdown = document_with_pages(renderer, args.pages)
    seconds, pages, pdf_bytes = timed(renderer, markdown, args.runs)
    median = statistics.median(seconds)
    print(
        f"{pages}-page document ({len(markdown.encode()) / 1024:.0f} KB markdown -> "
        f"{pdf_bytes / 1024:.0f} KB PDF), "
        f"{args.runs} warm renders: median {median * 1000:.0f} ms = {median / pages * 1000:.1f} ms/page "
        f"(min {min(seconds) / pages * 1000:.1f}, max {max(seconds) / pages * 1000:.1f} ms/page)"
    )

    import pypdfium2 as pdfium  # noqa: PLC0415 - the bench's read-back only

    content = renderer.render_pdf(markdown, title="t", author="a").content
    started = time.perf_counter()
    pdf = pdfium.PdfDocument(content)
    characters = sum(len(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf)))
    print(
        f"read back with pypdfium2: {len(pdf)} pages, {characters} characters "
        f"in {(time.perf_counter() - started) * 1000:.0f} ms"
    )

    limit = args.max_kilobytes * 1024
    largest = document(1)
    while len(largest.encode()) < limit:
        largest += "\n" + section(len(largest) % 997)
    largest = largest.encode()[:limit].decode("utf-8", "ignore")
    seconds, pages, pdf_bytes = timed(renderer, largest, 1)
    print(
        f"largest accepted markdown ({args.max_kilobytes} KB): {pages} pages, {pdf_bytes / 1024:.0f} KB PDF, "
        f"{seconds[0]:.1f} s ({seconds[0] / pages * 1000:.1f} ms/page; the REST API allows 29 s per request)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
