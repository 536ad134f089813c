"""Webhooks in: requests per second through the receiving handler and AWS requests per webhook, beside a
baseline written the way the AWS sample receives.

Figures, not asserts (goal: one S3 put and one conditional DynamoDB write per webhook, the source's
secret read once per warm container). Both sides run in this process against the same template
deployed on in-process moto, take the same signed Standard Webhooks requests (1 KB JSON bodies) and
store them in the same bucket and table:

- Stratus: the WebhookReceiverFunction handler as Lambda would call it (API Gateway proxy event, body
  base64-encoded).
- baseline, the sample's way: the secret is read from Secrets Manager on every request, the body is
  parsed before it is verified, the id is looked up with GetItem and, when absent, written with an
  unconditional PutItem (two concurrent deliveries can both pass the GetItem), then the body is put.

AWS requests are counted with a botocore `before-call` hook on the clients each side uses. The last
figure is a race: 8 concurrent deliveries of one webhook, 20 times; how many were stored more than once.
`python -m benchmarks.webhooks_in_bench --webhooks 200` runs a smaller size.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import logging
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "local", ROOT / "layers" / "shared"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

import boto3  # noqa: E402
import standardwebhooks  # noqa: E402

from stratus_local.runner import LambdaContext  # noqa: E402
from stratus_shared import aws  # noqa: E402
from tests.integration.webhooks_in.conftest import register  # noqa: E402
from tests.support.harness import REGION, StackHarness, deployed_stack  # noqa: E402

WEBHOOKS = int(os.environ.get("WEBHOOKS_IN_BENCH_WEBHOOKS", "1000"))
SECRET = "whsec_" + base64.b64encode(b"benchmark-secret-of-thirty-two!!").decode()
SOURCE = "bench"
RECEIVER = "WebhookReceiverFunction"


def _requests(webhooks: int) -> list[tuple[str, bytes, dict[str, str]]]:
    signer = standardwebhooks.Webhook(SECRET)
    now = datetime.now(UTC)
    out = []
    for n in range(webhooks):
        body = json.dumps({"type": "invoice.paid", "id": n, "data": {"pad": "x" * 960}}).encode()
        webhook_id = f"msg_{n:06d}"
        headers = {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(webhook_id, now, body.decode()),
            "Content-Type": "application/json",
        }
        out.append((webhook_id, body, headers))
    return out


def _event(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "resource": "/webhooks/in/{source}",
        "path": f"/webhooks/in/{SOURCE}",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "pathParameters": {"source": SOURCE},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
        "requestContext": {"requestId": "bench", "stage": "v1"},
    }


class Baseline:
    """The sample's receiver, on the same resources: what the issue lists as what not to do."""

    def __init__(self, stack: StackHarness, secret_name: str) -> None:
        self.secret_name = secret_name
        self.bucket = stack.output("InboundWebhookBucketName")
        self.table = stack.output("InboundWebhookTableName")
        self.secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)

    @property
    def clients(self) -> list[Any]:
        return [self.secretsmanager, self.dynamodb, self.s3]

    def handle(self, event: dict[str, Any]) -> int:
        body = base64.b64decode(event["body"])
        payload = json.loads(body)  # parsed before it is verified
        headers = event["headers"]
        secret = json.loads(self.secretsmanager.get_secret_value(SecretId=self.secret_name)["SecretString"])
        key = base64.b64decode(secret["secrets"][0].removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        if headers["webhook-signature"].split(",", 1)[1] != expected:  # not constant time either
            return 401
        item_key = {"pk": {"S": f"B#{SOURCE}"}, "sk": {"S": headers["webhook-id"]}}
        if "Item" in self.dynamodb.get_item(TableName=self.table, Key=item_key):
            return 200
        object_key = f"baseline/{headers['webhook-id']}"
        self.dynamodb.put_item(
            TableName=self.table,
            Item={**item_key, "type": {"S": str(payload.get("type"))}, "key": {"S": object_key}},
        )
        self.s3.put_object(Bucket=self.bucket, Key=object_key, Body=body)
        return 202


def _counting(clients: list[Any]) -> Counter[str]:
    made: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        made[model.name] += 1

    for client in clients:
        client.meta.events.register("before-call", count)
    return made


def _run(handle: Any, requests: list[tuple[str, bytes, dict[str, str]]]) -> float:
    """Seconds spent on the requests, one at a time."""
    started = time.perf_counter()
    for _, body, headers in requests:
        status = handle(_event(body, headers))
        assert status in {200, 202}, status
    return time.perf_counter() - started


def _race(handle: Any, stored: Any, rounds: int = 20) -> int:
    """Rounds in which 8 concurrent deliveries of one webhook were stored more than once."""
    doubled = 0
    for n in range(rounds):
        _, body, headers = _requests(1)[0]
        headers = {**headers}
        webhook_id = f"race_{n}_{time.time_ns()}"
        now = datetime.now(UTC)
        headers["webhook-id"] = webhook_id
        headers["webhook-timestamp"] = str(int(now.timestamp()))
        headers["webhook-signature"] = standardwebhooks.Webhook(SECRET).sign(webhook_id, now, body.decode())
        with ThreadPoolExecutor(8) as pool:
            event = _event(body, headers)
            answers = list(pool.map(lambda _, e=event: handle(e), range(8)))
        doubled += int(answers.count(202) > 1 or stored(webhook_id) > 1)
    return doubled


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--webhooks", type=int, default=WEBHOOKS)
    args = parser.parse_args(argv if argv is not None else [])
    logging.getLogger("stratus").setLevel(logging.WARNING)
    requests = _requests(args.webhooks)

    with deployed_stack() as stack:
        stack.extra_env.update({"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})
        register(stack, SOURCE, secret=SECRET)
        receiver = stack.function(RECEIVER)
        receiver.handler()  # cold start outside the timing
        stratus_calls = _counting([aws.client(s) for s in ("s3", "dynamodb", "secretsmanager")])

        context = LambdaContext(receiver.spec.function_name, receiver.spec.arn, receiver.spec.memory, 10)
        handler = receiver.handler()

        def stratus(event: dict[str, Any]) -> int:
            return int(handler(event, context)["statusCode"])

        prefix = receiver.spec.environment["SOURCE_SECRET_PREFIX"]
        baseline = Baseline(stack, prefix + SOURCE)
        baseline_calls = _counting(baseline.clients)
        # Alternating quarters, so a busy moment of the machine falls on both sides alike.
        seconds = {"stratus": 0.0, "baseline": 0.0}
        quarter = max(1, len(requests) // 4)
        renamed = [(f"b{i}", b, {**h}) for i, (_, b, h) in enumerate(requests)]
        for start in range(0, len(requests), quarter):
            with receiver._active():
                seconds["stratus"] += _run(stratus, requests[start : start + quarter])
            seconds["baseline"] += _run(baseline.handle, renamed[start : start + quarter])
        stratus_rate = len(requests) / seconds["stratus"]
        baseline_rate = len(requests) / seconds["baseline"]
        stratus_made, baseline_made = dict(stratus_calls), dict(baseline_calls)

        def stratus_invoke(event: dict[str, Any]) -> int:
            return int(receiver.invoke(event)["statusCode"])

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        table = stack.output("InboundWebhookTableName")

        def items_for(pk: str) -> Any:
            def stored(webhook_id: str) -> int:
                key = {"pk": {"S": pk}, "sk": {"S": webhook_id}}
                return int("Item" in dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True))

            return stored

        stratus_race = _race(stratus_invoke, items_for(f"W#{SOURCE}"))
        baseline_race = _race(baseline.handle, items_for(f"B#{SOURCE}"))

    n = args.webhooks
    print(f"{n} signed 1 KB webhooks through each receiver, one at a time (in-process moto)")
    print(f"{'':28}{'Stratus':>14}{'baseline':>14}")
    print(f"{'requests/s':28}{stratus_rate:>14.0f}{baseline_rate:>14.0f}")
    per_webhook = (sum(stratus_made.values()) / n, sum(baseline_made.values()) / n)
    print(f"{'AWS requests per webhook':28}{per_webhook[0]:>14.2f}{per_webhook[1]:>14.2f}")
    for name in sorted(set(stratus_made) | set(baseline_made)):
        print(
            f"{'  ' + name:28}{stratus_made.get(name, 0) / n:>14.3f}{baseline_made.get(name, 0) / n:>14.3f}"
        )
    print(f"{'races won by a duplicate':28}{stratus_race:>11}/20{baseline_race:>11}/20")
    print(
        "(race: 8 concurrent deliveries of one webhook; a round counts when more than one was answered 202)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
