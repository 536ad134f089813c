"""SSRF: every address that is not publicly routable is refused when an endpoint is saved (400 with the
reason) and again at send time, after its DNS answer changed (rebinding), before any connection."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from tests.integration.webhooks.conftest import SENDER, FakeDns, call, scan, seed_message, sqs_event
from tests.support.harness import StackHarness

PUBLIC = "93.184.216.34"
# Host names whose DNS answer is one of the addresses Stratus never calls.
BLOCKED_ANSWERS = {
    "rfc1918-10": ["10.1.2.3"],
    "rfc1918-172": ["172.16.5.4"],
    "rfc1918-192": ["192.168.0.10"],
    "loopback": ["127.0.0.1"],
    "loopback-far": ["127.255.0.9"],
    "metadata": ["169.254.169.254"],
    "link-local": ["169.254.1.1"],
    "cgnat": ["100.64.0.1"],
    "this-network": ["0.0.0.0"],  # noqa: S104 - a DNS answer, not a bind
    "multicast": ["224.0.0.251"],
    "broadcast": ["255.255.255.255"],
    "reserved": ["240.0.0.1"],
    "benchmarking": ["198.18.0.1"],
    "v6-loopback": ["::1"],
    "v6-unspecified": ["::"],
    "v6-link-local": ["fe80::1"],
    "v6-metadata": ["fd00:ec2::254"],
    "v6-unique-local": ["fc00::1"],
    "v6-multicast": ["ff02::1"],
    "v4-mapped": ["::ffff:10.0.0.1"],
    "v4-mapped-metadata": ["::ffff:169.254.169.254"],
    "v4-compatible": ["::127.0.0.1"],
    "nat64-metadata": ["64:ff9b::a9fe:a9fe"],
    "nat64-local-use": ["64:ff9b:1::1"],
    "6to4-loopback": ["2002:7f00:1::1"],
    "6to4-private": ["2002:c0a8:1::1"],
    "teredo": ["2001:0:4136:e378:8000:63bf:3fff:fdd2"],
    "documentation": ["2001:db8::1"],
    "public-and-private": [PUBLIC, "10.0.0.1"],
}
BAD_URLS = [
    "http://hooks.example.com/",  # not https
    "ftp://hooks.example.com/",
    "https://2130706433/",  # 127.0.0.1 in decimal
    "https://0x7f000001/",  # ... in hex
    "https://0x7f.0.0.1/",
    "https://0177.0.0.1/",  # ... in octal
    "https://127.1/",  # ... shortened
    "https://0/",
    "https://hooks.example.com@10.0.0.1/",  # user@host
    "https://user:pass@hooks.example.com/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[64:ff9b::7f00:1]/",
    "https://[fe80::1%25eth0]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "https://hooks.example.com/#fragment",
    "https://hooks.example.com\\@10.0.0.1/",
    "https://unresolvable.example/",
]


def _create(stack: StackHarness, url: str) -> tuple[int, Any]:
    return call(stack, "POST", "/webhooks/endpoints", {"url": url})


def test_every_host_resolving_to_a_refused_address_is_refused_at_creation(
    stack: StackHarness, dns: FakeDns
) -> None:
    for host, answer in BLOCKED_ANSWERS.items():
        dns.answers[f"{host}.example.com"] = answer

    answers = {host: _create(stack, f"https://{host}.example.com/hooks") for host in BLOCKED_ANSWERS}

    accepted = {host: a for host, a in answers.items() if a[0] != 400}
    assert accepted == {}
    for host, (_, body) in answers.items():
        assert body["message"].startswith(f"url: {host}.example.com resolves to "), body
    assert scan(stack, "WebhookTableName", "T#") == []


def test_every_refused_url_form_is_refused_at_creation(stack: StackHarness, dns: FakeDns) -> None:
    dns.answers["hooks.example.com"] = [PUBLIC]

    answers = {url: _create(stack, url) for url in BAD_URLS}

    assert {url: a for url, a in answers.items() if a[0] != 400} == {}
    assert all(body["message"].startswith("url: ") for _, body in answers.values())


def test_a_public_host_is_accepted(stack: StackHarness, dns: FakeDns) -> None:
    dns.answers["hooks.example.com"] = [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]

    status, body = _create(stack, "https://hooks.example.com:8443/stratus?k=v")

    assert status == 201
    assert body["url"] == "https://hooks.example.com:8443/stratus?k=v"


def test_loopback_receivers_are_refused_unless_the_local_cloud_allows_them(
    stack: StackHarness, dns: FakeDns
) -> None:
    dns.answers["localhost"] = ["127.0.0.1"]

    answers = [
        _create(stack, url)[0]
        for url in ("http://127.0.0.1:8080/", "http://[::1]:8080/", "http://localhost:8080/")
    ]

    assert answers == [400, 400, 400]


def test_a_host_that_resolves_elsewhere_at_send_time_is_refused_before_connecting(
    stack: StackHarness, dns: FakeDns
) -> None:
    dns.answers["hooks.example.com"] = [PUBLIC]
    status, endpoint = _create(stack, "https://hooks.example.com/hooks")
    assert status == 201
    rebound = [
        "127.0.0.1",
        "169.254.169.254",
        "10.0.0.7",
        "::ffff:169.254.169.254",
        "fd00:ec2::254",
        PUBLIC + " 10.0.0.8",
    ]
    errors = {}
    for answer in rebound:
        message_id = seed_message(stack, {"answer": answer})
        dns.answers["hooks.example.com"] = (
            answer.split()
        )  # rebinding: a new answer after the check at creation
        task = {"tenantId": endpoint_tenant(stack), "messageId": message_id, "endpointId": endpoint["id"]}
        result = stack.function(SENDER).invoke(sqs_event(stack, [json.dumps(task)]))
        assert result == {"batchItemFailures": []}
        [attempt] = [i for i in _attempts(stack) if i["messageId"]["S"] == message_id]
        errors[answer] = attempt

    for answer, attempt in errors.items():
        assert attempt["error"]["S"].startswith(
            f"refused target: hooks.example.com resolves to {answer.split()[-1]}"
        )
        assert "statusCode" not in attempt  # no connection was made


def _attempts(stack: StackHarness) -> list[dict[str, Any]]:
    return [i for i in scan(stack, "WebhookTableName", "T#") if i["sk"]["S"].startswith("A#")]


def test_the_sender_connects_to_the_address_it_checked(
    stack: StackHarness, dns: FakeDns, monkeypatch: pytest.MonkeyPatch
) -> None:
    dns.answers["hooks.example.com"] = [PUBLIC]
    _, endpoint = _create(stack, "https://hooks.example.com/hooks")
    message_id = seed_message(stack, {"order": 8})
    transport = stack.function(SENDER).module("transport")
    connected: list[tuple[str, str, int, str]] = []

    class Answer:
        status = 204
        headers: ClassVar[dict[str, str]] = {}

        def read(self, amount: int) -> bytes:
            return b""

        def release_conn(self) -> None: ...

        def close(self) -> None: ...

    class Pool:
        def __init__(self, key: tuple[str, str, int, str]) -> None:
            self.key = key

        def urlopen(self, method: str, path: str, **kwargs: Any) -> Answer:
            connected.append(self.key)
            dns.answers["hooks.example.com"] = ["127.0.0.1"]  # a later answer is never used
            return Answer()

    monkeypatch.setattr(
        transport, "_pool", lambda scheme, address, port, name, timeout: Pool((scheme, address, port, name))
    )
    task = {"tenantId": endpoint_tenant(stack), "messageId": message_id, "endpointId": endpoint["id"]}

    stack.function(SENDER).invoke(sqs_event(stack, [json.dumps(task)]))

    assert connected == [("https", PUBLIC, 443, "hooks.example.com")]  # TLS name and Host stay the name
    assert dns.asked.count("hooks.example.com") == 2  # once when saved, once at send: never in between


def endpoint_tenant(stack: StackHarness) -> str:
    [item] = [i for i in scan(stack, "WebhookTableName", "T#") if i["sk"]["S"].startswith("EP#")]
    return str(item["tenantId"]["S"])
