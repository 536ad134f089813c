"""Which webhook URLs Stratus may call: checked when an endpoint is saved and again before every send.

An endpoint URL is a request Stratus makes on a stranger's behalf from inside AWS (server-side request
forgery). Only `https` to publicly routable addresses is allowed:

- the URL itself: https only, no credentials (`user@host` tricks), no fragment, a host name or an IP
  literal written canonically (decimal, hex, octal and shortened IPv4 spellings such as `2130706433`,
  `0x7f.1` or `0177.0.0.1` are refused rather than interpreted);
- every address the host resolves to (not only the first): private, loopback, link-local (the instance
  metadata service at 169.254.169.254 and fd00:ec2::254 included), CGNAT, unique-local, multicast,
  unspecified, reserved and documentation ranges, and the same addresses wrapped in IPv4-mapped,
  IPv4-compatible, NAT64 and 6to4 IPv6 forms, are refused;
- the caller then connects to the address that was checked (never resolving again), so a DNS answer
  that changes between the check and the connection (rebinding) gets nowhere.

`allow_loopback` (the WebhookAllowLoopbackTargets parameter, for the local cloud only) admits exactly
`http://127.0.0.1:<port>` and `http://[::1]:<port>`: nothing else, and no name resolution.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048

_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 included
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, instance metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo included)
        "2001:db8::/32",
        "fc00::/7",  # unique-local; fd00:ec2::254 is the IPv6 instance metadata service
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOOPBACK_HOSTS = {"127.0.0.1": ipaddress.ip_address("127.0.0.1"), "::1": ipaddress.ip_address("::1")}


class TargetRefusedError(ValueError):
    """The URL (or what its host resolves to) is not a target Stratus calls; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL, split the way the sender uses it."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name, or the IP literal without brackets
    port: int
    path: str  # path and query, as sent in the request line
    literal: IPAddress | None  # set when the host is an IP literal

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address `host` resolves to (raise OSError when it does not resolve)."""
        ...


class SystemResolver:
    """The runtime's resolver (getaddrinfo), every address it returns."""

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        seen: dict[str, IPAddress] = {}
        for info in infos:
            address = str(info[4][0]).split("%", 1)[0]
            seen.setdefault(address, ipaddress.ip_address(address))
        return list(seen.values())


# Replaceable: tests simulate DNS answers (rebinding included) with their own resolver.
resolver: Resolver = SystemResolver()


def address_refusal(address: IPAddress) -> str | None:
    """Why `address` may not be called, or None when it is publicly routable."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            reason = address_refusal(embedded)
            return f"{address} embeds {embedded}: {reason}" if reason else None
        for network6 in _BLOCKED_V6:
            if address in network6:
                return f"{address} is in {network6}, which is not publicly routable"
    else:
        for network in _BLOCKED_V4:
            if address in network:
                return f"{address} is in {network}, which is not publicly routable"
    if address.is_multicast or not address.is_global:
        return f"{address} is not a publicly routable address"
    return None


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 or 6to4 IPv6 address reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_target(url: str, *, allow_loopback: bool = False) -> Target:  # noqa: PLR0912 - one check per rule
    """Check the URL's form (not yet its addresses); TargetRefusedError says what is wrong."""
    if not isinstance(url, str) or not url:
        raise TargetRefusedError("give an https URL")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefusedError(f"at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        raise TargetRefusedError("whitespace, control characters and backslashes are not allowed")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefusedError(f"not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if "@" in parts.netloc:
        raise TargetRefusedError("credentials in the URL (user@host) are not allowed")
    if parts.fragment or url.endswith("#"):
        raise TargetRefusedError("a fragment (#...) is never sent; leave it out")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefusedError("the URL has no host")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    literal = _ip_literal(host, bracketed=parts.netloc.startswith("["))
    if allow_loopback and scheme == "http" and literal is not None and str(literal) in _LOOPBACK_HOSTS:
        if port is None:
            raise TargetRefusedError("a loopback receiver needs an explicit port")
        return Target(url, "http", str(literal), port, path, literal)
    if scheme != "https":
        raise TargetRefusedError("only https URLs are allowed")
    if port == 0:
        raise TargetRefusedError("port 0 is not a port")
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise TargetRefusedError(f"{host!r} is not a valid host name") from exc
    return Target(url, "https", str(literal) if literal else host, port or 443, path, literal)


def _ip_literal(host: str, *, bracketed: bool) -> IPAddress | None:
    """The address a host written as an IP literal designates; refuses non-canonical IPv4 spellings."""
    if bracketed or ":" in host:
        if "%" in host:
            raise TargetRefusedError("IPv6 zone identifiers are not allowed")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise TargetRefusedError(f"{host!r} is not a valid IPv6 address") from exc
    try:
        packed = socket.inet_aton(
            host
        )  # what the C library would connect to: 127.1, 0x7f.0.0.1, 2130706433 ...
    except OSError:
        return None  # a host name
    address = ipaddress.IPv4Address(packed)
    if str(address) != host:
        raise TargetRefusedError(
            f"{host!r} is a non-canonical spelling of {address}; write IPv4 addresses as dotted decimal"
        )
    return address


def checked_addresses(target: Target, dns: Resolver | None = None) -> list[IPAddress]:
    """Every address to connect to, all of them checked; TargetRefusedError if any one is refused."""
    if target.literal is not None:
        if target.scheme == "http":  # only the loopback receivers parse_target admitted
            return [target.literal]
        reason = address_refusal(target.literal)
        if reason:
            raise TargetRefusedError(reason)
        return [target.literal]
    try:
        addresses = (dns or resolver).resolve(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        raise TargetRefusedError(f"{target.host} does not resolve ({exc})") from exc
    if not addresses:
        raise TargetRefusedError(f"{target.host} does not resolve")
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise TargetRefusedError(f"{target.host} resolves to {reason}")
    return addresses


def check_url(url: str, *, allow_loopback: bool = False, dns: Resolver | None = None) -> Target:
    """Refuse (TargetRefusedError) a URL Stratus must not call; used when an endpoint is saved."""
    target = parse_target(url, allow_loopback=allow_loopback)
    checked_addresses(target, dns)
    return target
