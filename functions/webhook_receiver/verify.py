"""Signature checks for every scheme, over the raw body bytes, before anything reads the body.

Pure functions: headers (lower-cased names) + body + secrets + now -> a `Verified` or a
`SignatureError`. Every comparison is `hmac.compare_digest`; every header is parsed defensively,
so a malformed one is a refusal, never an exception. Messages name what was wrong, never a value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from stratus_shared.inbound_webhooks import MAX_WEBHOOK_ID_LENGTH, SourceSecret

MAX_SIGNATURES = 20  # more candidates than this in one header is an attack, not a rotation


class SignatureError(Exception):
    """The request is not authentic (401); the message is safe to return and to log."""


@dataclass(frozen=True)
class Verified:
    webhook_id: str
    timestamp: int | None = None
    event_type: str | None = None


def verify(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: float) -> Verified:
    """Check the request against every live secret of the source; `SignatureError` if none signed it."""
    check = _SCHEMES[source.scheme]
    return check(source, headers, body, int(now))


# ---- helpers -----------------------------------------------------------------------------------
def _header(headers: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value
    return None


def _required(headers: Mapping[str, str], what: str, *names: str) -> str:
    value = _header(headers, *names)
    if value is None or not value.strip():
        raise SignatureError(f"missing {what} header")
    return value.strip()


def _timestamp(text: str, tolerance: int, now: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise SignatureError("malformed timestamp")
    stamp = int(text)
    if stamp < now - tolerance:
        raise SignatureError("timestamp too old")
    if stamp > now + tolerance:
        raise SignatureError("timestamp in the future")
    return stamp


def _mac(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, getattr(hashlib, algorithm)).digest()


def _any_match(expected: Iterable[bytes], given: Iterable[bytes]) -> bool:
    """Constant time per comparison; every pair is compared, so timing says nothing about which."""
    found = False
    given = list(given)
    for mine in expected:
        for theirs in given:
            found |= hmac.compare_digest(mine, theirs)
    return found


def _unhex(text: str) -> bytes | None:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _unbase64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _utf8(secret: str) -> bytes:
    return secret.encode()


def _id(value: str | None, fallback: bytes) -> str:
    if value is None or not value.strip():
        return "sha256:" + hashlib.sha256(fallback).hexdigest()
    value = value.strip()
    if len(value) > MAX_WEBHOOK_ID_LENGTH or not value.isprintable():
        raise SignatureError("malformed webhook id")
    return value


def _json_field(body: bytes, name: str) -> str | None:
    """A top-level string of a verified JSON body (None when the body is not a JSON object)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    value = document.get(name) if isinstance(document, dict) else None
    return value if isinstance(value, str) else None


# ---- the schemes -------------------------------------------------------------------------------
def _standard_webhooks(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: int) -> Verified:
    """Standard Webhooks (and Svix's svix-* spelling): v1 = base64 HMAC-SHA256 of id.timestamp.body,
    secrets `whsec_<base64>`; the signature header may list several, space-separated."""
    webhook_id = _required(headers, "webhook id", "webhook-id", "svix-id")
    stamp_text = _required(headers, "webhook timestamp", "webhook-timestamp", "svix-timestamp")
    signatures = _required(headers, "webhook signature", "webhook-signature", "svix-signature")
    stamp = _timestamp(stamp_text, source.toleranceSeconds, now)
    given = []
    for part in signatures.split()[:MAX_SIGNATURES]:
        version, _, value = part.partition(",")
        if version == "v1" and (raw := _unbase64(value)) is not None:
            given.append(raw)
    if not given:
        raise SignatureError("malformed webhook signature header")
    signed = webhook_id.encode() + b"." + stamp_text.encode() + b"." + body
    expected = []
    for secret in source.secrets:
        key = _unbase64(secret.removeprefix("whsec_"))
        if key is not None:
            expected.append(_mac(key, signed))
    if not _any_match(expected, given):
        raise SignatureError("signature does not match")
    return Verified(_id(webhook_id, signed), stamp)


