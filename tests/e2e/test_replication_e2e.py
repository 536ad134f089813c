"""Stream replication, whole: the traffic generator puts web events into Kinesis, and nothing else is called.

The replicator (Kinesis mapping) writes the replica table; the table's stream feeds the archiver (Firehose ->
S3) and the counter; the counters API answers over HTTP behind the Cognito authorizer. What each stage
holds is checked against what was sent and against the stream itself, never against the functions' code.
"""

from __future__ import annotations

import gzip
import json
import math
import secrets
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from boto3.dynamodb.types import TypeDeserializer

from stratus_local import demo
from stratus_local.apigw import LocalApi
from stratus_local.cloud import LocalCloud
from stratus_local.event_sources import MappingConfig, StreamPoller
from tests.e2e.conftest import ON_DEPLOYED_STACK, E2eCloud, local_only
from tools.traffic_generator import TrafficGenerator, generate_events

RECORDS = 300
SEED = 20261122
EVENT_NAMES = ("page view", "impression", "click")
KEY_ATTRIBUTES = {"seqNumbershardIdHash", "sequenceNumber"}
# Written by the replicator beside the design's keys; not part of the event.
BOOKKEEPING_ATTRIBUTES = KEY_ATTRIBUTES | {"shardId"}
_DESERIALIZE = TypeDeserializer().deserialize


@dataclass(frozen=True)
class StreamRecord:
    """One record as Kinesis holds it: where it is and the event it carries."""

    shard_id: str
    sequence_number: str
    event: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        # The source design's key, computed here from the stream rather than taken from the replicator.
        return (f"{self.sequence_number[-3:-1]}_{self.shard_id}", self.sequence_number)


@dataclass(frozen=True)
class Sent:
    events: list[dict[str, Any]]
    # What the API served before sending: a deployed stack has history, so the tests check the difference.
    minutes_before: dict[str, dict[str, int]]
    hours_before: dict[str, int]

    @property
    def event_ids(self) -> set[str]:
        return {e["eventId"] for e in self.events}


# ---- reading what each stage holds ----------------------------------------------------------------


def _stream_records(cloud: E2eCloud, event_ids: set[str]) -> list[StreamRecord]:
    """Every record in the stream that carries one of `event_ids`, read shard by shard from the start."""
    kinesis = cloud.client("kinesis")
    stream = cloud.output("WebAnalyticsStreamName")
    found = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            for raw in page["Records"]:
                event = json.loads(raw["Data"])
                if event.get("eventId") in event_ids:
                    found.append(StreamRecord(shard["ShardId"], str(raw["SequenceNumber"]), event))
            iterator = page.get("NextShardIterator")
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
    return found


def _replica_items(cloud: E2eCloud) -> list[dict[str, Any]]:
    """The whole replica table, as Python values (numbers as Decimal)."""
    dynamodb = cloud.client("dynamodb")
    items = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=cloud.output("ReplicaTableName"), ConsistentRead=True
    ):
        items += [{k: _DESERIALIZE(v) for k, v in item.items()} for item in page["Items"]]
    return items


def _mine(items: list[dict[str, Any]], sent: Sent) -> list[dict[str, Any]]:
    return [item for item in items if item.get("eventId") in sent.event_ids]


def _plain(value: Any) -> Any:
    """A DynamoDB value as plain JSON would carry it (integral numbers as int)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _canonical(row: Mapping[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


def _archived_rows(cloud: E2eCloud) -> list[dict[str, Any]]:
    """Every NDJSON line in the archive bucket, whatever compression each object was written with."""
    s3 = cloud.client("s3")
    bucket = cloud.output("ArchiveBucketName")
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            if body[:2] == b"\x1f\x8b":  # GZIP magic: Firehose compressed this object
                body = gzip.decompress(body)
            rows += [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    return rows


def _expected_minutes(events: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Per event name, events per minute, from the events' own timestamps (the design's DateHour format)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in EVENT_NAMES}
    for event in events:
        moment = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).astimezone(UTC)
        counts[event["event"]][moment.strftime("%Y-%m-%dT%H:%M:00")] += 1
    return counts


# ---- the API over HTTP ----------------------------------------------------------------------------


def _get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 - the stack's own API
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, text = int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = int(error.code), error.read().decode(errors="replace")
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


def _counters_url(api_url: str, hours: int, resolution: str) -> str:
    query = {"events": ",".join(EVENT_NAMES), "hours": str(hours), "resolution": resolution}
    return f"{api_url}/counters?{urlencode(query)}"


def _minute_series(api_url: str, token: str) -> dict[str, dict[str, int]]:
    """Per event, the last hour's counts per minute (all 60 minutes, empty ones included)."""
    status, body = _get(_counters_url(api_url, 1, "minute"), {"Authorization": token})
    assert status == 200, body
    return {s["event"]: {p["dateHour"]: p["count"] for p in s["points"]} for s in body["series"]}


