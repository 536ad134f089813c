"""The receiver in-process against moto: what a sender sees, what is stored, what is logged, and how
many AWS requests one webhook costs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratus_shared import aws
from tests.integration.webhooks_in.conftest import (
    RECEIVER,
    SECRET,
    admin_call,
    items,
    objects,
    post,
    receive_event,
    register,
    signed,
)
from tests.support.harness import StackHarness, deployed_stack

BODY = b'{"type":"invoice.paid","data":{"amount":4200}}'


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[StackHarness]:
    """One stack for the property test (hypothesis runs many examples against it)."""
    with deployed_stack() as harness:
        register(harness, "fuzzed")
        yield harness


@pytest.fixture
def calls() -> Iterator[Counter[str]]:
    """AWS operations the receiver's clients make, by name."""
    made: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        made[model.name] += 1

    clients = [aws.client(s) for s in ("s3", "dynamodb", "secretsmanager")]
    for client in clients:
        client.meta.events.register("before-call", count)
    yield made
    for client in clients:
        client.meta.events.unregister("before-call", count)


def test_a_webhook_costs_one_put_object_and_one_conditional_put_item(
    stack: StackHarness, calls: Counter[str]
) -> None:
    register(stack, "acme")
    calls.clear()  # the registration's own calls
    for n in range(5):
        assert post(stack, "acme", BODY, signed(f"msg_{n}", BODY))[0] == 202

    # The secret is read once for the container; each webhook is one object and one item.
    assert calls == Counter({"GetSecretValue": 1, "PutObject": 5, "PutItem": 5})
    assert [i["sk"]["S"] for i in items(stack, "acme")] == [f"msg_{n}" for n in range(5)]


def test_the_stored_body_is_the_bytes_sent_and_the_item_points_to_it(stack: StackHarness) -> None:
    register(stack, "acme")
    body = '{"note": "ünïcödé \\u00e9", "n": 1}\r\n'.encode()
    status, answer = post(stack, "acme", body, signed("msg_bytes", body))
    assert (status, answer["id"]) == (202, "msg_bytes")
    [item] = items(stack, "acme")
    stored = stack.client("s3").get_object(Bucket=item["bucket"]["S"], Key=item["key"]["S"])
    assert stored["Body"].read() == body
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert (item["status"]["S"], item["size"]["N"], item["kind"]["S"]) == (
        "RECEIVED",
        str(len(body)),
        "webhook",
    )
    assert int(item["expiresAt"]["N"]) > int(item["signedAt"]["N"]) + 29 * 86400  # TTL attribute of the table


def test_a_sender_chosen_id_never_becomes_a_path(stack: StackHarness) -> None:
    register(stack, "acme")
    assert post(stack, "acme", BODY, signed("../../other/secret", BODY))[0] == 202
    [version] = objects(stack, "acme")
    assert version["Key"].startswith("in/acme/")
    assert ".." not in version["Key"]


def test_concurrent_deliveries_of_one_webhook_store_one_item_and_one_object(stack: StackHarness) -> None:
    register(stack, "acme")
    headers = signed("msg_twice", BODY)
    stack.function(RECEIVER).handler()  # load once, then race
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda _: post(stack, "acme", BODY, headers)[0], range(6)))
    assert sorted(statuses) == [200] * 5 + [202]
    assert len(items(stack, "acme")) == 1
    assert len(objects(stack, "acme")) == 1


def test_over_the_limit_is_413_before_any_check(stack_factory: Any) -> None:
    stack = stack_factory(InboundWebhookMaxBodyBytes=1024)
    register(stack, "acme")
    big = b"x" * 1025
    status, answer = post(stack, "acme", big, signed("msg_big", b"x" * 1025))
    assert (status, answer["message"]) == (413, "body over 1024 bytes")
    assert post(stack, "nobody", big, {})[0] == 413
    assert items(stack, "acme") == []


class _Lines(logging.Handler):
    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_refusals_log_the_reason_and_never_the_secret_or_signature(stack: StackHarness) -> None:
    register(stack, "acme")
    headers = signed("msg_1", BODY + b"tampered")
    powertools = logging.getLogger("stratus")
    lines = _Lines(powertools.handlers[0].formatter if powertools.handlers else None)
    powertools.addHandler(lines)
    try:
        status, answer = post(stack, "acme", BODY, headers)
    finally:
        powertools.removeHandler(lines)
    assert (status, answer["message"]) == (401, "signature does not match")
    logged = "\n".join(lines.lines)
    assert "signature does not match" in logged
    for value in (SECRET, SECRET.removeprefix("whsec_"), headers["webhook-signature"].split(",", 1)[1]):
        assert value not in logged


def test_an_unavailable_store_is_503_so_the_sender_retries(stack: StackHarness) -> None:
    register(stack, "acme")
    s3 = aws.client("s3")

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")

    s3.meta.events.register("before-call.s3.PutObject", refuse)
    try:
        status, answer = post(stack, "acme", BODY, signed("msg_later", BODY))
    finally:
        s3.meta.events.unregister("before-call.s3.PutObject", refuse)
    assert (status, answer["message"]) == (503, "temporarily unavailable, retry later")
    assert items(stack, "acme") == []
    assert post(stack, "acme", BODY, signed("msg_later", BODY))[0] == 202  # the retry is a new webhook


def test_a_removed_source_is_404(stack: StackHarness) -> None:
    register(stack, "acme")
    assert admin_call(stack, "DELETE", "/webhooks/sources/acme")[0] == 204
    stack.function(RECEIVER).module("app")._sources.cache_clear()  # a container started after the removal
    assert post(stack, "acme", BODY, signed("msg_1", BODY))[0] == 404


def test_github_signatures_are_checked_over_the_raw_bytes(stack: StackHarness) -> None:
    register(stack, "gh", scheme="github", secret="gh-secret")
    body = b'{"zen": "Keep it logically awesome.",  "hook_id": 1}'  # spacing a re-serialiser would lose
    signature = "sha256=" + hmac.new(b"gh-secret", body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature, "X-GitHub-Delivery": "d-1", "X-GitHub-Event": "ping"}
    assert post(stack, "gh", body, headers)[0] == 202
    assert (
        post(stack, "gh", json.dumps(json.loads(body)).encode(), {**headers, "X-GitHub-Delivery": "d-2"})[0]
        == 401
    )
    [item] = items(stack, "gh")
    assert (item["sk"]["S"], item["eventType"]["S"]) == ("d-1", "ping")


header_values = st.text(st.characters(codec="latin-1"), max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    signature=header_values,
    timestamp=st.one_of(header_values, st.integers(-(10**20), 10**20).map(str)),
    webhook_id=header_values,
    svix=st.booleans(),
)
def test_malformed_headers_are_401_never_500(
    shared_stack: StackHarness, signature: str, timestamp: str, webhook_id: str, svix: bool
) -> None:
    prefix = "svix" if svix else "webhook"
    headers = {f"{prefix}-id": webhook_id, f"{prefix}-timestamp": timestamp, f"{prefix}-signature": signature}
    result = shared_stack.function(RECEIVER).invoke(receive_event("fuzzed", BODY, headers))
    assert result["statusCode"] == 401, result
    assert items(shared_stack, "fuzzed") == []