def _stripe(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: int) -> Verified:
    """Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]; v1 = HMAC-SHA256(secret, t.body) in hex."""
    header = _required(headers, "Stripe-Signature", "stripe-signature")
    stamp_text: str | None = None
    given = []
    for item in header.split(",")[: MAX_SIGNATURES + 2]:
        name, _, value = item.strip().partition("=")
        if name == "t" and stamp_text is None:
            stamp_text = value
        elif name == "v1" and (raw := _unhex(value)) is not None:
            given.append(raw)
    if stamp_text is None or not given:
        raise SignatureError("malformed Stripe-Signature header")
    stamp = _timestamp(stamp_text, source.toleranceSeconds, now)
    signed = stamp_text.encode() + b"." + body
    if not _any_match((_mac(_utf8(s), signed) for s in source.secrets), given):
        raise SignatureError("signature does not match")
    return Verified(_id(_json_field(body, "id"), signed), stamp, None)


def _github(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: int) -> Verified:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>; deliveries keyed by X-GitHub-Delivery."""
    header = _required(headers, "X-Hub-Signature-256", "x-hub-signature-256")
    if not header.startswith("sha256=") or (given := _unhex(header[7:])) is None:
        raise SignatureError("malformed X-Hub-Signature-256 header")
    if not _any_match((_mac(_utf8(s), body) for s in source.secrets), [given]):
        raise SignatureError("signature does not match")
    delivery = _header(headers, "x-github-delivery")
    return Verified(_id(delivery, body), None, _header(headers, "x-github-event"))


def _slack(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: int) -> Verified:
    """X-Slack-Signature: v0=<hex HMAC-SHA256 of v0:timestamp:body>, X-Slack-Request-Timestamp."""
    header = _required(headers, "X-Slack-Signature", "x-slack-signature")
    stamp_text = _required(headers, "X-Slack-Request-Timestamp", "x-slack-request-timestamp")
    if not header.startswith("v0=") or (given := _unhex(header[3:])) is None:
        raise SignatureError("malformed X-Slack-Signature header")
    stamp = _timestamp(stamp_text, source.toleranceSeconds, now)
    signed = b"v0:" + stamp_text.encode() + b":" + body
    if not _any_match((_mac(_utf8(s), signed) for s in source.secrets), [given]):
        raise SignatureError("signature does not match")
    # Events API bodies carry event_id; Slack's retries repeat it (X-Slack-Retry-Num counts them).
    return Verified(_id(_json_field(body, "event_id"), body), stamp)


def _shopify(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: int) -> Verified:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body with the app's secret."""
    header = _required(headers, "X-Shopify-Hmac-Sha256", "x-shopify-hmac-sha256")
    if (given := _unbase64(header)) is None:
        raise SignatureError("malformed X-Shopify-Hmac-Sha256 header")
    if not _any_match((_mac(_utf8(s), body) for s in source.secrets), [given]):
        raise SignatureError("signature does not match")
    delivery = _header(headers, "x-shopify-webhook-id", "x-shopify-event-id")
    return Verified(_id(delivery, body), None, _header(headers, "x-shopify-topic"))


def _generic(source: SourceSecret, headers: Mapping[str, str], body: bytes, now: int) -> Verified:
    """hmac: the configured header, algorithm, encoding and prefix; with a timestamp header the signed
    content is `<timestamp>.<body>` and the tolerance applies."""
    settings = source.hmac
    assert settings is not None  # SourceSettings refuses hmac without them
    header = _required(headers, settings.header, settings.header.lower())
    if settings.prefix and not header.startswith(settings.prefix):
        raise SignatureError(f"malformed {settings.header} header")
    decode = _unhex if settings.encoding == "hex" else _unbase64
    given = [raw for part in header[len(settings.prefix) :].split()[:MAX_SIGNATURES] if (raw := decode(part))]
    if not given:
        raise SignatureError(f"malformed {settings.header} header")
    stamp: int | None = None
    signed = body
    if settings.timestampHeader:
        stamp_text = _required(headers, settings.timestampHeader, settings.timestampHeader.lower())
        stamp = _timestamp(stamp_text, source.toleranceSeconds, now)
        signed = stamp_text.encode() + b"." + body
    expected = (_mac(_utf8(s), signed, settings.algorithm) for s in source.secrets)
    if not _any_match(expected, given):
        raise SignatureError("signature does not match")
    delivery = _header(headers, settings.idHeader.lower()) if settings.idHeader else None
    event_type = _header(headers, settings.eventTypeHeader.lower()) if settings.eventTypeHeader else None
    return Verified(_id(delivery, signed), stamp, event_type)


_SCHEMES: dict[str, Callable[[SourceSecret, Mapping[str, str], bytes, int], Verified]] = {
    "standard-webhooks": _standard_webhooks,
    "stripe": _stripe,
    "github": _github,
    "slack": _slack,
    "shopify": _shopify,
    "hmac": _generic,
}