def _hourly_totals(api_url: str, token: str) -> dict[str, int]:
    """Per event, the total of the current and the previous clock hour."""
    status, body = _get(_counters_url(api_url, 2, "hour"), {"Authorization": token})
    assert status == 200, body
    return {s["event"]: s["total"] for s in body["series"]}


def _nonzero(series: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """The minutes that counted something (the window slides with the clock; empty minutes come and go)."""
    return {name: {when: n for when, n in points.items() if n} for name, points in series.items()}


# ---- fixtures -------------------------------------------------------------------------------------


def _output_or_skip(cloud: E2eCloud, name: str) -> str:
    try:
        return str(cloud.output(name))
    except KeyError:
        pytest.skip(f"the stack has no {name} output (that part of stream replication is switched off)")


@pytest.fixture(scope="module")
def api_url(cloud: E2eCloud) -> Iterator[str]:
    """The counters API: the local API over the local cloud, or the deployed stage URL."""
    if isinstance(cloud, LocalCloud):
        with LocalApi(cloud.stack, cloud.invoke, endpoint_url=cloud.endpoint_url) as api:
            yield api.url
    else:
        yield _output_or_skip(cloud, "ApiUrl").rstrip("/")


@pytest.fixture(scope="module")
def id_token(cloud: E2eCloud) -> Iterator[str]:
    """A real ID token of a user created in the stack's pool, signed in with USER_PASSWORD_AUTH."""
    cognito = cloud.client("cognito-idp")
    outputs = {name: cloud.output(name) for name in (demo.POOL_OUTPUT, demo.CLIENT_OUTPUT)}
    user = demo.create_demo_user(cognito, outputs, username=f"analyst-{secrets.token_hex(4)}@example.com")
    try:
        yield demo.sign_in(cognito, user)["IdToken"]
    finally:
        cognito.admin_delete_user(UserPoolId=user.pool_id, Username=user.username)


@pytest.fixture(scope="module")
def sent(cloud: E2eCloud, api_url: str, id_token: str) -> Sent:
    """RECORDS events over the last four minutes, put by the traffic generator, and everything settled."""
    for name in ("WebAnalyticsStreamName", "ReplicaTableName"):
        _output_or_skip(cloud, name)
    minutes_before, hours_before = _minute_series(api_url, id_token), _hourly_totals(api_url, id_token)
    # A deployed stack keeps earlier runs' items: a fresh seed keeps this run's event ids apart.
    seed = secrets.randbits(32) if ON_DEPLOYED_STACK else SEED
    start = datetime.now(UTC) - timedelta(minutes=4)
    events = generate_events(RECORDS, users=40, start=start, spread_seconds=240, seed=seed)
    generator = TrafficGenerator(cloud.output("WebAnalyticsStreamName"), kinesis=cloud.client("kinesis"))
    assert generator.send(events) == RECORDS
    cloud.clock.drain()
    return Sent(events, minutes_before, hours_before)


# ---- tests ----------------------------------------------------------------------------------------


def test_the_replica_holds_one_item_per_record_keyed_by_its_place_in_the_stream(
    cloud: E2eCloud, sent: Sent
) -> None:
    records = _stream_records(cloud, sent.event_ids)
    items = _replica_items(cloud)
    mine = _mine(items, sent)

    assert len(records) == RECORDS  # the generator put every event, once
    if isinstance(cloud, LocalCloud):
        assert len(items) == RECORDS  # a fresh local cloud holds nothing else
    by_key = {(item["seqNumbershardIdHash"], item["sequenceNumber"]): item for item in mine}
    assert len(mine) == RECORDS
    assert set(by_key) == {record.key for record in records}
    for record in records:
        item = by_key[record.key]
        stored = {k: v for k, v in item.items() if k not in BOOKKEEPING_ATTRIBUTES}
        # The event's fields, empty values dropped (the generator often sends an empty referrer).
        assert stored == {k: v for k, v in record.event.items() if v not in ("", None)}
    assert any(record.event.get("referrer") == "" for record in records)


@local_only("Firehose buffers for minutes before it writes to S3, longer than a test should wait")
def test_the_archive_holds_exactly_the_flattened_items(cloud: E2eCloud, sent: Sent) -> None:
    items = _replica_items(cloud)
    rows = _archived_rows(cloud)

    assert len(rows) == RECORDS
    # One line per item, numbers as JSON numbers (the click positions' x and y, the nanotimestamps).
    assert Counter(_canonical(row) for row in rows) == Counter(_canonical(_plain(item)) for item in items)
    assert any(isinstance(row.get("position", {}).get("x"), int) for row in rows)
    assert all(isinstance(row["nanotimestamp"], int) for row in rows)


def test_the_counters_api_serves_counts_that_match_what_was_sent(
    api_url: str, id_token: str, sent: Sent
) -> None:
    expected = _expected_minutes(sent.events)

    after = _minute_series(api_url, id_token)
    totals = _hourly_totals(api_url, id_token)

    assert set(after) == set(EVENT_NAMES)
    for name in EVENT_NAMES:
        # What the API counted since the fixture's first call, minute by minute.
        counted = {when: n - sent.minutes_before[name].get(when, 0) for when, n in after[name].items()}
        assert {when: n for when, n in counted.items() if n} == dict(expected[name]), name
        assert len(after[name]) == 60  # every minute of the hour, empty ones as zero
    assert {name: totals[name] - sent.hours_before[name] for name in EVENT_NAMES} == {
        name: sum(expected[name].values()) for name in EVENT_NAMES
    }
    assert sum(sum(expected[name].values()) for name in EVENT_NAMES) == RECORDS


def test_the_counters_api_refuses_a_request_without_a_valid_token(
    api_url: str, id_token: str, sent: Sent
) -> None:
    url = _counters_url(api_url, 1, "minute")

    missing, _ = _get(url)
    forged, _ = _get(url, {"Authorization": demo.tampered(id_token)})
    signed, body = _get(url, {"Authorization": id_token})

    assert (missing, forged) == (401, 401)
    assert signed == 200, body


@local_only("it re-delivers the stream's records from TRIM_HORIZON through a second Kinesis poller")
def test_a_replayed_stream_overwrites_instead_of_duplicating(
    cloud: E2eCloud, api_url: str, id_token: str, sent: Sent
) -> None:
    assert isinstance(cloud, LocalCloud)
    items_before = sorted(map(_canonical, map(_plain, _replica_items(cloud))))
    counts_before = _nonzero(_minute_series(api_url, id_token))
    # What Lambda does after a retry or when a mapping is re-created at TRIM_HORIZON: the replicator gets
    # the same records (same sequence numbers) again, through the mapping the template declares.
    poller = _replay_poller(cloud)
    while poller.step(flush=True):
        pass
    cloud.clock.drain()

    assert poller.pending() == 0
    assert poller.invocations >= math.ceil(RECORDS / poller.config.batch_size)
    assert sorted(map(_canonical, map(_plain, _replica_items(cloud)))) == items_before
    assert _nonzero(_minute_series(api_url, id_token)) == counts_before
    # The archive is a log: a replayed item may be logged again, but never as a different item.
    assert {_canonical(row) for row in _archived_rows(cloud)} == set(items_before)


def _replay_poller(cloud: LocalCloud) -> StreamPoller:
    stream_arn = cloud.output("WebAnalyticsStreamArn")
    stack = cloud.stack
    for mapping in stack.event_source_mappings:
        if mapping["EventSourceArn"] != stream_arn:
            continue
        function = stack.function_for_arn(str(mapping["FunctionName"]))
        assert function is not None
        props = {**mapping, "FunctionName": function, "StartingPosition": "TRIM_HORIZON"}
        config = MappingConfig.from_properties(props, stack.functions[function].arn)
        return StreamPoller(config, cloud.invoke, cloud.client, cloud.clock, cloud.region)
    raise AssertionError(f"no event source mapping reads {stream_arn}")
