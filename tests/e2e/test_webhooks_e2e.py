"""Webhooks out, whole: tenants call the REST API over HTTP, a real receiver on a loopback port gets the
deliveries, and the local cloud's clock drives the retries. No handler is called here.

Every delivery is checked the way a consumer checks it: with the `standardwebhooks` and `svix`
libraries and the secret returned when the endpoint was created, and as a CloudEvent with the
cloudevents SDK.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import standardwebhooks
import svix.webhooks
from cloudevents.v1.http import from_http

from stratus_local import demo
from stratus_local.apigw import LocalApi
from stratus_local.cloud import LocalCloud
from stratus_shared.webhook_records import RETRY_SCHEDULE_SECONDS
from tests.e2e.conftest import local_only
from tests.support.webhook_receiver import Planned, Received, Receiver, verifying_at

pytestmark = local_only("deliveries go to a receiver on this machine's loopback interface")

QUOTA = 40
SLACK = 10.0  # seconds of wall time a step of the test itself may take (a busy machine is slow)
PARAMETERS = {
    "AllowSelfSignUp": "true",
    "WebhookAllowLoopbackTargets": "true",
    "WebhookPublishQuotaPerMinute": str(QUOTA),
}


@pytest.fixture(scope="module")
def local_cloud() -> Iterator[LocalCloud]:
    with LocalCloud(port=0, prefix_logs=False, parameters=PARAMETERS) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def api(local_cloud: LocalCloud) -> Iterator[str]:
    with LocalApi(local_cloud.stack, local_cloud.invoke, endpoint_url=local_cloud.endpoint_url) as served:
        yield served.url


@pytest.fixture(scope="module")
def receiver(local_cloud: LocalCloud) -> Iterator[Receiver]:
    with Receiver(clock=local_cloud.clock.now) as running:
        yield running


@dataclass
class Tenant:
    api: str
    token: str

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the local API on loopback
            self.api + path,
            method=method,
            data=data,
            headers={"Authorization": self.token, "Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, text, got = response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, text, got = error.code, error.read().decode(), dict(error.headers)
        return status, (json.loads(text) if text else None), got

    def endpoint(self, url: str, **fields: Any) -> dict[str, Any]:
        status, body, _ = self.call("POST", "/webhooks/endpoints", {"url": url, **fields})
        assert status == 201, body
        return dict(body)

    def publish(self, payload: dict[str, Any], event_type: str = "webhook.test", **fields: Any) -> str:
        status, body, _ = self.call(
            "POST", "/webhooks/messages", {"eventType": event_type, "payload": payload, **fields}
        )
        assert status == 202, body
        return str(body["id"])

    def attempts(self, endpoint_id: str) -> list[dict[str, Any]]:
        status, body, _ = self.call("GET", f"/webhooks/endpoints/{endpoint_id}/attempts")
        assert status == 200, body
        return list(body["items"])

    def message(self, message_id: str) -> dict[str, Any]:
        status, body, _ = self.call("GET", f"/webhooks/messages/{message_id}")
        assert status == 200, body
        return dict(body)


def _tenant(cloud: LocalCloud, api: str) -> Tenant:
    cognito = cloud.client("cognito-idp")
    user = demo.create_demo_user(
        cognito, cloud.stack.outputs, username=f"t-{secrets.token_hex(4)}@example.com"
    )
    return Tenant(api, demo.sign_in(cognito, user)["IdToken"])


@pytest.fixture
def tenant(local_cloud: LocalCloud, api: str) -> Tenant:
    return _tenant(local_cloud, api)


def _path() -> str:
    return f"/hooks/{secrets.token_hex(6)}"


def _verified(received: Received, secret: str) -> dict[str, Any]:
    """The delivery as a consumer accepts it: both libraries verify it, and it is a CloudEvent."""
    with verifying_at(received.timestamp):
        payload = standardwebhooks.Webhook(secret).verify(received.body, received.headers)
        svix.webhooks.Webhook(secret).verify(received.body, received.headers)
    event = from_http(received.headers, received.body)
    assert event["specversion"] == "1.0"
    assert payload["id"] == received.webhook_id == event["id"]
    return dict(payload)


def _refused(received: Received, secret: str) -> bool:
    with verifying_at(received.timestamp):
        try:
            standardwebhooks.Webhook(secret).verify(received.body, received.headers)
        except standardwebhooks.WebhookVerificationError:
            return True
    return False


def _step(cloud: LocalCloud, seconds: float) -> None:
    cloud.clock.advance(seconds)
    cloud.clock.drain()


def _fine(wait: float) -> float:
    """The clock step that finds when a retry fell due to within 5 % of its wait."""
    return max(wait / 20, 1.0)


def _until_received(
    cloud: LocalCloud, receiver: Receiver, path: str, count: int, *, step: float, limit: float
) -> None:
    """Move the clock in small steps until `path` has `count` requests (so their timestamps show when
    they fell due, not how far one big step jumped), at most `limit` seconds."""
    moved = 0.0
    while len(receiver.received(path)) < count and moved < limit:
        _step(cloud, step)
        moved += step


@pytest.fixture(scope="module")
def operational_events(local_cloud: LocalCloud) -> Any:
    """Everything the webhooks bus carries, copied to a queue the tests read (as an operator's rule would)."""
    sqs, events = local_cloud.client("sqs"), local_cloud.client("events")
    url = sqs.create_queue(QueueName="webhook-operations-observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = local_cloud.output("WebhookEventBusName")
    events.put_rule(
        Name="observe-webhooks", EventBusName=bus, EventPattern=json.dumps({"source": ["stratus.webhooks"]})
    )
    events.put_targets(Rule="observe-webhooks", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        found = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    return read


# ---- delivery -------------------------------------------------------------------------------------


def test_a_delivery_verifies_with_the_secret_returned_at_creation(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver
) -> None:
    path = _path()
    endpoint = tenant.endpoint(receiver.url(path), eventTypes=["webhook.test"], description="orders")
    message_id = tenant.publish({"order": 42, "note": "ünïcode"}, subject="order/42")
    local_cloud.clock.drain()

    [delivery] = receiver.received(path)
    payload = _verified(delivery, endpoint["secret"])
    assert delivery.headers["content-type"] == "application/cloudevents+json"
    assert delivery.webhook_id == message_id
    assert payload["type"] == "webhook.test"
    assert payload["subject"] == "order/42"
    assert payload["data"] == {"order": 42, "note": "ünïcode"}
    assert endpoint["secret"].startswith("whsec_")
    status, shown, _ = tenant.call("GET", f"/webhooks/endpoints/{endpoint['id']}")
    assert status == 200
    assert "secret" not in shown
    assert all("secret" not in e for e in tenant.call("GET", "/webhooks/endpoints")[1]["items"])
    assert tenant.message(message_id)["status"] == "delivered"
    [attempt] = tenant.attempts(endpoint["id"])
    assert (attempt["statusCode"], attempt["attempt"], attempt["response"]) == (200, 1, "ok")


def test_only_subscribed_and_enabled_endpoints_receive_a_message(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver
) -> None:
    subscribed, other_type, every_type = _path(), _path(), _path()
    tenant.endpoint(receiver.url(subscribed), eventTypes=["webhook.test"])
    tenant.endpoint(receiver.url(other_type), eventTypes=["document.ready"])
    tenant.endpoint(receiver.url(every_type))

    tenant.publish({"n": 1})
    local_cloud.clock.drain()

    assert len(receiver.received(subscribed)) == 1
    assert len(receiver.received(every_type)) == 1
    assert receiver.received(other_type) == []


def test_failed_attempts_retry_on_the_schedule_with_the_same_id_and_fresh_timestamps(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver
) -> None:
    path = _path()
    failures = 5  # attempts 1-5 fail: waits of 5 s, 5 min, 30 min, 2 h (a Scheduler schedule), 5 h
    receiver.plan(path, *[Planned(500, body=b"down")] * failures)
    endpoint = tenant.endpoint(receiver.url(path))
    message_id = tenant.publish({"retry": True})
    local_cloud.clock.drain()
    scheduler = local_cloud.client("scheduler")
    group = local_cloud.output("WebhookRetryScheduleGroupName")

    schedules_waiting: list[int] = []
    for attempt, wait in enumerate(RETRY_SCHEDULE_SECONDS[:failures], start=1):
        schedules_waiting.append(len(scheduler.list_schedules(GroupName=group)["Schedules"]))
        _step(local_cloud, wait * 0.75)
        _until_received(
            local_cloud, receiver, path, attempt + 1, step=_fine(wait), limit=wait * 0.5 + 2 * SLACK
        )

    deliveries = receiver.received(path)
    assert len(deliveries) == failures + 1
    assert {d.webhook_id for d in deliveries} == {message_id}
    for earlier, later, wait in zip(deliveries, deliveries[1:], RETRY_SCHEDULE_SECONDS, strict=False):
        late = wait * 1.2 + _fine(wait) + SLACK
        # Never before the schedule's -20 % (judged on the cloud's clock), never much after its +20 %.
        assert later.at - earlier.at >= wait * 0.8 - 1, (later.at - earlier.at, wait)
        assert later.at - earlier.at <= late, (later.at - earlier.at, wait)
        # ... and each attempt carries its own fresh timestamp.
        assert wait * 0.8 - 2 <= later.timestamp - earlier.timestamp <= late
    for delivery in deliveries:  # each attempt signed afresh, at its own timestamp
        _verified(delivery, endpoint["secret"])
    assert schedules_waiting == [
        0,
        0,
        1,
        1,
        1,
    ]  # waits up to 15 min are SQS delays, longer ones schedules ...
    assert scheduler.list_schedules(GroupName=group)["Schedules"] == []  # ... longer ones fired and deleted
    attempts = tenant.attempts(endpoint["id"])
    assert [a["attempt"] for a in attempts] == [6, 5, 4, 3, 2, 1]  # newest first
    assert [a.get("statusCode") for a in attempts] == [200] + [500] * failures
    assert attempts[-1]["response"] == "down"
    assert tenant.message(message_id)["deliveries"][0]["status"] == "delivered"


def test_retry_after_is_honoured(local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver) -> None:
    path = _path()
    receiver.plan(path, Planned(503, headers={"Retry-After": "600"}))
    tenant.endpoint(receiver.url(path))
    tenant.publish({"busy": True})
    local_cloud.clock.drain()

    _step(local_cloud, 30)  # the schedule alone would have retried after about 5 s
    after_30_seconds = len(receiver.received(path))
    _step(local_cloud, 560)
    after_590_seconds = len(receiver.received(path))
    _until_received(local_cloud, receiver, path, 2, step=1, limit=30)

    assert (after_30_seconds, after_590_seconds) == (1, 1)
    first, second = receiver.received(path)
    assert 600 - SLACK <= second.timestamp - first.timestamp <= 601 + SLACK


def test_410_disables_the_endpoint_and_announces_it(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver, operational_events: Any
) -> None:
    path = _path()
    receiver.plan(path, Planned(410))
    endpoint = tenant.endpoint(receiver.url(path))
    operational_events()
    message_id = tenant.publish({"gone": True})
    local_cloud.clock.drain()
    _step(local_cloud, 3600)
    tenant.publish({"after": "disabled"})
    local_cloud.clock.drain()

    assert len(receiver.received(path)) == 1  # no retry, and nothing sent after it
    status, shown, _ = tenant.call("GET", f"/webhooks/endpoints/{endpoint['id']}")
    assert status == 200
    assert shown["enabled"] is False
    assert "410" in shown["disabledReason"]
    assert tenant.message(message_id)["deliveries"][0]["status"] == "cancelled"
    disabled = [e for e in operational_events() if e["detail-type"] == "endpoint.disabled"]
    assert [e["detail"]["endpointId"] for e in disabled] == [endpoint["id"]]


def test_rotation_signs_with_both_secrets_during_the_grace_period_and_then_only_the_new_one(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver
) -> None:
    path = _path()
    endpoint = tenant.endpoint(receiver.url(path))
    status, rotated, _ = tenant.call(
        "POST", f"/webhooks/endpoints/{endpoint['id']}/secret/rotate", {"gracePeriodSeconds": 3600}
    )
    assert status == 200
    tenant.publish({"during": "grace"})
    local_cloud.clock.drain()
    _step(local_cloud, 3601)
    tenant.publish({"after": "grace"})
    local_cloud.clock.drain()

    during, after = receiver.received(path)
    assert rotated["secret"] != endpoint["secret"]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    _verified(during, endpoint["secret"])
    _verified(during, rotated["secret"])
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    _verified(after, rotated["secret"])
    assert _refused(after, endpoint["secret"])


def test_an_endpoint_that_times_out_does_not_delay_another(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver
) -> None:
    slow, fast = _path(), _path()
    receiver.plan(slow, Planned(200, hold_seconds=25))  # longer than the sender's 15 s timeout
    slow_endpoint = tenant.endpoint(receiver.url(slow))
    tenant.endpoint(receiver.url(fast))
    tenant.publish({"race": True})
    local_cloud.clock.drain()

    [slow_request] = receiver.received(slow)
    [fast_request] = receiver.received(fast)
    [attempt] = tenant.attempts(slow_endpoint["id"])
    assert "timed out" in attempt["error"]
    # The fast endpoint had its delivery while the slow one was still being waited for.
    assert fast_request.wall < slow_request.wall + attempt["durationMs"] / 1000


def test_an_idempotency_key_returns_the_first_message_and_delivers_it_once(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver
) -> None:
    path = _path()
    tenant.endpoint(receiver.url(path))
    body = {"eventType": "webhook.test", "payload": {"charge": "ch_1"}}
    key = {"Idempotency-Key": f"key-{secrets.token_hex(4)}"}

    first = tenant.call("POST", "/webhooks/messages", body, key)
    again = tenant.call("POST", "/webhooks/messages", body, key)
    other_body = tenant.call("POST", "/webhooks/messages", {**body, "payload": {"charge": "ch_2"}}, key)
    local_cloud.clock.drain()

    assert first[0] == again[0] == 202
    assert first[1]["id"] == again[1]["id"]
    assert other_body[0] == 422
    assert len(receiver.received(path)) == 1


def test_an_event_id_is_delivered_once(local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver) -> None:
    path = _path()
    tenant.endpoint(receiver.url(path))
    message_id = tenant.publish({"v": 1}, eventId="order-7-paid")
    status, body, _ = tenant.call(
        "POST",
        "/webhooks/messages",
        {"eventType": "webhook.test", "payload": {"v": 1}, "eventId": "order-7-paid"},
    )
    local_cloud.clock.drain()

    assert status == 409
    assert message_id in body["message"]
    assert len(receiver.received(path)) == 1


def test_replay_sends_a_message_again(local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver) -> None:
    first_path, second_path = _path(), _path()
    first = tenant.endpoint(receiver.url(first_path))
    second = tenant.endpoint(receiver.url(second_path))
    message_id = tenant.publish({"replay": "me"})
    local_cloud.clock.drain()

    one = tenant.call("POST", f"/webhooks/messages/{message_id}/replay", {"endpointId": first["id"]})
    local_cloud.clock.drain()
    everyone = tenant.call("POST", f"/webhooks/messages/{message_id}/replay", {})
    local_cloud.clock.drain()

    assert (one[0], one[1]) == (202, {"queued": 1})
    assert (everyone[0], everyone[1]) == (202, {"queued": 2})
    assert [d.webhook_id for d in receiver.received(first_path)] == [message_id] * 3
    assert [d.webhook_id for d in receiver.received(second_path)] == [message_id] * 2
    _verified(receiver.received(second_path)[-1], second["secret"])
    assert [a["trigger"] for a in tenant.attempts(first["id"])] == ["replay", "replay", "initial"]


def test_a_failing_endpoint_is_exhausted_then_disabled_after_five_days_and_recover_sends_what_it_missed(
    local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver, operational_events: Any
) -> None:
    path = _path()
    receiver.plan(path, *[Planned(500)] * 200)
    endpoint = tenant.endpoint(receiver.url(path))
    operational_events()
    started = local_cloud.clock.now()
    exhausted_id = tenant.publish({"n": "exhausted"})
    local_cloud.clock.drain()
    for wait in RETRY_SCHEDULE_SECONDS:
        _step(local_cloud, wait * 1.25)
    attempts_made = len(receiver.received(path))
    exhausted_state = tenant.message(exhausted_id)["deliveries"][0]["status"]

    _step(local_cloud, 5 * 86400 - (local_cloud.clock.now() - started) + 60)  # 5 days since the first failure
    disabling_id = tenant.publish({"n": "fails after five days"})
    local_cloud.clock.drain()
    _step(local_cloud, 10)
    missed_id = tenant.publish({"n": "published while disabled"})
    local_cloud.clock.drain()
    shown = tenant.call("GET", f"/webhooks/endpoints/{endpoint['id']}")[1]
    events = operational_events()

    receiver.answer_ok(path)  # the receiver is fixed ...
    enabled = tenant.call("PATCH", f"/webhooks/endpoints/{endpoint['id']}", {"enabled": True})
    since = datetime.fromtimestamp(started - 60, tz=UTC).isoformat()
    recovered = tenant.call("POST", f"/webhooks/endpoints/{endpoint['id']}/recover", {"since": since})
    local_cloud.clock.drain()

    assert attempts_made == 10
    assert exhausted_state == "exhausted"
    assert shown["enabled"] is False
    assert shown["disabledReason"] == "failing without a success"
    kinds = Counter(e["detail-type"] for e in events if e["detail"]["endpointId"] == endpoint["id"])
    assert kinds == {"message.attempt.exhausted": 1, "endpoint.disabled": 1}
    assert enabled[0] == 200
    assert enabled[1]["enabled"] is True
    assert (recovered[0], recovered[1]) == (202, {"queued": 3})
    delivered = receiver.received(path)[attempts_made + 1 :]
    assert sorted(d.webhook_id for d in delivered) == sorted([exhausted_id, disabling_id, missed_id])
    for delivery in delivered:
        _verified(delivery, endpoint["secret"])
    assert {tenant.message(m)["status"] for m in (exhausted_id, disabling_id, missed_id)} == {"delivered"}


def test_rate_limit_per_endpoint(local_cloud: LocalCloud, tenant: Tenant, receiver: Receiver) -> None:
    limited, unlimited = _path(), _path()
    tenant.endpoint(receiver.url(limited), rateLimitPerSecond=2)
    tenant.endpoint(receiver.url(unlimited))
    for n in range(6):
        tenant.publish({"n": n})
    local_cloud.clock.drain()
    for _ in range(4):
        _step(local_cloud, 1)

    def span(path: str) -> float:
        times = sorted(d.at for d in receiver.received(path))
        return times[-1] - times[0]

    assert len(receiver.received(limited)) == len(receiver.received(unlimited)) == 6
    # Two a second: six deliveries fall into at least three different seconds.
    assert span(limited) > 0.9
    assert span(unlimited) < span(limited)


# ---- the API's own answers -----------------------------------------------------------------------


def test_every_route_answers_404_for_another_tenants_ids(
    local_cloud: LocalCloud, api: str, tenant: Tenant, receiver: Receiver
) -> None:
    owner = tenant
    endpoint = owner.endpoint(receiver.url(_path()))
    message_id = owner.publish({"private": True})
    local_cloud.clock.drain()
    intruder = _tenant(local_cloud, api)
    own_message = intruder.publish({"mine": True})
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    ep = f"/webhooks/endpoints/{endpoint['id']}"

    answers = {
        "get endpoint": intruder.call("GET", ep)[0],
        "patch endpoint": intruder.call("PATCH", ep, {"description": "mine now"})[0],
        "delete endpoint": intruder.call("DELETE", ep)[0],
        "rotate": intruder.call("POST", f"{ep}/secret/rotate", {})[0],
        "attempts": intruder.call("GET", f"{ep}/attempts")[0],
        "recover": intruder.call("POST", f"{ep}/recover", {"since": since})[0],
        "get message": intruder.call("GET", f"/webhooks/messages/{message_id}")[0],
        "replay message": intruder.call("POST", f"/webhooks/messages/{message_id}/replay", {})[0],
        "replay own message to their endpoint": intruder.call(
            "POST", f"/webhooks/messages/{own_message}/replay", {"endpointId": endpoint["id"]}
        )[0],
    }

    assert answers == dict.fromkeys(answers, 404)
    assert intruder.call("GET", "/webhooks/endpoints")[1]["items"] == []
    assert owner.call("GET", ep)[1]["description"] == ""  # untouched
    assert owner.call("GET", ep)[0] == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:127.0.0.1]/",
        "https://2130706433/",
        "https://0x7f.0.0.1/",
        "https://user@example.com/",
        "https://127.0.0.1/",
        "http://localhost:8080/",
        "http://10.1.2.3:8080/",
    ],
)
def test_a_url_that_is_not_publicly_routable_is_refused_at_creation(tenant: Tenant, url: str) -> None:
    status, body, _ = tenant.call("POST", "/webhooks/endpoints", {"url": url})

    assert status == 400
    assert body["message"].startswith("url: ")


