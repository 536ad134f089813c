"""The receiver's signature checks, one scheme at a time, with the senders' own libraries where they exist."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import standardwebhooks
import stripe
import svix.webhooks
from slack_sdk.signature import SignatureVerifier

from stratus_shared.inbound_webhooks import SourceSecret, object_key
from tests.unit.webhooks.conftest import function_module

verify = function_module("webhook_receiver", "verify")
SW = "whsec_" + base64.b64encode(b"unit-test-secret-of-32-bytes-ok!").decode()
SW2 = "whsec_" + base64.b64encode(b"the-second-secret-during-rotate!").decode()
NOW = 1_764_633_600
BODY = b'{"type":"invoice.paid","id":"evt_1"}'


def source(scheme: str, secrets: list[str], **settings: Any) -> SourceSecret:
    return SourceSecret(scheme=scheme, secrets=secrets, **settings)  # type: ignore[arg-type]


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def standard(secret: str, at: int = NOW, webhook_id: str = "msg_1", body: bytes = BODY) -> dict[str, str]:
    moment = datetime.fromtimestamp(at, UTC)
    signature = standardwebhooks.Webhook(secret).sign(webhook_id, moment, body.decode())
    return {"webhook-id": webhook_id, "webhook-timestamp": str(at), "webhook-signature": signature}


def test_standard_webhooks_accepts_its_own_library_and_either_live_secret() -> None:
    for signer in (SW, SW2):
        found = verify.verify(source("standard-webhooks", [SW, SW2]), standard(signer), BODY, NOW)
        assert (found.webhook_id, found.timestamp) == ("msg_1", NOW)


def test_svix_headers_signed_by_svix_are_accepted() -> None:
    signature = svix.webhooks.Webhook(SW).sign("msg_s", datetime.fromtimestamp(NOW, UTC), BODY.decode())
    headers = {"svix-id": "msg_s", "svix-timestamp": str(NOW), "svix-signature": signature}
    assert verify.verify(source("standard-webhooks", [SW]), headers, BODY, NOW).webhook_id == "msg_s"


@pytest.mark.parametrize(("offset", "accepted"), [(-300, True), (300, True), (-301, False), (301, False)])
def test_the_tolerance_holds_in_both_directions(offset: int, accepted: bool) -> None:
    headers = standard(SW, at=NOW + offset)
    if accepted:
        verify.verify(source("standard-webhooks", [SW]), headers, BODY, NOW)
    else:
        with pytest.raises(verify.SignatureError, match="too old" if offset < 0 else "in the future"):
            verify.verify(source("standard-webhooks", [SW]), headers, BODY, NOW)


def test_one_changed_byte_is_refused() -> None:
    with pytest.raises(verify.SignatureError, match="signature does not match"):
        verify.verify(source("standard-webhooks", [SW]), standard(SW), BODY.replace(b"1", b"2"), NOW)


def test_stripe_header_from_the_stripe_library() -> None:
    secret = "whsec_stripe_unit"
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), secret, timestamp=NOW)
    found = verify.verify(source("stripe", [secret]), {"stripe-signature": header}, BODY, NOW)
    assert (found.webhook_id, found.timestamp) == ("evt_1", NOW)
    with pytest.raises(verify.SignatureError, match="too old"):
        verify.verify(source("stripe", [secret]), {"stripe-signature": header}, BODY, NOW + 301)


def test_slack_signature_from_slack_sdk() -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev9", "event": {"type": "message"}}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier("slack-secret").generate_signature(timestamp=stamp, body=body)
    headers = {"x-slack-signature": str(signature), "x-slack-request-timestamp": stamp}
    assert verify.verify(source("slack", ["slack-secret"]), headers, body, time.time()).webhook_id == "Ev9"


def test_github_and_shopify_hmacs() -> None:
    digest = hmac.new(b"k", BODY, hashlib.sha256)
    github = {
        "x-hub-signature-256": "sha256=" + digest.hexdigest(),
        "x-github-delivery": "d1",
        "x-github-event": "push",
    }
    assert verify.verify(source("github", ["k"]), github, BODY, NOW).event_type == "push"
    shopify = {
        "x-shopify-hmac-sha256": base64.b64encode(digest.digest()).decode(),
        "x-shopify-topic": "orders/paid",
    }
    found = verify.verify(source("shopify", ["k"]), shopify, BODY, NOW)
    assert found.event_type == "orders/paid"
    assert found.webhook_id.startswith("sha256:")  # no id header: the hash of what was signed


def test_generic_hmac_with_prefix_and_timestamp() -> None:
    settings = {
        "header": "X-Sig",
        "algorithm": "sha512",
        "encoding": "hex",
        "prefix": "v1=",
        "timestampHeader": "X-Ts",
    }
    mac = hmac.new(b"k", f"{NOW}.".encode() + BODY, hashlib.sha512).hexdigest()
    found = verify.verify(
        source("hmac", ["k"], hmac=settings), {"x-sig": "v1=" + mac, "x-ts": str(NOW)}, BODY, NOW
    )
    assert found.timestamp == NOW
    with pytest.raises(verify.SignatureError, match="malformed X-Sig header"):
        verify.verify(source("hmac", ["k"], hmac=settings), {"x-sig": mac, "x-ts": str(NOW)}, BODY, NOW)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": "v2,abc"},
        {"webhook-id": "m", "webhook-timestamp": "-5", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": "1e9", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": "v1," + "A" * 5},
        {"webhook-id": "m\x00", "webhook-timestamp": str(NOW), "webhook-signature": "v1,===="},
    ],
)
def test_malformed_standard_headers_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(verify.SignatureError):
        verify.verify(source("standard-webhooks", [SW]), lower(headers), BODY, NOW)


def test_object_keys_never_follow_the_senders_id() -> None:
    key = object_key("acme", "../../etc/passwd")
    assert key.startswith("in/acme/")
    assert ".." not in key
    assert key == object_key("acme", "../../etc/passwd")
    assert key != object_key("acme2", "../../etc/passwd")
