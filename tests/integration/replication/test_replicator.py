"""The replicator against the deployed template in moto: replays, poison records, cross-account writes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer

from stratus_shared import aws
from tests.integration.replication.conftest import REPLICATOR, KinesisPump, scan_all
from tests.support.harness import REGION, StackHarness, load_event, translated_template
from tools.traffic_generator import generate_events

_DESERIALIZE = TypeDeserializer().deserialize


def _plain(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [{k: _DESERIALIZE(v) for k, v in item.items()} for item in items]
    return sorted(rows, key=lambda row: row["sequenceNumber"])


def test_replaying_the_same_kinesis_batch_leaves_the_same_items(stack: StackHarness) -> None:
    # Given a real-shaped batch (56-digit sequence numbers) already replicated once
    event = load_event("stream_replicator", "web_events")
    replicator = stack.function(REPLICATOR)
    dynamodb = stack.client("dynamodb")
    table = stack.output("ReplicaTableName")
    assert replicator.invoke(event) == {"batchItemFailures": []}
    first = _plain(scan_all(dynamodb, table))

    # When the very same batch is delivered again (a replay from TRIM_HORIZON)
    assert replicator.invoke(event) == {"batchItemFailures": []}

    # Then the table holds the same items, one per record, none duplicated
    assert _plain(scan_all(dynamodb, table)) == first
    assert len(first) == len(event["Records"])
    sent = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    assert sorted(row["eventId"] for row in first) == sorted(e["eventId"] for e in sent)


def test_replayed_stream_from_trim_horizon_overwrites_instead_of_duplicating(stack: StackHarness) -> None:
    pump = KinesisPump(stack)
    pump.put(generate_events(120, seed=3))
    records = pump.read()
    assert pump.deliver(records) == []
    assert pump.deliver(records) == []  # the event source mapping re-created an hour later, say

    assert len(scan_all(stack.client("dynamodb"), stack.output("ReplicaTableName"))) == 120


def test_a_non_json_record_is_dead_lettered_and_the_rest_stored(stack: StackHarness) -> None:
    # Given a batch with a plain-text record and a JSON array between two good events
    event = load_event("stream_replicator", "poison_records")
    records = event["Records"]

    # When the replicator takes it
    result = stack.function(REPLICATOR).invoke(event)

    # Then the batch succeeds, the two good events are stored ...
    assert result == {"batchItemFailures": []}
    stored = _plain(scan_all(stack.client("dynamodb"), stack.output("ReplicaTableName")))
    assert [row["sequenceNumber"] for row in stored] == sorted(
        [records[0]["kinesis"]["sequenceNumber"], records[3]["kinesis"]["sequenceNumber"]]
    )
    # ... and each bad one is in the poison queue with its reason and sequence number
    sqs = stack.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=stack.output("ReplicatorPoisonQueueUrl"),
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
    )["Messages"]
    letters = sorted((json.loads(m["Body"]) for m in messages), key=lambda b: b["sequenceNumber"])
    assert [(b["sequenceNumber"], b["reason"].split(":")[0]) for b in letters] == [
        (records[1]["kinesis"]["sequenceNumber"], "not JSON"),
        (records[2]["kinesis"]["sequenceNumber"], "not a JSON object"),
    ]
    assert letters[0]["dataBase64"] == records[1]["kinesis"]["data"]


ANALYTICS_ACCOUNT = "999999999999"
WRITER_ROLE = f"arn:aws:iam::{ANALYTICS_ACCOUNT}:role/stratus-ReplicaWriterRole"
EXTERNAL_ID = "stratus-prod-to-analytics"


def _analytics_session() -> boto3.session.Session:
    """Credentials in the analytics account (moto files calls made with them under that account)."""
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=WRITER_ROLE, RoleSessionName="test-setup", ExternalId=EXTERNAL_ID
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )


@pytest.fixture
def cross_account(stack_factory: Any) -> tuple[StackHarness, Any, str]:
    """The production deployment, and the replica table the analytics deployment's template defines."""
    stack = stack_factory(
        ReplicationTargetRoleArn=WRITER_ROLE,
        ReplicationTargetTableName="analytics-replica",
        ReplicationExternalId=EXTERNAL_ID,
    )
    analytics = translated_template({"ReplicationSourceAccountId": "123456789012"})
    props = analytics.resources["ReplicaTable"]["Properties"]
    target = _analytics_session().client("dynamodb")
    target.create_table(
        TableName="analytics-replica",
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )
    return stack, target, "analytics-replica"


def test_cross_account_writes_assume_the_role_once_across_warm_invocations(
    cross_account: tuple[StackHarness, Any, str],
) -> None:
    stack, target, table = cross_account
    # The production stack has no replica table of its own: it writes through the role
    assert "ReplicaTableName" not in stack.deployed.outputs
    assumed: list[dict[str, Any]] = []
    aws.client("sts").meta.events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: assumed.append(dict(params))
    )
    pump = KinesisPump(stack)
    replicator = stack.function(REPLICATOR)

    # When three batches arrive on one warm container
    for seed in (1, 2, 3):
        pump.put(generate_events(40, seed=seed))
        assert replicator.invoke({"Records": pump.read()}) == {"batchItemFailures": []}

    # Then every item is in the analytics account's table, and the role was assumed once, with the external id
    assert len(scan_all(target, table)) == 120
    assert len(assumed) == 1
    assert assumed[0]["RoleArn"] == WRITER_ROLE
    assert assumed[0]["ExternalId"] == EXTERNAL_ID


def test_cross_account_credentials_are_refreshed_before_they_expire(
    cross_account: tuple[StackHarness, Any, str],
) -> None:
    stack, target, table = cross_account
    assumed: list[str] = []
    aws.client("sts").meta.events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: assumed.append(params["RoleArn"])
    )
    pump = KinesisPump(stack)
    replicator = stack.function(REPLICATOR)
    pump.put(generate_events(10, seed=1))
    replicator.invoke({"Records": pump.read()})
    dal = replicator.module("dal")
    credentials = dal.table_client(WRITER_ROLE, EXTERNAL_ID)._request_signer._credentials

    # When the cached credentials come within five minutes of expiry
    credentials._expiry_time = datetime.now(UTC) + timedelta(minutes=5)
    pump.put(generate_events(10, seed=2))
    replicator.invoke({"Records": pump.read()})

    # Then the role is assumed again before the write, and the write lands
    assert len(assumed) == 2
    assert credentials._expiry_time > datetime.now(UTC) + timedelta(minutes=30)
    assert len(scan_all(target, table)) == 20
