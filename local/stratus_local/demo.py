"""What `make local` adds on top of the local cloud: a demo user, demo traffic, and the scripted check.

Everything here talks to the local cloud the way a user would: through the AWS APIs at the local
endpoint (Cognito sign-in fires the pool's triggers there) and through HTTP to the local API.
"""

from __future__ import annotations

import importlib.util
import secrets
import string
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from stratus_local.authorizer import require_loopback

DEMO_USERNAME = "demo@example.com"
STREAM_OUTPUT = "WebAnalyticsStreamName"
POOL_OUTPUT = "UserPoolId"
CLIENT_OUTPUT = "UserPoolClientId"
# Cognito's default and the template's policy: 12+ characters with lower, upper, digit and symbol.
_SYMBOLS = "!#%*+-=?@^_"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    pool_id: str
    client_id: str


@dataclass(frozen=True)
class CheckResult:
    name: str
    expected: int
    status: int
    body: str

    @property
    def ok(self) -> bool:
        return self.status == self.expected

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.name}: expected {self.expected}, got {self.status} {self.body[:200]}"


def generate_password(length: int = 20) -> str:
    """A random password that satisfies the pool's policy (one of each class, the rest mixed)."""
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits, _SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(max(length, 12) - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def create_demo_user(
    cognito: Any, outputs: Mapping[str, Any], username: str = DEMO_USERNAME, password: str | None = None
) -> DemoUser:
    """An administrator-created, confirmed user with a permanent password (the pool is admin-only)."""
    user = DemoUser(
        username=username,
        password=password or generate_password(),
        pool_id=str(outputs[POOL_OUTPUT]),
        client_id=str(outputs[CLIENT_OUTPUT]),
    )
    cognito.admin_create_user(
        UserPoolId=user.pool_id,
        Username=user.username,
        UserAttributes=[
            {"Name": "email", "Value": user.username},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=user.pool_id, Username=user.username, Password=user.password, Permanent=True
    )
    return user


def sign_in(cognito: Any, user: DemoUser) -> dict[str, str]:
    """USER_PASSWORD_AUTH through the Cognito API (the pool's auth triggers run, as in AWS)."""
    result = cognito.initiate_auth(
        ClientId=user.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user.username, "PASSWORD": user.password},
    )
    tokens: dict[str, str] = result["AuthenticationResult"]
    return tokens


def _traffic_module(root: Path) -> ModuleType | None:
    path = root / "tools" / "traffic_generator.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("stratus_traffic_generator", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


class DemoTraffic:
    """The traffic generator in `tools/` aimed at the stack's web-analytics stream, if both exist."""

    def __init__(self, root: Path, outputs: Mapping[str, Any], kinesis: Any) -> None:
        self.stream = outputs.get(STREAM_OUTPUT)
        module = _traffic_module(root) if self.stream else None
        self._module = module
        self._generator = module.TrafficGenerator(str(self.stream), kinesis=kinesis) if module else None

    @property
    def available(self) -> bool:
        return self._generator is not None

    def why_not(self) -> str:
        if not self.stream:
            return f"the stack has no {STREAM_OUTPUT} output (stream replication switched off?)"
        return "tools/traffic_generator.py is missing"

    def send(self, count: int) -> int:
        if self._generator is None or self._module is None:
            return 0
        sent: int = self._generator.send(self._module.generate_events(count))
        return sent


def http_get(url: str, headers: Mapping[str, str] | None = None, timeout: float = 30) -> tuple[int, str]:
    """GET a local URL; (status, body) for any answer, error statuses included."""
    require_loopback(url)
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 - loopback http only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode(errors="replace")


def tampered(token: str) -> str:
    """The token with its signature altered: well-formed, but no key verifies it."""
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{head}.{payload}.{flipped}"


def run_check(url: str, token: str) -> list[CheckResult]:
    """The authorized route with the token (200), with no token (401), with a tampered token (401)."""
    cases: Sequence[tuple[str, int, dict[str, str]]] = [
        ("signed-in request", 200, {"Authorization": token}),
        ("request without a token", 401, {}),
        ("request with a tampered token", 401, {"Authorization": tampered(token)}),
    ]
    results = []
    for name, expected, headers in cases:
        status, body = http_get(url, headers)
        results.append(CheckResult(name, expected, status, body))
    return results


def example_commands(api_url: str, token: str, path: str | None) -> str:
    """Copy-paste shell lines: the token, then a call of a protected route with it (curl only)."""
    lines = [f"TOKEN='{token}'"]
    if path is not None:
        lines.append(f'curl -s -H "Authorization: $TOKEN" "{api_url}{path}"')
    return "\n".join(lines)
