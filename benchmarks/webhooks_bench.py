"""Webhooks out: 2,000 messages to 20 endpoints on a loopback receiver, beside the source design's way.

Figures, not asserts (goals: at most 3 AWS requests per delivery, at most one secret read per endpoint
per warm container). Both sides run in the same process on the same local cloud (template.yaml on moto)
and deliver the same messages, in waves of 100, to their own 20 receiver paths. By default the 20
endpoints belong to 20 tenants and each message is one tenant's (2,000 deliveries); `--fanout` gives one
tenant all 20 endpoints, so every message goes to each of them (40,000 deliveries: about 20 times longer).

- Stratus: each message is written to the outbox as a producer writes it; the dispatcher (outbox stream)
  fans it out, the sender (delivery queue, batches of 10, concurrent) signs and POSTs it, recording each
  attempt. Requests are counted with a botocore `before-call` hook, split into what the functions make
  and what Lambda's event-source polling makes (emulated by the local cloud: it deletes SQS messages one
  by one where Lambda batches the deletes).
- baseline, the source design's sample: each message is put on an event bus (what its Pipe does), then
  one target invocation per (message, endpoint), each fetching the endpoint's secret from Secrets Manager,
  signing and POSTing (an API destination with its connection secret). The invocation itself is a Lambda
  request EventBridge makes: counted as one per delivery.

p50/p99 run from the moment a message's write returned to the moment the receiver had it.
`python -m benchmarks.webhooks_bench --messages 200 --endpoints 5 [--fanout]` runs another size.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.handlers
import urllib3

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "local", ROOT / "layers" / "shared"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")

from stratus_local import demo  # noqa: E402
from stratus_local.apigw import LocalApi  # noqa: E402
from stratus_local.cloud import LocalCloud  # noqa: E402
from stratus_shared.webhooks import outbox_event  # noqa: E402
from tests.support.webhook_receiver import Receiver  # noqa: E402

MESSAGES = int(os.environ.get("WEBHOOKS_BENCH_MESSAGES", "2000"))
ENDPOINTS = int(os.environ.get("WEBHOOKS_BENCH_ENDPOINTS", "20"))
FANOUT = False
WAVE = 100


class RequestCounter:
    """Every botocore call, by (who, service): registered on each new session's `before-call` event."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.operations: Counter[str] = Counter()
        self.phase = "setup"
        self._lock = threading.Lock()

    def __call__(self, model: Any = None, **_: Any) -> None:
        name = threading.current_thread().name
        who = "function" if name.startswith(("lambda-", "webhook-")) else self.phase
        service = model.service_model.service_name if model is not None else "?"
        with self._lock:
            self.calls[(who, service)] += 1
            if who == "function":
                self.operations[f"{service}.{model.name}"] += 1

    def take(self) -> tuple[Counter[tuple[str, str]], Counter[str]]:
        with self._lock:
            calls, operations = self.calls, self.operations
            self.calls, self.operations = Counter(), Counter()
        return calls, operations


counter = RequestCounter()
botocore.handlers.BUILTIN_HANDLERS.append(("before-call", counter))


@contextmanager
def phase(name: str) -> Iterator[None]:
    previous, counter.phase = counter.phase, name
    try:
        yield
    finally:
        counter.phase = previous


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latencies(receiver: Receiver, prefix: str, published: dict[str, float]) -> list[float]:
    return [
        (r.wall - published[r.headers["webhook-id"]]) * 1000
        for r in receiver.requests
        if r.path.startswith(prefix) and r.headers.get("webhook-id") in published
    ]


def _per_delivery(calls: Counter[tuple[str, str]], who: str, deliveries: int) -> dict[str, float]:
    return {service: n / deliveries for (w, service), n in sorted(calls.items()) if w == who}


def _format(figures: dict[str, float]) -> str:
    total = sum(figures.values())
    return "  ".join(f"{s} {v:.3f}" for s, v in figures.items()) + f"  = {total:.2f}"


def _waves(count: int) -> list[range]:
    return [range(start, min(count, start + WAVE)) for start in range(0, count, WAVE)]


