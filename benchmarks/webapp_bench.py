"""The web app's first page: gzipped JavaScript it loads, and navigation to a drawn dashboard with data.

Figures, not asserts, measured on the local cloud in Debian's chromium (Playwright), each beside a
baseline from the same run:
- gzipped JS (gzip -9 per file, as CloudFront compresses) that the browser fetched for the first page
  (the dashboard, signed in) and for the sign-in page, beside the whole build's JS, what one
  unsplit bundle would ship (goal: first page under 120 KB; the serverless-pdf-chat anchor ships
  about 250 KB);
- navigation -> dashboard drawn with data (`performance.mark("stratus:dashboard-drawn")`, set when uPlot
  has drawn the API's points), median of 5 fresh navigations, beside the same navigations' `load` event
  and the counters API call alone.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.webapp_support import (  # noqa: E402
    DIST,
    browser_available,
    chromium,
    id_token,
    new_page,
    sign_in,
    web_stack,
)

RUNS = 5
QUERY = "/?events=page%20view,click,impression&hours=1&resolution=minute"
GOAL_KB = 120
TIMING = """() => {
  const api = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/counters"));
  return {
    drawn: performance.getEntriesByName("stratus:dashboard-drawn")[0]?.startTime,
    load: performance.getEntriesByType("navigation")[0].loadEventEnd,
    apiStart: api ? api.startTime : 0,
    apiTook: api ? api.duration : 0,
  };
}"""


def _gzip_kb(data: bytes) -> float:
    return len(gzip.compress(data, 9)) / 1024


def _js_fetched(page: Any, action: Any) -> float:
    """gzipped KB of the JavaScript files the page fetched while `action` ran."""
    seen: set[str] = set()
    page.on("request", lambda r: seen.add(r.url) if r.url.endswith(".js") else None)
    action()
    return sum(_gzip_kb((DIST / url.split("/", 3)[3]).read_bytes()) for url in seen)


def main() -> None:
    why = browser_available()
    if why:
        print(f"skipped: {why}")
        return
    whole = sum(_gzip_kb(p.read_bytes()) for p in (DIST / "assets").glob("*.js"))
    with web_stack() as stack, chromium() as browser:
        from stratus_local import demo  # noqa: PLC0415 - after the skip check

        cloud = stack.running.cloud
        demo.DemoTraffic(ROOT, cloud.stack.outputs, cloud.client("kinesis")).send(300)
        cloud.drain()

        page = new_page(browser)
        signin_kb = _js_fetched(
            page, lambda: (page.goto(stack.url + "/signin"), page.wait_for_load_state("networkidle"))
        )
        page.context.close()

        page = new_page(browser)
        sign_in(page, stack, "/signin")
        session = page.evaluate("sessionStorage.getItem('stratus.session')")
        token = id_token(page)
        page.context.close()

        drawn, loaded, first_kb = [], [], 0.0
        api_started: list[float] = []
        api_in_browser: list[float] = []
        for _run in range(RUNS):
            page = new_page(browser)
            page.context.add_init_script(f"sessionStorage.setItem('stratus.session', {json.dumps(session)})")

            def navigate(p: Any = page) -> None:
                p.goto(stack.url + QUERY)
                p.wait_for_selector("figure[data-drawn=true]")

            kb = _js_fetched(page, navigate)
            first_kb = first_kb or kb
            timing = page.evaluate(TIMING)
            drawn.append(timing["drawn"])
            loaded.append(timing["load"])
            api_started.append(timing["apiStart"])
            api_in_browser.append(timing["apiTook"])
            page.context.close()

        api_ms = []
        for _ in range(RUNS):
            started = time.perf_counter()
            status, _body = stack.api("GET", "/counters?" + QUERY.split("?", 1)[1], token)
            api_ms.append((time.perf_counter() - started) * 1000)
            assert status == 200

    print("gzipped JavaScript (gzip -9 per file)")
    print(f"  first page (dashboard, signed in)  {first_kb:7.1f} KB   goal < {GOAL_KB} KB")
    print(f"  sign-in page                       {signin_kb:7.1f} KB")
    print(f"  baseline: the whole build's JS     {whole:7.1f} KB   (one unsplit bundle; anchor app ~250 KB)")
    print(f"navigation -> dashboard drawn with data, median of {RUNS} (local cloud, headless chromium)")
    print(f"  drawn with data                    {statistics.median(drawn):7.0f} ms")
    print(f"  baseline: load event               {statistics.median(loaded):7.0f} ms")
    print(f"  of which: counters request starts  {statistics.median(api_started):7.0f} ms")
    print(
        f"  of which: counters request takes   {statistics.median(api_in_browser):7.0f} ms (in the browser)"
    )
    print(f"  baseline: the counters API alone   {statistics.median(api_ms):7.0f} ms")
