"""The web app on one loopback port, shaped like its CloudFront distribution.

`/api/<route>` goes to the local API (in-process, as the distribution's `/api/*` behaviour sends it to
the stage with `/api` removed); everything else is a file of the built app (`frontend/dist`), where an
extensionless path gets `index.html` (the template's router function does the same) and `/config.json`
is written from the stack's outputs, as `make deploy-web` writes it for a deployed stack. Every response
carries the security headers of the template's `WebHeadersPolicy`, with the Content-Security-Policy's
AWS endpoints pointed at the local cloud, so a CSP violation shows up locally too.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from stratus_local.deployer import DeployedStack

HEADERS_POLICY = "WebHeadersPolicy"
_AWS_HOST = re.compile(r"https://[^\s;]*amazonaws\.com|https://[^\s;]*amazoncognito\.com")
StartResponse = Callable[..., Any]


def app_config(stack: DeployedStack, endpoint_url: str) -> dict[str, Any]:
    """What the app reads from /config.json (the same keys `make deploy-web` writes)."""
    outputs = stack.outputs
    federation = None
    if outputs.get("WebCognitoDomainUrl") and outputs.get("WebIdentityProviderName"):
        federation = {
            "domain": outputs["WebCognitoDomainUrl"],
            "provider": outputs["WebIdentityProviderName"],
        }
    return {
        "region": stack.region,
        "userPoolId": outputs["UserPoolId"],
        "clientId": outputs["UserPoolClientId"],
        "apiPath": "/api",
        "cognitoEndpoint": endpoint_url.rstrip("/") + "/",
        "adminGroup": outputs.get("AdminGroupName", "stratus-admin"),
        "federation": federation,
    }


def security_headers(stack: DeployedStack, endpoint_url: str) -> list[tuple[str, str]]:
    """The template's response headers policy as headers, its AWS endpoints replaced by the local cloud."""
    resource = stack.translated.resources.get(HEADERS_POLICY)
    if resource is None:
        return []
    config = stack.resolver.resolve(resource["Properties"])["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    headers: list[tuple[str, str]] = []
    if "ContentSecurityPolicy" in security:
        headers.append(
            (
                "Content-Security-Policy",
                local_csp(security["ContentSecurityPolicy"]["ContentSecurityPolicy"], endpoint_url),
            )
        )
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        headers.append(("Strict-Transport-Security", value))  # ignored by browsers over http, as it should be
    if "ContentTypeOptions" in security:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if "FrameOptions" in security:
        headers.append(("X-Frame-Options", security["FrameOptions"]["FrameOption"]))
    if "ReferrerPolicy" in security:
        headers.append(("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"]))
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers.append((item["Header"], item["Value"]))
    return headers


def local_csp(policy: str, endpoint_url: str) -> str:
    """The deployed policy with every AWS endpoint in it replaced by the local cloud's endpoint."""
    local = endpoint_url.rstrip("/")
    directives = []
    for directive in " ".join(policy.split()).split(";"):
        words = directive.split()
        if not words:
            continue
        kept = [w for w in words if not _AWS_HOST.fullmatch(w)]
        if len(kept) != len(words) and local not in kept:
            kept.append(local)
        directives.append(" ".join(kept))
    return "; ".join(directives)


class WebApp:
    """WSGI app: /api/* to the API's WSGI app, the rest from `dist` with the router rule."""

    def __init__(
        self, dist: Path, api: Any, config: Mapping[str, Any], headers: Iterable[tuple[str, str]]
    ) -> None:
        self.dist = dist.resolve()
        self.api = api
        self.config = json.dumps(dict(config)).encode()
        self.headers = list(headers)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/") or "/"
        if path == "/api" or path.startswith("/api/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/api"
            environ["PATH_INFO"] = path[4:] or "/"
            return self._api(environ, start_response)
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            return self._send(start_response, "405 Method Not Allowed", b"", "text/plain")
        if path == "/config.json":
            return self._send(start_response, "200 OK", self.config, "application/json", "no-cache")
        if "." not in path.rsplit("/", 1)[-1]:
            path = "/index.html"  # the template's WebRouterFunction
        file = (self.dist / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.dist) or not file.is_file():
            return self._send(start_response, "404 Not Found", b"not found", "text/plain")
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        cache = "public, max-age=31536000, immutable" if path.startswith("/assets/") else "no-cache"
        body = file.read_bytes() if environ.get("REQUEST_METHOD") == "GET" else b""
        return self._send(start_response, "200 OK", body, kind, cache)

    def _api(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def with_headers(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in headers}
            extra = [(n, v) for n, v in self.headers if n.lower() not in names]
            return start_response(status, headers + extra, exc_info)

        result: Iterable[bytes] = self.api(environ, with_headers)
        return result

    def _send(
        self, start_response: StartResponse, status: str, body: bytes, kind: str, cache: str = "no-store"
    ) -> list[bytes]:
        if kind.startswith("text/") or kind in {"application/javascript", "application/json"}:
            kind += "; charset=utf-8"
        start_response(
            status,
            [
                ("Content-Type", kind),
                ("Content-Length", str(len(body))),
                ("Cache-Control", cache),
                *self.headers,
            ],
        )
        return [body]


class LocalWebApp:
    """The web app served on `http://<host>:<port>/` until `stop()`."""

    def __init__(self, app: WebApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the web app is not started")
        return f"http://{self.host}:{self._server.server_port}/"

    def start(self) -> LocalWebApp:
        self._server = make_server(self.host, self._requested_port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> LocalWebApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
