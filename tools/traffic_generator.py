"""Put realistic web-analytics events into the Stratus Kinesis stream at a chosen rate.

    python tools/traffic_generator.py --stack-name stratus --rate 20 --duration 60
    AWS_ENDPOINT_URL=http://127.0.0.1:5000 python tools/traffic_generator.py --stream-name web --count 500

The stream is named directly or found from a deployed stack's `WebAnalyticsStreamName` output; the
endpoint follows AWS_ENDPOINT_URL (boto3 reads it), which is how the local cloud is targeted.
Importable: `generate_events()` makes the events and `TrafficGenerator.send()` puts them, so the local
cloud's demo data and the tests use exactly what the command sends.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

STREAM_OUTPUT = "WebAnalyticsStreamName"
PUT_RECORDS_LIMIT = 500  # PutRecords' own maximum per call
# Page views dominate, as on a real site; clicks are a fraction of impressions.
EVENT_WEIGHTS = {"page view": 0.55, "impression": 0.35, "click": 0.10}
PAGES = [
    "/",
    "/search",
    "/fundraising/marathon",
    "/fundraising/bake-sale",
    "/charity/oxfam",
    "/donate",
    "/signin",
]
REFERRERS = ["", "https://www.google.com/", "https://twitter.com/", "https://www.facebook.com/", "newsletter"]
COUNTRIES = ["GB", "US", "IE", "DE", "FR", "AU", "CA"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15",
]
WIDGETS = ["hero-banner", "donate-button", "share-button", "related-pages", "footer-link"]


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def generate_events(
    count: int,
    *,
    users: int = 200,
    start: datetime | None = None,
    spread_seconds: float = 0.0,
    seed: int | None = None,
) -> list[dict[str, Any]]:
    """`count` web events from `users` users, timestamps from `start` spread over `spread_seconds`."""
    rng = random.Random(seed)  # noqa: S311 - synthetic traffic, not security
    begin = start or datetime.now(UTC)
    sessions: dict[str, str] = {}
    events: list[dict[str, Any]] = []
    for index in range(count):
        offset = spread_seconds * index / count if count else 0.0
        moment = begin + timedelta(seconds=offset)
        user = f"user-{rng.randrange(users):05d}"
        session = sessions.setdefault(user, str(uuid.UUID(int=rng.getrandbits(128))))
        name = rng.choices(list(EVENT_WEIGHTS), weights=list(EVENT_WEIGHTS.values()))[0]
        event: dict[str, Any] = {
            "event": name,
            "eventId": str(uuid.UUID(int=rng.getrandbits(128))),
            "userId": user,
            "sessionId": session,
            "timestamp": _timestamp(moment),
            "nanotimestamp": int(moment.timestamp() * 1_000_000_000),
            "page": rng.choice(PAGES),
            "referrer": rng.choice(REFERRERS),  # often empty: the replicator drops empty values
            "country": rng.choice(COUNTRIES),
            "userAgent": rng.choice(AGENTS),
        }
        if name != "page view":
            event["widget"] = rng.choice(WIDGETS)
        if name == "click":
            event["position"] = {"x": rng.randrange(1920), "y": rng.randrange(1080)}
        events.append(event)
    return events


def stream_name_from_stack(stack_name: str, cloudformation: Any | None = None) -> str:
    """The stream a deployed Stratus stack created (its WebAnalyticsStreamName output)."""
    cloudformation = cloudformation or boto3.client("cloudformation")
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    for output in stacks[0].get("Outputs", []):
        if output["OutputKey"] == STREAM_OUTPUT:
            return str(output["OutputValue"])
    raise SystemExit(f"stack {stack_name} has no {STREAM_OUTPUT} output (is stream replication enabled?)")


class ThrottledError(Exception):
    """Kinesis kept refusing some records (the stream is over its write capacity)."""


@dataclass
class TrafficGenerator:
    """Puts events into one Kinesis stream, PutRecords 500 at a time, resending throttled records."""

    stream_name: str
    kinesis: Any = None
    max_attempts: int = 5
    sent: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kinesis is None:
            self.kinesis = boto3.client("kinesis")

    def send(self, events: Sequence[dict[str, Any]]) -> int:
        """Put every event (partition key = user, so one user's clickstream stays in order)."""
        for start in range(0, len(events), PUT_RECORDS_LIMIT):
            entries = [
                {"Data": json.dumps(e).encode(), "PartitionKey": str(e.get("userId", "anonymous"))}
                for e in events[start : start + PUT_RECORDS_LIMIT]
            ]
            for attempt in range(self.max_attempts):
                response = self.kinesis.put_records(StreamName=self.stream_name, Records=entries)
                results = response["Records"]
                entries = [entry for entry, r in zip(entries, results, strict=True) if "ErrorCode" in r]
                if not entries:
                    break
                time.sleep(min(1.0, 0.1 * 2**attempt))
            else:
                raise ThrottledError(
                    f"{len(entries)} record(s) still throttled after {self.max_attempts} attempts"
                )
        self.sent += len(events)
        return len(events)

    def run(
        self,
        rate: float,
        *,
        duration: float | None = None,
        count: int | None = None,
        seed: int | None = None,
        users: int = 200,
    ) -> int:
        """Send about `rate` events a second until `duration` seconds or `count` events, whichever first."""
        rng_seed = seed
        deadline = time.monotonic() + duration if duration is not None else None
        remaining = count
        tick = 1.0 if rate >= 1 else 1.0 / rate
        while (deadline is None or time.monotonic() < deadline) and (remaining is None or remaining > 0):
            started = time.monotonic()
            size = max(1, round(rate * tick))
            if remaining is not None:
                size = min(size, remaining)
                remaining -= size
            self.send(generate_events(size, users=users, spread_seconds=tick, seed=rng_seed))
            rng_seed = None if rng_seed is None else rng_seed + 1
            print(f"sent {self.sent} events to {self.stream_name}", file=sys.stderr)
            if (remaining is None or remaining > 0) and (deadline is None or time.monotonic() < deadline):
                time.sleep(max(0.0, tick - (time.monotonic() - started)))
        return self.sent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stream-name", help="Kinesis stream to put into")
    target.add_argument("--stack-name", help="deployed Stratus stack whose stream to use")
    parser.add_argument("--rate", type=float, default=10.0, help="events per second (default 10)")
    parser.add_argument("--duration", type=float, help="seconds to run (default: until --count, or 60)")
    parser.add_argument("--count", type=int, help="stop after this many events")
    parser.add_argument("--users", type=int, default=200, help="distinct users (default 200)")
    parser.add_argument("--seed", type=int, help="make the events reproducible")
    args = parser.parse_args(argv)
    if args.rate <= 0:
        parser.error("--rate must be positive")
    duration = args.duration if args.duration is not None or args.count is not None else 60.0
    stream = args.stream_name or stream_name_from_stack(args.stack_name)
    sent = TrafficGenerator(stream).run(
        args.rate, duration=duration, count=args.count, seed=args.seed, users=args.users
    )
    print(json.dumps({"stream": stream, "sent": sent}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
