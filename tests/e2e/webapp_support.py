"""The web app on the local cloud, driven by Playwright in Debian's chromium (never a downloaded browser).

`make local`'s own start-up (`stratus_local.cli._started`) runs the cloud, the API and the web app on
free ports; tests sign in through the page as a person would and read the API with the same token.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stratus_local.cli import Running, _local_defaults, _started

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
# Test artifacts: a screenshot of every page (see README, "Tests and benchmarks").
SCREENSHOTS = ROOT / "test-results" / "webapp"
CHROMIUM = os.environ.get("STRATUS_CHROMIUM", "/usr/bin/chromium")
# Without these flags chromium keeps trying to reach Google's services from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
PASSWORD = "Web-App-Tests-2026!"


def browser_available() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)"
    if not (DIST / "index.html").is_file():
        return "frontend/dist is not built (make web-build)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@dataclass
class WebStack:
    running: Running

    @property
    def url(self) -> str:
        assert self.running.web is not None
        return self.running.web.url.rstrip("/")

    @property
    def password(self) -> str:
        return self.running.user.password

    @property
    def username(self) -> str:
        return self.running.user.username

    def routes(self) -> set[str]:
        return {route.path for route in self.running.api.routes.api.routes}

    def create_user(self, email: str, password: str = PASSWORD) -> None:
        cognito = self.running.cloud.client("cognito-idp")
        pool = self.running.user.pool_id
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)

    def api(self, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
        """Call the API through the web app's /api, as the browser does."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}/api{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        if token:
            request.add_header("Authorization", token)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@contextmanager
def web_stack() -> Iterator[WebStack]:
    args = argparse.Namespace(template=str(ROOT / "template.yaml"), parameter_overrides=[])
    _local_defaults(args)  # the parameters `make local` runs with (document chat offline, ...)
    with _started(args, moto_port=0, api_port=0, background=True, web_port=0) as running:
        assert running.web is not None, running.web_missing
        yield WebStack(running)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, *, width: int = 1280, dark: bool = False) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light"
    )
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def sign_in(
    page: Any, stack: WebStack, path: str = "/", email: str | None = None, password: str | None = None
) -> None:
    page.goto(stack.url + path)
    page.wait_for_url("**/signin**")
    page.get_by_label("E-mail address").fill(email or stack.username)
    page.get_by_label("Password").fill(password or stack.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)


def id_token(page: Any) -> str:
    session = page.evaluate("sessionStorage.getItem('stratus.session')")
    assert session, "no session stored"
    return str(json.loads(session)["idToken"])


def csp_violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspViolations || []"))


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def reset_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


def needs_routes(stack: WebStack, *paths: str) -> None:
    missing = [p for p in paths if p not in stack.routes()]
    if missing:
        pytest.skip(f"the API has no {', '.join(missing)} yet (its backend branch has not landed)")
