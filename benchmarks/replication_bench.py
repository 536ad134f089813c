"""Replicator and archiver cost for 10,000 web events, beside the source design's code in the same run.

Figures, not asserts (goals: <= 41 DynamoDB and <= 2 Firehose calls per 1,000 records, >= 5x the
baseline's records per CPU-second). Everything runs against in-process moto with template.yaml deployed,
so CPU time includes moto serving the calls; both sides pay that the same way.
- replicator: StreamReplicatorFunction, cross-account (assumes the analytics writer role), invoked in
  batches of its mapping's BatchSize, beside the source design's handler (one assume_role per invocation,
  one put_item per record) given the very same batches;
- archiver: ReplicaArchiverFunction over the replica table's stream in batches of its mapping's
  BatchSize, beside the source design's one put_record per item.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from botocore.client import BaseClient

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "local", ROOT / "layers" / "shared"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")

from tests.integration.replication.conftest import (  # noqa: E402
    ARCHIVER,
    REPLICATOR,
    KinesisPump,
    ReplicaStream,
    mapping,
)
from tests.support.harness import REGION, StackHarness, deployed_stack, translated_template  # noqa: E402
from tools.traffic_generator import generate_events  # noqa: E402

RECORDS = 10_000
WRITER_ROLE = "arn:aws:iam::999999999999:role/stratus-ReplicaWriterRole"
EXTERNAL_ID = "bench"
TARGET_TABLE = "analytics-replica"
BASELINE_TABLE = "analytics-replica-baseline"


@contextmanager
def counted_calls() -> Iterator[Counter[str]]:
    """Every AWS API call made through botocore in this process, by service.operation."""
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls[f"{self.meta.service_model.service_name}.{operation}"] += 1
        return original(self, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counting):
        yield calls


def measure(run: Callable[[], None]) -> tuple[Counter[str], float]:
    with counted_calls() as calls:
        started = time.process_time()
        run()
        cpu = time.process_time() - started
    return calls, cpu


def source_design_handler(event: dict[str, Any], table_name: str) -> str:
    """The source design's replicator, as published (Python 3 spelling): assume, then put per record."""
    client = boto3.client("sts")
    sts_response = client.assume_role(
        RoleArn=WRITER_ROLE, RoleSessionName="AssumePocRole", DurationSeconds=900, ExternalId=EXTERNAL_ID
    )
    dynamodb = boto3.resource(
        service_name="dynamodb",
        region_name=REGION,
        aws_access_key_id=sts_response["Credentials"]["AccessKeyId"],
        aws_secret_access_key=sts_response["Credentials"]["SecretAccessKey"],
        aws_session_token=sts_response["Credentials"]["SessionToken"],
    )
    for record in event["Records"]:
        try:
            payload_json = json.loads(base64.b64decode(record["kinesis"]["data"]))
            payload_json["sequenceNumber"] = record["kinesis"]["sequenceNumber"]
            payload_json["shardId"] = record["eventID"].split(":")[0]
            payload_json["seqNumbershardIdHash"] = (
                payload_json["sequenceNumber"][-3:-1] + "_" + payload_json["shardId"]
            )
            items = {k: v for k, v in payload_json.items() if v is not None and v != ""}
            table = dynamodb.Table(table_name)
            table.put_item(Item=items)
        except Exception as e:  # the source design swallows per-record errors
            print(e)
    return "Successfully processed {} records.".format(len(event["Records"]))


def _analytics_tables(props: dict[str, Any]) -> Any:
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=WRITER_ROLE, RoleSessionName="bench-setup", ExternalId=EXTERNAL_ID
    )["Credentials"]
    dynamodb = boto3.client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    for name in (TARGET_TABLE, BASELINE_TABLE):
        dynamodb.create_table(
            TableName=name,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode=props["BillingMode"],
        )
    return dynamodb