def run_stratus(
    cloud: LocalCloud, receiver: Receiver, subscribers: list[tuple[str, str]], api_url: str
) -> dict[str, Any]:
    """`subscribers`: (tenant, token) pairs; endpoint i belongs to subscribers[i % len(subscribers)]."""
    for index in range(ENDPOINTS):
        _, token = subscribers[index % len(subscribers)]
        _post(api_url, token, "/webhooks/endpoints", {"url": receiver.url(f"/stratus/{index}")})
    dynamodb = cloud.client("dynamodb")
    outbox = cloud.output("WebhookOutboxTableName")
    published: dict[str, float] = {}
    counter.take()
    started = time.perf_counter()
    for wave in _waves(MESSAGES):
        with phase("producer"):
            for n in wave:
                tenant, _ = subscribers[n % len(subscribers)]
                event = outbox_event(tenant, "webhook.test", {"n": n, "bench": True}, now=datetime.now(UTC))
                dynamodb.put_item(TableName=outbox, Item=event.to_item())
                published[event.id] = time.time()
        with phase("lambda-polling"):
            cloud.clock.drain()
    elapsed = time.perf_counter() - started
    calls, operations = counter.take()
    deliveries = len([r for r in receiver.requests if r.path.startswith("/stratus/")])
    return {
        "deliveries": deliveries,
        "elapsed": elapsed,
        "latencies": _latencies(receiver, "/stratus/", published),
        "functions": _per_delivery(calls, "function", deliveries),
        "polling": _per_delivery(calls, "lambda-polling", deliveries),
        "producer": _per_delivery(calls, "producer", deliveries),
        "kms_decrypts": operations["kms.Decrypt"],
        "secret_reads": operations["secretsmanager.GetSecretValue"],
        "operations": operations,
    }


