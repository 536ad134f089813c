"""Webhooks in, whole: an operator registers sources over the REST API, senders POST signed requests
over HTTP to the receiving API, and the webhooks come out on the inbound bus (and the counters).

Requests are signed with each sender's own library where one exists: `standardwebhooks` and `svix`
(`Webhook.sign`), `stripe.WebhookSignature.generate_signature_header`, and `slack_sdk`'s
`SignatureVerifier.generate_signature`; GitHub, Shopify and the generic scheme with `hmac`, the
way their documentation describes it. No handler is called here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import standardwebhooks
import stripe
import svix.webhooks
from slack_sdk.signature import SignatureVerifier

from stratus_local import demo
from stratus_local.apigw import LocalApi
from stratus_local.cloud import LocalCloud
from tests.e2e.conftest import local_only

pytestmark = local_only("the test reads the local cloud's bus through a rule it adds, and sends 6 MB bodies")

SW_SECRET = "whsec_" + base64.b64encode(b"standard-webhooks-secret-32bytes").decode()
SW_OTHER = "whsec_" + base64.b64encode(b"another-secret-of-thirty-2 bytes").decode()
STRIPE_SECRET = "whsec_test_stripe_0123456789abcdef"
PLAIN = "a-plain-shared-secret"


@pytest.fixture(scope="module")
def local_cloud() -> Iterator[LocalCloud]:
    with LocalCloud(port=0, prefix_logs=False, parameters={"AllowSelfSignUp": "true"}) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def api(local_cloud: LocalCloud) -> Iterator[str]:
    with LocalApi(local_cloud.stack, local_cloud.invoke, endpoint_url=local_cloud.endpoint_url) as served:
        yield served.url


def _http(method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method, data=body, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    return status, (json.loads(text) if text else None)


class Operator:
    def __init__(self, api: str, token: str) -> None:
        self.api = api
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        return _http(
            method, self.api + path, data, {"Authorization": self.token, "Content-Type": "application/json"}
        )

    def source(self, **settings: Any) -> str:
        name = f"{settings['scheme'][:8]}-{secrets.token_hex(4)}"
        status, body = self.call("PUT", f"/webhooks/sources/{name}", settings)
        assert status == 200, body
        return name


def _user(cloud: LocalCloud, admin: bool) -> str:
    cognito = cloud.client("cognito-idp")
    user = demo.create_demo_user(
        cognito, cloud.stack.outputs, username=f"o-{secrets.token_hex(4)}@example.com"
    )
    if admin:
        cognito.admin_add_user_to_group(
            UserPoolId=cloud.output("UserPoolId"),
            Username=user.username,
            GroupName=cloud.output("AdminGroupName"),
        )
    return str(demo.sign_in(cognito, user)["IdToken"])


@pytest.fixture(scope="module")
def operator(local_cloud: LocalCloud, api: str) -> Operator:
    return Operator(api, _user(local_cloud, admin=True))


def send(api: str, source: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    return _http("POST", f"{api}/webhooks/in/{source}", body, {"Content-Type": "application/json", **headers})


@pytest.fixture(scope="module")
def bus(local_cloud: LocalCloud) -> Any:
    """Everything the inbound bus carries, copied to a queue (as an operator's rule would), in order."""
    sqs, events = local_cloud.client("sqs"), local_cloud.client("events")
    url = sqs.create_queue(QueueName="inbound-observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = local_cloud.output("InboundEventBusName")
    events.put_rule(
        Name="observe-inbound",
        EventBusName=name,
        EventPattern=json.dumps({"source": ["stratus.webhooks.in"]}),
    )
    events.put_targets(Rule="observe-inbound", EventBusName=name, Targets=[{"Id": "queue", "Arn": arn}])

    def read(source: str) -> list[dict[str, Any]]:
        local_cloud.clock.drain()
        found = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        read.seen.extend(found)  # type: ignore[attr-defined]
        return [e for e in read.seen if e["detail"]["source"] == source]  # type: ignore[attr-defined]

    read.seen = []  # type: ignore[attr-defined]
    return read


def _items(cloud: LocalCloud, source: str) -> list[dict[str, Any]]:
    answer = cloud.client("dynamodb").query(
        TableName=cloud.output("InboundWebhookTableName"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"W#{source}"}},
        ConsistentRead=True,
    )
    return list(answer["Items"])


def _objects(cloud: LocalCloud, source: str) -> list[dict[str, Any]]:
    answer = cloud.client("s3").list_object_versions(
        Bucket=cloud.output("InboundWebhookBucketName"), Prefix=f"in/{source}/"
    )
    return list(answer.get("Versions", []))


def _standard(
    secret: str, webhook_id: str, body: bytes, at: datetime | None = None, svix_names: bool = False
) -> dict[str, str]:
    at = at or datetime.now(UTC)
    if svix_names:
        signature = svix.webhooks.Webhook(secret).sign(webhook_id, at, body.decode())
        return {
            "svix-id": webhook_id,
            "svix-timestamp": str(int(at.timestamp())),
            "svix-signature": signature,
        }
    signature = standardwebhooks.Webhook(secret).sign(webhook_id, at, body.decode())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def _event(kind: str, n: int) -> bytes:
    return json.dumps(
        {"type": kind, "id": f"evt_{n}_{secrets.token_hex(3)}", "data": {"n": n, "note": "ünï"}}
    ).encode()


# ---- each sender's own library ------------------------------------------------------------------


def test_standard_webhooks_deliveries_reach_the_bus_in_order(operator: Operator, api: str, bus: Any) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET)
    bodies = [_event("invoice.paid", n) for n in range(12)]
    for n, body in enumerate(bodies):
        status, answer = send(api, source, body, _standard(SW_SECRET, f"msg_{n}", body))
        assert (status, answer["id"]) == (202, f"msg_{n}")

    events = bus(source)
    assert [e["detail"]["webhookId"] for e in events] == [f"msg_{n}" for n in range(12)]
    assert {e["detail-type"] for e in events} == {f"{source}.invoice.paid"}
    assert [e["detail"]["payload"] for e in events] == [json.loads(b) for b in bodies]