def test_changing_the_url_is_checked_too(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = tenant.endpoint(receiver.url(_path()))
    status, body, _ = tenant.call(
        "PATCH", f"/webhooks/endpoints/{endpoint['id']}", {"url": "https://192.168.1.1/"}
    )

    assert status == 400
    assert "192.168.1.1" in body["message"]


def test_bad_input_is_refused_with_the_field_named(tenant: Tenant, receiver: Receiver) -> None:
    unknown_type = tenant.call(
        "POST", "/webhooks/endpoints", {"url": receiver.url("/x"), "eventTypes": ["nope.nope"]}
    )
    bad_limit = tenant.call(
        "POST", "/webhooks/endpoints", {"url": receiver.url("/x"), "rateLimitPerSecond": 0}
    )
    no_payload = tenant.call("POST", "/webhooks/messages", {"eventType": "webhook.test"})
    bad_since = tenant.call("POST", "/webhooks/endpoints/ep_missing/recover", {"since": "yesterday"})
    missing = tenant.call("GET", "/webhooks/messages/msg_doesnotexist")

    assert (unknown_type[0], bad_limit[0], no_payload[0], bad_since[0]) == (400, 400, 400, 400)
    assert "eventTypes" in unknown_type[1]["message"]
    assert "rateLimitPerSecond" in bad_limit[1]["message"]
    assert "payload" in no_payload[1]["message"]
    assert "since" in bad_since[1]["message"]
    assert missing[0] == 404


def test_a_payload_over_the_limit_gets_413(local_cloud: LocalCloud, tenant: Tenant) -> None:
    limit = int(local_cloud.parameter("WebhookMaxPayloadBytes"))
    status, body, _ = tenant.call(
        "POST", "/webhooks/messages", {"eventType": "webhook.test", "payload": {"blob": "x" * limit}}
    )

    assert status == 413
    assert "payload" in body["message"]


def test_a_tenant_over_its_publish_quota_gets_429_with_retry_after(
    local_cloud: LocalCloud, tenant: Tenant
) -> None:
    _step(local_cloud, 60)  # a fresh minute
    answers = [
        tenant.call("POST", "/webhooks/messages", {"eventType": "webhook.test", "payload": {"n": n}})
        for n in range(QUOTA + 1)
    ]
    _step(local_cloud, 61)
    next_minute = tenant.call(
        "POST", "/webhooks/messages", {"eventType": "webhook.test", "payload": {"n": "later"}}
    )

    assert [status for status, _, _ in answers[:QUOTA]] == [202] * QUOTA
    status, _, headers = answers[QUOTA]
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert next_minute[0] == 202


def test_the_event_type_catalogue(tenant: Tenant) -> None:
    status, body, _ = tenant.call("GET", "/webhooks/event-types")

    assert status == 200
    names = {item["name"]: item for item in body["items"]}
    assert {"user.disabled", "document.ready", "document.failed", "webhook.test"} <= set(names)
    assert all(item["description"] and isinstance(item["example"], dict) for item in body["items"])