def run_baseline(cloud: LocalCloud, receiver: Receiver) -> dict[str, Any]:
    """The sample's chain, per delivery: one target invocation that reads the secret and POSTs."""
    secrets_manager = cloud.client("secretsmanager")
    events = cloud.client("events")
    bus = events.create_event_bus(Name="baseline-webhooks")["EventBusArn"]
    secret_arns = [
        secrets_manager.create_secret(
            Name=f"baseline-endpoint-{i}",
            SecretString="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        )["ARN"]
        for i in range(ENDPOINTS)
    ]
    http = urllib3.PoolManager(maxsize=4)

    def target_invocation(message: dict[str, Any], endpoint: int) -> None:
        secret = secrets_manager.get_secret_value(SecretId=secret_arns[endpoint])["SecretString"]
        key = base64.b64decode(secret.removeprefix("whsec_"))
        body = json.dumps(message, separators=(",", ":")).encode()
        stamp = str(int(time.time()))
        signature = base64.b64encode(
            hmac.new(key, f"{message['id']}.{stamp}.".encode() + body, hashlib.sha256).digest()
        )
        http.request(
            "POST",
            receiver.url(f"/baseline/{endpoint}"),
            body=body,
            headers={
                "content-type": "application/json",
                "webhook-id": message["id"],
                "webhook-timestamp": stamp,
                "webhook-signature": "v1," + signature.decode(),
            },
            retries=False,
        )

    published: dict[str, float] = {}
    counter.take()
    started = time.perf_counter()
    with phase("baseline"):
        for wave in _waves(MESSAGES):
            batch = []
            for n in wave:
                message = {"id": f"msg_baseline_{n}", "type": "webhook.test", "data": {"n": n, "bench": True}}
                published[message["id"]] = time.time()
                batch.append(message)
            for message in batch:
                events.put_events(
                    Entries=[
                        {
                            "Source": "bench",
                            "DetailType": "webhook.test",
                            "Detail": json.dumps(message),
                            "EventBusName": bus,
                        }
                    ]
                )
                for endpoint in _targets(int(message["data"]["n"])):
                    target_invocation(message, endpoint)
    elapsed = time.perf_counter() - started
    calls, _ = counter.take()
    deliveries = len([r for r in receiver.requests if r.path.startswith("/baseline/")])
    figures = _per_delivery(calls, "baseline", deliveries)
    figures["lambda"] = figures.get("lambda", 0.0) + 1.0  # EventBridge's invocation of the target
    return {
        "deliveries": deliveries,
        "elapsed": elapsed,
        "latencies": _latencies(receiver, "/baseline/", published),
        "functions": figures,
        "secret_reads": calls[("baseline", "secretsmanager")],
    }


def _targets(n: int) -> range:
    """The endpoints message n goes to: all of them with --fanout, else its own subscriber's one."""
    return range(ENDPOINTS) if FANOUT else range(n % ENDPOINTS, n % ENDPOINTS + 1)


def _post(api_url: str, token: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the local API on loopback
        api_url + path,
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _row(name: str, result: dict[str, Any]) -> str:
    latencies = result["latencies"]
    rate = result["deliveries"] / result["elapsed"]
    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    return f"  {name:<26} {rate:10.1f} {p50:9.0f} {p99:9.0f}   {_format(result['functions'])}"


def main(argv: list[str] | None = None) -> None:
    global MESSAGES, ENDPOINTS, FANOUT
    parser = argparse.ArgumentParser(prog="webhooks_bench")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--endpoints", type=int, default=ENDPOINTS)
    parser.add_argument("--fanout", action="store_true", help="one tenant: every message to every endpoint")
    args = parser.parse_args(argv or [])
    MESSAGES, ENDPOINTS, FANOUT = args.messages, args.endpoints, args.fanout
    parameters = {"WebhookAllowLoopbackTargets": "true", "WebhookPublishQuotaPerMinute": "1000000"}
    deliveries = MESSAGES * ENDPOINTS if FANOUT else MESSAGES
    shape = "one tenant, every message to every endpoint" if FANOUT else "one endpoint per tenant"
    print(
        f"webhooks: {MESSAGES} messages, {ENDPOINTS} endpoints ({shape}) = {deliveries} deliveries per side"
    )
    with (
        LocalCloud(port=0, prefix_logs=False, parameters=parameters) as cloud,
        Receiver() as receiver,
        LocalApi(cloud.stack, cloud.invoke, endpoint_url=cloud.endpoint_url) as api,
        _quiet(),
    ):
        cognito = cloud.client("cognito-idp")
        subscribers = []
        for index in range(1 if FANOUT else ENDPOINTS):
            user = demo.create_demo_user(cognito, cloud.stack.outputs, username=f"bench{index}@example.com")
            token = demo.sign_in(cognito, user)["IdToken"]
            subscribers.append((_claim(token, "sub"), token))
        cloud.clock.drain()
        baseline = run_baseline(cloud, receiver)
        stratus = run_stratus(cloud, receiver, subscribers, api.url)

    print(f"  {'':<26} {'deliv/s':>10} {'p50 ms':>9} {'p99 ms':>9}   AWS requests per delivery, by service")
    print(_row("source design (baseline)", baseline))
    print(_row("Stratus webhooks", stratus))
    print(f"  Stratus, Lambda's event-source polling (emulated) per delivery: {_format(stratus['polling'])}")
    print(f"  Stratus, the producers' outbox writes per delivery: {_format(stratus['producer'])}")
    decrypts, per_endpoint = stratus["kms_decrypts"], stratus["kms_decrypts"] / ENDPOINTS
    reads, per_delivery = baseline["secret_reads"], baseline["secret_reads"] / max(1, baseline["deliveries"])
    print(
        f"  signing secrets: Stratus {decrypts} KMS decrypts, {stratus['secret_reads']} Secrets Manager reads"
        " for"
        f" {ENDPOINTS} endpoints ({per_endpoint:.1f} per endpoint per warm container); baseline {reads}"
        f" Secrets Manager reads ({per_delivery:.1f} per delivery)"
    )
    top = ", ".join(
        f"{op} {n / max(1, stratus['deliveries']):.3f}" for op, n in stratus["operations"].most_common(8)
    )
    print(f"  Stratus functions' requests per delivery by operation: {top}")
    print("  goals: <= 3 AWS requests per delivery; <= 1 secret read per endpoint per warm container")


def _claim(token: str, name: str) -> str:
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[name])


@contextmanager
def _quiet() -> Iterator[None]:
    """Function logs go to /dev/null: 40,000 deliveries would print 100,000 lines."""
    logging.disable(logging.WARNING)
    saved = sys.stdout
    sink = open(os.devnull, "w")  # noqa: SIM115 - closed below
    sys.stdout = sink if os.environ.get("WEBHOOKS_BENCH_LOGS") != "1" else saved
    try:
        yield
    finally:
        sys.stdout = saved
        sink.close()
        logging.disable(logging.NOTSET)


if __name__ == "__main__":
    main(sys.argv[1:])