def test_svix_headers_are_accepted(operator: Operator, api: str, bus: Any) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET)
    body = _event("user.created", 1)
    status, _ = send(api, source, body, _standard(SW_SECRET, "msg_svix", body, svix_names=True))
    assert status == 202
    [event] = bus(source)
    assert event["detail-type"] == f"{source}.user.created"


def test_stripe_signatures_from_the_stripe_library_are_accepted(
    operator: Operator, api: str, bus: Any
) -> None:
    source = operator.source(scheme="stripe", secret=STRIPE_SECRET)
    body = json.dumps({"id": "evt_1Stripe", "type": "payment_intent.succeeded", "data": {"object": {}}})
    header = stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET)
    status, answer = send(api, source, body.encode(), {"Stripe-Signature": header})
    assert (status, answer["id"]) == (202, "evt_1Stripe")
    [event] = bus(source)
    assert event["detail-type"] == f"{source}.payment_intent.succeeded"


def test_slack_signatures_from_slack_sdk_are_accepted(operator: Operator, api: str, bus: Any) -> None:
    source = operator.source(scheme="slack", secret=PLAIN)
    body = json.dumps({"type": "event_callback", "event_id": "Ev01", "event": {"type": "app_mention"}})
    stamp = str(int(time.time()))
    signature = SignatureVerifier(PLAIN).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
    assert send(api, source, body.encode(), headers)[0] == 202
    [event] = bus(source)
    assert (event["detail-type"], event["detail"]["webhookId"]) == (f"{source}.app_mention", "Ev01")


def test_github_and_shopify_deliveries_are_accepted(operator: Operator, api: str, bus: Any) -> None:
    github = operator.source(scheme="github", secret=PLAIN)
    shopify = operator.source(scheme="shopify", secret=PLAIN)
    body = b'{"action":"opened","number":7}'
    digest = hmac.new(PLAIN.encode(), body, hashlib.sha256)
    assert (
        send(
            api,
            github,
            body,
            {
                "X-Hub-Signature-256": "sha256=" + digest.hexdigest(),
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            },
        )[0]
        == 202
    )
    assert (
        send(
            api,
            shopify,
            body,
            {
                "X-Shopify-Hmac-Sha256": base64.b64encode(digest.digest()).decode(),
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            },
        )[0]
        == 202
    )
    assert [e["detail-type"] for e in bus(github)] == [f"{github}.pull_request"]
    assert [e["detail-type"] for e in bus(shopify)] == [f"{shopify}.orders/create"]


