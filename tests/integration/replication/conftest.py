"""Replication fixtures over the lead's `stack` harness: the stream, tables, queues and mapping settings
come from the deployed template; Lambda's event source mappings are played by small pumps here."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Sequence
from typing import Any

from moto.events.models import EventPattern

from tests.support.harness import StackHarness
from tools.traffic_generator import TrafficGenerator

REPLICATOR = "StreamReplicatorFunction"
ARCHIVER = "ReplicaArchiverFunction"
COUNTER = "EventCounterFunction"
API = "CountersApiFunction"


def mapping(stack: StackHarness, function: str) -> dict[str, Any]:
    mappings = stack.mappings_for(function)
    assert len(mappings) == 1, mappings
    return mappings[0]


class KinesisPump:
    """Puts events on the stack's stream and hands them to the replicator as Lambda would."""

    def __init__(self, stack: StackHarness) -> None:
        self.stack = stack
        self.kinesis = stack.client("kinesis")
        self.stream = stack.output("WebAnalyticsStreamName")
        self.arn = stack.output("WebAnalyticsStreamArn")
        self.iterators: dict[str, str] = {}

    def put(self, events: Sequence[dict[str, Any]]) -> None:
        TrafficGenerator(self.stream, kinesis=self.kinesis).send(events)

    def read(self) -> list[dict[str, Any]]:
        """Every new record in Lambda's Kinesis event shape."""
        records: list[dict[str, Any]] = []
        for shard in self.kinesis.list_shards(StreamName=self.stream)["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.kinesis.get_shard_iterator(
                    StreamName=self.stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while True:
                page = self.kinesis.get_records(ShardIterator=self.iterators[shard_id], Limit=10000)
                self.iterators[shard_id] = page["NextShardIterator"]
                if not page["Records"]:
                    break
                records.extend(self._as_lambda_record(shard_id, r) for r in page["Records"])
        return records

    def _as_lambda_record(self, shard_id: str, record: dict[str, Any]) -> dict[str, Any]:
        seq = record["SequenceNumber"]
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": seq,
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{seq}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/replicator",
            "awsRegion": "us-east-1",
            "eventSourceARN": self.arn,
        }

    def deliver(self, records: Sequence[dict[str, Any]] | None = None) -> list[dict[str, str]]:
        """Invoke the replicator in batches of the mapping's BatchSize; return the reported failures."""
        records = self.read() if records is None else records
        size = int(mapping(self.stack, REPLICATOR)["BatchSize"])
        failures: list[dict[str, str]] = []
        for start in range(0, len(records), size):
            result = self.stack.function(REPLICATOR).invoke({"Records": list(records[start : start + size])})
            failures.extend(result["batchItemFailures"])
        return failures


class ReplicaStream:
    """The replica table's stream, shaped as Lambda delivers it, filtered per consumer's mapping."""

    def __init__(self, stack: StackHarness) -> None:
        self.stack = stack
        self.arn = stack.attr("ReplicaTable", "StreamArn")
        self.client = stack.client("dynamodbstreams")
        shard = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]
        self.iterator = self.client.get_shard_iterator(
            StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        self.seen: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        while True:
            page = self.client.get_records(ShardIterator=self.iterator)
            self.iterator = page["NextShardIterator"]
            if not page["Records"]:
                break
            for record in page["Records"]:
                dynamodb = dict(record["dynamodb"])
                dynamodb["ApproximateCreationDateTime"] = int(
                    dynamodb["ApproximateCreationDateTime"].timestamp()
                )
                records.append({**record, "dynamodb": dynamodb, "eventSourceARN": self.arn})
        self.seen.extend(records)
        return records

    def deliver(self, function: str, records: Sequence[dict[str, Any]]) -> list[Any]:
        """What the mapping does: keep records its filters pass, invoke in batches of its BatchSize."""
        settings = mapping(self.stack, function)
        patterns = [
            EventPattern.load(f["Pattern"]) for f in settings.get("FilterCriteria", {}).get("Filters", [])
        ]
        kept = [r for r in records if not patterns or any(p.matches_event(r) for p in patterns)]
        size = int(settings["BatchSize"])
        return [
            self.stack.function(function).invoke({"Records": kept[start : start + size]})
            for start in range(0, len(kept), size)
        ]


def archived_lines(stack: StackHarness) -> list[dict[str, Any]]:
    """Every JSON line in the archive bucket (Firehose GZIPs in AWS; moto writes what it was given)."""
    s3 = stack.client("s3")
    bucket = stack.output("ArchiveBucketName")
    lines: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            if body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            lines.extend(json.loads(line) for line in body.decode().splitlines() if line)
    return lines


def scan_all(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return items