def _batches(records: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    return [{"Records": records[i : i + size]} for i in range(0, len(records), size)]


def _per_1000(count: int) -> float:
    return count * 1000 / RECORDS


def _row(name: str, calls: Counter[str], cpu: float, services: tuple[str, ...]) -> str:
    figures = "  ".join(
        f"{service}/1k={_per_1000(sum(n for k, n in calls.items() if k.startswith(service + '.'))):7.1f}"
        for service in services
    )
    return f"  {name:<28} {figures}  records/CPU-s={RECORDS / cpu:9.0f}  (cpu {cpu:.2f} s)"


def bench_replicator() -> None:
    props = translated_template({"ReplicationSourceAccountId": "123456789012"}).resources["ReplicaTable"][
        "Properties"
    ]
    parameters = {
        "ReplicationTargetRoleArn": WRITER_ROLE,
        "ReplicationTargetTableName": TARGET_TABLE,
        "ReplicationExternalId": EXTERNAL_ID,
    }
    with deployed_stack(parameters) as stack:
        target = _analytics_tables(props)
        pump = KinesisPump(stack)
        pump.put(generate_events(RECORDS, users=2_000, spread_seconds=3_600, seed=42))
        records = pump.read()
        assert len(records) == RECORDS
        batches = _batches(records, int(mapping(stack, REPLICATOR)["BatchSize"]))
        replicator = stack.function(REPLICATOR)
        replicator.handler()  # cold start (imports) outside the measurement, as for the baseline

        def optimised() -> None:
            for batch in batches:
                assert replicator.invoke(batch) == {"batchItemFailures": []}

        def baseline() -> None:
            for batch in batches:
                source_design_handler(batch, BASELINE_TABLE)

        base_calls, base_cpu = measure(baseline)
        opt_calls, opt_cpu = measure(optimised)
        stored = target.describe_table(TableName=TARGET_TABLE)["Table"]["ItemCount"]
        scanned = sum(
            p["Count"] for p in target.get_paginator("scan").paginate(TableName=TARGET_TABLE, Select="COUNT")
        )

    print(
        f"replicator, {RECORDS} records in {len(batches)} invocations of {len(batches[0]['Records'])} "
        f"(cross-account; {scanned} items stored, ItemCount {stored})"
    )
    print(_row("source design (baseline)", base_calls, base_cpu, ("dynamodb", "sts")))
    print(_row("StreamReplicatorFunction", opt_calls, opt_cpu, ("dynamodb", "sts")))
    print(f"  throughput vs baseline: {base_cpu / opt_cpu:.1f}x  (goal >= 5x);  DynamoDB calls/1k goal <= 41")


def _stack_replicated(stack: StackHarness) -> None:
    pump = KinesisPump(stack)
    pump.put(generate_events(RECORDS, users=2_000, spread_seconds=3_600, seed=7))
    assert pump.deliver() == []


def bench_archiver() -> None:
    with deployed_stack() as stack:
        _stack_replicated(stack)
        stream = ReplicaStream(stack)
        changes = stream.read()
        archiver = stack.function(ARCHIVER)
        archiver.handler()
        size = int(mapping(stack, ARCHIVER)["BatchSize"])
        firehose = stack.client("firehose")
        delivery = stack.output("ArchiveDeliveryStreamName")

        def optimised() -> None:
            stream.deliver(ARCHIVER, changes)

        def baseline() -> None:
            # The source design: one put_record per item, after flattening S/N/B values.
            for change in changes:
                image = change["dynamodb"]["NewImage"]
                output = {
                    k: next(iter(v.values())) for k, v in image.items() if next(iter(v)) in ("S", "N", "B")
                }
                firehose.put_record(DeliveryStreamName=delivery, Record={"Data": json.dumps(output) + "\n"})

        base_calls, base_cpu = measure(baseline)
        opt_calls, opt_cpu = measure(optimised)
    print(f"archiver, {len(changes)} stream records in batches of {size}")
    print(_row("source design (baseline)", base_calls, base_cpu, ("firehose",)))
    print(_row("ReplicaArchiverFunction", opt_calls, opt_cpu, ("firehose",)))
    print("  Firehose calls/1k goal <= 2")


def main() -> None:
    bench_replicator()
    bench_archiver()


if __name__ == "__main__":
    main()