def test_generic_hmac_with_event_type_path(operator: Operator, api: str, bus: Any) -> None:
    source = operator.source(
        scheme="hmac",
        secret=PLAIN,
        eventTypePath="$.meta.kind",
        hmac={
            "header": "X-Signature",
            "algorithm": "sha512",
            "encoding": "base64",
            "prefix": "sha512=",
            "timestampHeader": "X-Timestamp",
            "idHeader": "X-Delivery",
        },
    )
    body = b'{"meta":{"kind":"shipment.sent"}}'
    stamp = str(int(time.time()))
    mac = base64.b64encode(hmac.new(PLAIN.encode(), stamp.encode() + b"." + body, hashlib.sha512).digest())
    headers = {"X-Signature": "sha512=" + mac.decode(), "X-Timestamp": stamp, "X-Delivery": "d-1"}
    assert send(api, source, body, headers)[0] == 202
    assert [e["detail-type"] for e in bus(source)] == [f"{source}.shipment.sent"]


# ---- refusals -------------------------------------------------------------------------------------


def test_refusals_are_4xx_and_store_nothing(local_cloud: LocalCloud, operator: Operator, api: str) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET)
    body = _event("invoice.paid", 1)
    good = _standard(SW_SECRET, "msg_x", body)
    now = datetime.now(UTC)
    cases = {
        "tampered body": (body + b" ", good),
        "wrong secret": (body, _standard(SW_OTHER, "msg_x", body)),
        "stale": (body, _standard(SW_SECRET, "msg_x", body, now - timedelta(seconds=301 + 5))),
        "future": (body, _standard(SW_SECRET, "msg_x", body, now + timedelta(seconds=301 + 5))),
        "no signature": (body, {k: v for k, v in good.items() if k != "webhook-signature"}),
        "garbage signature": (body, {**good, "webhook-signature": "v1,@@@ v2 ,,,\u00e9"}),
        "garbage timestamp": (body, {**good, "webhook-timestamp": "12e3"}),
        "huge timestamp": (body, {**good, "webhook-timestamp": "9" * 400}),
    }
    answers = {name: send(api, source, b, h) for name, (b, h) in cases.items()}
    assert {name: status for name, (status, _) in answers.items()} == dict.fromkeys(cases, 401)
    assert answers["stale"][1]["message"] == "timestamp too old"
    assert answers["future"][1]["message"] == "timestamp in the future"
    assert send(api, "no-such-source", body, good)[0] == 404
    assert send(api, "Not.A.Source", body, good)[0] == 404
    assert _items(local_cloud, source) == []
    assert _objects(local_cloud, source) == []


def test_a_replayed_id_is_acknowledged_and_processed_once(
    local_cloud: LocalCloud, operator: Operator, api: str, bus: Any
) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET)
    body = _event("invoice.paid", 1)
    assert send(api, source, body, _standard(SW_SECRET, "msg_once", body))[0] == 202
    status, answer = send(api, source, body, _standard(SW_SECRET, "msg_once", body))
    assert (status, answer["message"]) == (200, "already received")
    assert len(bus(source)) == 1
    [item] = _items(local_cloud, source)
    assert item["status"]["S"] == "PROCESSED"


def test_concurrent_deliveries_store_one_object_and_one_item(
    local_cloud: LocalCloud, operator: Operator, api: str, bus: Any
) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET)
    body = _event("invoice.paid", 1)
    headers = _standard(SW_SECRET, "../../escape", body)
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(s for s, _ in pool.map(lambda _: send(api, source, body, headers), range(8)))
    assert sorted(statuses) == [200] * 7 + [202]
    assert len(_items(local_cloud, source)) == 1
    [version] = _objects(local_cloud, source)
    assert version["Key"].startswith(f"in/{source}/")
    assert len(bus(source)) == 1


