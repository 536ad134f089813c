"""The target rules on their own (no DNS): URL forms, address ranges and the loopback allowance."""

from __future__ import annotations

import ipaddress

import pytest

from stratus_shared.webhook_targets import TargetRefusedError, address_refusal, parse_target


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "::ffff:93.184.216.34",
        "64:ff9b::5db8:d822",
        "2002:5db8:d822::1",
    ],
)
def test_public_addresses_and_their_wrapped_forms_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
        "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255",  # noqa: S104
        "192.0.0.8", "198.51.100.7",
        "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::",
        "2002:a9fe:a9fe::",
        "2001:db8::1", "2001::1",
    ],
)  # fmt: skip
def test_addresses_that_are_not_publicly_routable_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/", "only https"),
        ("https://2130706433/", "non-canonical"),
        ("https://0x7f.1/", "non-canonical"),
        ("https://017700000001/", "non-canonical"),
        ("https://127.1/", "non-canonical"),
        ("https://a@b.example.com/", "credentials"),
        ("https://example.com/#x", "fragment"),
        ("https://exa mple.com/", "whitespace"),
        ("https://[fe80::1%25lo]/", "zone"),
        ("https:///path", "no host"),
        ("https://example.com:0/", "port 0"),
    ],
)
def test_url_forms_that_are_refused_say_why(url: str, reason: str) -> None:
    with pytest.raises(TargetRefusedError, match=reason):
        parse_target(url)


def test_the_loopback_allowance_admits_only_plain_http_to_127_0_0_1_and_1_with_a_port() -> None:
    allowed = [
        parse_target(u, allow_loopback=True) for u in ("http://127.0.0.1:9000/h", "http://[::1]:9000/h")
    ]

    assert [(t.scheme, t.host, t.port, t.path) for t in allowed] == [
        ("http", "127.0.0.1", 9000, "/h"),
        ("http", "::1", 9000, "/h"),
    ]
    for refused in (
        "http://127.0.0.1/h",
        "http://localhost:9000/",
        "http://127.0.0.2:9000/",
        "http://10.0.0.1:80/",
    ):
        with pytest.raises(TargetRefusedError):
            parse_target(refused, allow_loopback=True)
    with pytest.raises(TargetRefusedError):
        parse_target("http://127.0.0.1:9000/h")  # without the allowance


def test_the_host_header_keeps_the_name_and_a_non_default_port() -> None:
    assert parse_target("https://Hooks.Example.com/x").host_header == "hooks.example.com"
    assert parse_target("https://hooks.example.com:8443/x").host_header == "hooks.example.com:8443"
    assert parse_target("https://bücher.example/").host == "xn--bcher-kva.example"
