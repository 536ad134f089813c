"""The pieces `make local` is made of: demo password, tampered token, copy-paste commands, arguments."""

from __future__ import annotations

import base64
import json
import string
from types import SimpleNamespace
from typing import Any

import pytest

from stratus_local import cli, demo


def test_generated_passwords_meet_the_pool_policy_and_differ() -> None:
    passwords = {demo.generate_password() for _ in range(50)}

    assert len(passwords) == 50
    for password in passwords:
        assert len(password) >= 12
        assert any(c in string.ascii_lowercase for c in password)
        assert any(c in string.ascii_uppercase for c in password)
        assert any(c in string.digits for c in password)
        assert any(c in "!#%*+-=?@^_" for c in password)
        # safe to paste inside the single-quoted JSON of the printed example
        assert not set(password) & set("'\"\\$`, ")


def _b64(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_tampered_token_keeps_header_and_claims_but_not_the_signature() -> None:
    token = f"{_b64({'alg': 'RS256'})}.{_b64({'sub': 'x'})}.Zm9vYmFy"

    forged = demo.tampered(token)

    assert forged.split(".")[:2] == token.split(".")[:2]
    assert forged.split(".")[2] != token.split(".")[2]


def test_example_is_a_ready_token_and_a_curl_call_needing_no_other_tool() -> None:
    text = demo.example_commands("http://127.0.0.1:3000/v1", "eyJ.a.b", "/counters")

    assert text.splitlines() == [
        "TOKEN='eyJ.a.b'",
        'curl -s -H "Authorization: $TOKEN" "http://127.0.0.1:3000/v1/counters"',
    ]
    assert "aws " not in text


def test_local_requests_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        demo.http_get("http://example.com/")


def test_parameter_overrides_must_be_name_value() -> None:
    assert cli._parameters(["A=1", "B=x=y"]) == {"A": "1", "B": "x=y"}
    with pytest.raises(SystemExit, match="Name=Value"):
        cli._parameters(["oops"])


def _api_with(*paths: str, open_paths: tuple[str, ...] = ()) -> Any:
    routes = [SimpleNamespace(path=p) for p in (*paths, *open_paths)]
    cognito = {(p, "GET"): object() for p in paths}
    return SimpleNamespace(routes=SimpleNamespace(api=SimpleNamespace(routes=routes), cognito=cognito))


def test_the_example_route_is_the_counters_query_whatever_sorts_first() -> None:
    api = _api_with("/conversations", "/counters", "/documents/{documentId}")

    assert cli._protected_get_path(api) == "/counters" + cli.CHECK_QUERIES["/counters"]


def test_without_counters_the_first_protected_route_without_parameters_is_used() -> None:
    api = _api_with("/webhooks/endpoints", "/documents", open_paths=("/health",))

    assert cli._protected_get_path(api) == "/documents"
    assert cli._protected_get_path(_api_with(open_paths=("/health",))) is None