def test_a_5_mb_binary_body_is_stored_intact_and_a_larger_one_refused(
    local_cloud: LocalCloud, operator: Operator, api: str, bus: Any
) -> None:
    source = operator.source(scheme="hmac", secret=PLAIN, hmac={"header": "X-Signature", "idHeader": "X-Id"})
    body = os.urandom(5 * 1024 * 1024)
    mac = hmac.new(PLAIN.encode(), body, hashlib.sha256).hexdigest()
    status, _ = _http(
        "POST",
        f"{api}/webhooks/in/{source}",
        body,
        {"Content-Type": "application/octet-stream", "X-Signature": mac, "X-Id": "big-1"},
    )
    assert status == 202
    [item] = _items(local_cloud, source)
    stored = (
        local_cloud.client("s3").get_object(Bucket=item["bucket"]["S"], Key=item["key"]["S"])["Body"].read()
    )
    assert hashlib.sha256(stored).digest() == hashlib.sha256(body).digest()
    [event] = bus(source)
    assert "payload" not in event["detail"]
    assert event["detail"]["size"] == len(body)

    too_big = os.urandom(6 * 1024 * 1024 + 1)
    status, answer = _http(
        "POST", f"{api}/webhooks/in/{source}", too_big, {"Content-Type": "application/octet-stream"}
    )
    assert status == 413, answer


# ---- the sources API ------------------------------------------------------------------------------


def test_sources_are_listed_without_secrets_and_only_for_admins(
    local_cloud: LocalCloud, operator: Operator, api: str
) -> None:
    source = operator.source(scheme="github", secret="never-shown-anywhere")
    status, page = operator.call("GET", "/webhooks/sources")
    assert status == 200
    [mine] = [s for s in page["items"] if s["source"] == source]
    assert (mine["scheme"], mine["secretCount"]) == ("github", 1)
    assert "never-shown-anywhere" not in json.dumps(page)

    outsider = Operator(api, _user(local_cloud, admin=False))
    assert outsider.call("GET", "/webhooks/sources")[0] == 403
    assert outsider.call("DELETE", f"/webhooks/sources/{source}")[0] == 403

    assert operator.call("DELETE", f"/webhooks/sources/{source}")[0] == 204
    assert operator.call("DELETE", f"/webhooks/sources/{source}")[0] == 404


# ---- analytics ------------------------------------------------------------------------------------


def test_the_analytics_target_moves_the_counters(
    local_cloud: LocalCloud, operator: Operator, api: str
) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET, targets=["analytics"])
    kind = f"order.{secrets.token_hex(3)}"
    for n in range(3):
        body = _event(kind, n)
        assert send(api, source, body, _standard(SW_SECRET, f"a{n}", body))[0] == 202
    local_cloud.clock.drain()
    status, counters = operator.call("GET", f"/counters?events={kind}&hours=1&resolution=minute")
    assert status == 200, counters
    assert sum(point["count"] for series in counters["series"] for point in series["points"]) == 3


# ---- rotation (last: it moves the clock, which the counters' window would notice) ----------------


def test_two_live_secrets_during_rotation_are_both_accepted(
    local_cloud: LocalCloud, operator: Operator, api: str, bus: Any
) -> None:
    source = operator.source(scheme="standard-webhooks", secret=SW_SECRET)
    body = _event("invoice.paid", 1)
    assert send(api, source, body, _standard(SW_SECRET, "before", body))[0] == 202
    status, _ = operator.call(
        "PUT",
        f"/webhooks/sources/{source}",
        {"scheme": "standard-webhooks", "secrets": [SW_SECRET, SW_OTHER]},
    )
    assert status == 200
    # A container that read the secret less than 10 s ago keeps it; after that the first signature
    # that does not match re-reads it (the clock moves 11 s; the senders' timestamps stay in tolerance).
    local_cloud.clock.advance(11)
    assert send(api, source, body, _standard(SW_OTHER, "new-secret", body))[0] == 202
    assert send(api, source, body, _standard(SW_SECRET, "old-secret", body))[0] == 202
    assert [e["detail"]["webhookId"] for e in bus(source)] == ["before", "new-secret", "old-secret"]
