"""Event source mappings on the local cloud behave as Lambda documents them.

Each test tags its records with a unique prefix, so the tests share one cloud (module scope) and
still read only their own invocations.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from stratus_local.cloud import LocalCloud
from tests.local.runtime_stack import calls_with, start_runtime_cloud


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    yield from start_runtime_cloud()


def _tag() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


def _send(cloud: LocalCloud, queue_output: str, *bodies: dict[str, object]) -> None:
    sqs = cloud.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=cloud.output(queue_output), MessageBody=json.dumps(body))


def _take_all(cloud: LocalCloud, queue_output: str) -> list[dict[str, Any]]:
    """Receive and delete everything in a queue (the tests share the cloud's queues)."""
    sqs, url, bodies = cloud.client("sqs"), cloud.output(queue_output), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


# ---- SQS ---------------------------------------------------------------------------------------
def test_sqs_filter_criteria_keep_rejected_messages_from_the_function_and_delete_them(
    cloud: LocalCloud,
) -> None:
    tag = _tag()
    _send(cloud, "WorkQueueUrl", {"kind": "work", "name": f"{tag}a"}, {"kind": "noise", "name": f"{tag}b"})

    cloud.clock.drain()

    seen = [n for c in calls_with(cloud, "sqs", tag) for n in c.names]
    assert seen == [f"{tag}a"]
    attrs = cloud.client("sqs").get_queue_attributes(
        QueueUrl=cloud.output("WorkQueueUrl"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attrs == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_sqs_batches_never_exceed_the_batch_size(cloud: LocalCloud) -> None:
    tag = _tag()
    names = [f"{tag}{i}" for i in range(7)]
    _send(cloud, "WorkQueueUrl", *({"kind": "work", "name": n} for n in names))

    cloud.clock.drain()

    batches = calls_with(cloud, "sqs", tag)
    assert [len(c.names) for c in batches] == [3, 3, 1]
    assert sorted(n for c in batches for n in c.names) == sorted(names)


def test_sqs_partial_batch_failure_retries_only_the_failed_message_after_the_visibility_timeout(
    cloud: LocalCloud,
) -> None:
    tag = _tag()
    _send(
        cloud,
        "WorkQueueUrl",
        {"kind": "work", "name": f"{tag}ok1"},
        {"kind": "work", "name": f"{tag}bad", "fail": True},
        {"kind": "work", "name": f"{tag}ok2"},
    )

    cloud.clock.drain()
    first = calls_with(cloud, "sqs", tag)
    # The cloud's clock is wall time plus what advance() added: leave the wall clock slack on a busy machine.
    cloud.clock.advance(45)
    before_timeout = calls_with(cloud, "sqs", tag)
    cloud.clock.advance(15)
    cloud.clock.drain()
    after_timeout = calls_with(cloud, "sqs", tag)

    assert [sorted(c.names) for c in first] == [sorted([f"{tag}ok1", f"{tag}bad", f"{tag}ok2"])]
    assert len(before_timeout) == 1
    assert [c.names for c in after_timeout[1:]] == [[f"{tag}bad"]]


def test_sqs_message_failing_max_receive_count_times_moves_to_the_dead_letter_queue(
    cloud: LocalCloud,
) -> None:
    tag = _tag()
    _send(cloud, "WorkQueueUrl", {"kind": "work", "name": f"{tag}poison", "raise": True})

    cloud.clock.drain()
    cloud.clock.advance(60)
    cloud.clock.drain()
    cloud.clock.advance(60)
    cloud.clock.drain()

    assert len(calls_with(cloud, "sqs", tag)) == 2  # maxReceiveCount is 2
    dead = [b["name"] for b in _take_all(cloud, "WorkDeadLettersUrl") if str(b["name"]).startswith(tag)]
    assert dead == [f"{tag}poison"]


# ---- DynamoDB streams --------------------------------------------------------------------------
def _put(cloud: LocalCloud, name: str, **flags: bool) -> None:
    item = {"id": {"S": name}, "name": {"S": name}}
    item.update({k: {"S": str(v).lower()} for k, v in flags.items()})
    cloud.client("dynamodb").put_item(TableName=cloud.output("ItemsTableName"), Item=item)


def test_stream_filter_passes_inserts_only(cloud: LocalCloud) -> None:
    tag = _tag()
    _put(cloud, f"{tag}a")
    cloud.client("dynamodb").update_item(
        TableName=cloud.output("ItemsTableName"),
        Key={"id": {"S": f"{tag}a"}},
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "changed"}},
    )
    cloud.client("dynamodb").delete_item(
        TableName=cloud.output("ItemsTableName"), Key={"id": {"S": f"{tag}a"}}
    )

    cloud.clock.drain()

    delivered = [r["eventName"] for c in calls_with(cloud, "ItemsTable", tag) for r in c.event]
    assert delivered == ["INSERT"]


def test_stream_partial_batch_failure_retries_from_the_failed_record(cloud: LocalCloud) -> None:
    tag = _tag()
    _put(cloud, f"{tag}1")
    _put(cloud, f"{tag}2", fail=True)
    _put(cloud, f"{tag}3")

    cloud.clock.drain()

    invocations = [c.names for c in calls_with(cloud, "ItemsTable", tag)]
    # Records before the failed one are checkpointed; the retry starts at the failed record.
    assert invocations[0] == [f"{tag}1", f"{tag}2", f"{tag}3"]
    assert invocations[1] == [f"{tag}2", f"{tag}3"]
    assert all(f"{tag}1" not in names for names in invocations[1:])


def test_stream_bisects_a_failing_batch_and_sends_the_poison_record_to_the_on_failure_destination(
    cloud: LocalCloud,
) -> None:
    tag = _tag()
    _take_all(cloud, "StreamFailuresUrl")
    for name, poison in ((f"{tag}a", False), (f"{tag}b", False), (f"{tag}c", True), (f"{tag}d", False)):
        _put(cloud, name, **({"raise": True} if poison else {}))

    cloud.clock.drain()

    invocations = [c.names for c in calls_with(cloud, "ItemsTable", tag)]
    assert invocations[0] == [f"{tag}a", f"{tag}b", f"{tag}c", f"{tag}d"]
    assert [f"{tag}c"] in invocations  # bisected down to the poison record alone
    delivered_ok = {n for names in invocations if f"{tag}c" not in names for n in names}
    assert delivered_ok == {f"{tag}a", f"{tag}b", f"{tag}d"}
    failures = _take_all(cloud, "StreamFailuresUrl")
    assert len(failures) == 1
    failure = failures[0]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == cloud.output("ItemsStreamArn")
    assert info["startSequenceNumber"] == info["endSequenceNumber"]


# ---- Kinesis -----------------------------------------------------------------------------------
def _click(cloud: LocalCloud, name: str, clicks: int) -> None:
    cloud.client("kinesis").put_record(
        StreamName=cloud.output("ClickStreamName"),
        Data=json.dumps({"name": name, "clicks": clicks}).encode(),
        PartitionKey=name,
    )


def test_kinesis_numeric_filter_batch_size_and_batching_window(cloud: LocalCloud) -> None:
    tag = _tag()
    _click(cloud, f"{tag}few", 5)
    _click(cloud, f"{tag}many1", 20)
    _click(cloud, f"{tag}many2", 30)
    cloud.run_due()  # a full batch (2) goes at once
    full = [c.names for c in calls_with(cloud, "kinesis", tag)]
    _click(cloud, f"{tag}many3", 40)
    cloud.run_due()
    waiting = [c.names for c in calls_with(cloud, "kinesis", tag)]
    cloud.clock.advance(30)  # the batching window elapses
    after_window = [c.names for c in calls_with(cloud, "kinesis", tag)]

    assert full == [[f"{tag}many1", f"{tag}many2"]]
    assert waiting == full
    assert after_window == [*full, [f"{tag}many3"]]


# ---- Lambda API and TTL ------------------------------------------------------------------------
def test_invoke_api_runs_the_function_and_reports_its_error(cloud: LocalCloud) -> None:
    lam = cloud.client("lambda")
    name = cloud.stack.functions["ConsumerFunction"].function_name
    ok = {"Records": [{"body": json.dumps({"name": "x", "fail": True}), "messageId": "m1"}]}
    bad = {"Records": [{"body": json.dumps({"name": "y", "raise": True}), "messageId": "m2"}]}

    answered = lam.invoke(FunctionName=name, Payload=json.dumps(ok).encode())
    failed = lam.invoke(FunctionName=name, Payload=json.dumps(bad).encode())

    assert json.loads(answered["Payload"].read()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "RuntimeError"


def test_asynchronous_invoke_is_queued_until_the_cloud_runs_it(cloud: LocalCloud) -> None:
    tag = _tag()
    name = cloud.stack.functions["ConsumerFunction"].function_name
    event = {"Records": [{"body": json.dumps({"name": f"{tag}async"}), "eventSourceARN": "async-invoke"}]}

    response = cloud.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    before = calls_with(cloud, "async-invoke", tag)
    cloud.clock.drain()

    assert response["StatusCode"] == 202
    assert before == []
    assert [c.names for c in calls_with(cloud, "async-invoke", tag)] == [[f"{tag}async"]]


def _stream_records(cloud: LocalCloud) -> list[dict[str, object]]:
    streams = cloud.client("dynamodbstreams")
    arn = cloud.output("ItemsStreamArn")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return list(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"])


def test_ttl_sweeper_expires_on_the_cloud_clock_with_the_service_identity(cloud: LocalCloud) -> None:
    tag = _tag()
    ddb = cloud.client("dynamodb")
    table = cloud.output("ItemsTableName")
    expires = int(time.time()) + 100  # written in the wall-clock frame, as a function would
    for name in (f"{tag}expiring", f"{tag}deleted"):
        ddb.put_item(TableName=table, Item={"id": {"S": name}, "expires": {"N": str(expires)}})
    ddb.delete_item(TableName=table, Key={"id": {"S": f"{tag}deleted"}})

    cloud.clock.advance(50)
    still_there = "Item" in ddb.get_item(TableName=table, Key={"id": {"S": f"{tag}expiring"}})
    cloud.clock.advance(51)
    gone = "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": f"{tag}expiring"}})

    removes = {
        r["dynamodb"]["Keys"]["id"]["S"]: r.get("userIdentity")  # type: ignore[index]
        for r in _stream_records(cloud)
        if r["eventName"] == "REMOVE" and str(r["dynamodb"]["Keys"]["id"]["S"]).startswith(tag)  # type: ignore[index]
    }
    assert still_there
    assert gone
    assert removes == {
        f"{tag}deleted": None,
        f"{tag}expiring": {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"},
    }


def test_resource_types_the_cloud_cannot_emulate_are_listed(cloud: LocalCloud) -> None:
    assert "Network (AWS::EC2::VPC)" in cloud.not_emulated


def test_drain_returns_when_nothing_is_pending(cloud: LocalCloud) -> None:
    cloud.clock.drain()
    started = time.monotonic()
    assert cloud.clock.drain() == 0
    assert time.monotonic() - started < 5


def test_ttl_written_after_the_clock_moved_counts_from_the_moved_clock(cloud: LocalCloud) -> None:
    tag = _tag()
    ddb = cloud.client("dynamodb")
    table = cloud.output("ItemsTableName")
    cloud.clock.advance(10 * 86400)
    ddb.put_item(
        TableName=table, Item={"id": {"S": f"{tag}late"}, "expires": {"N": str(int(time.time()) + 100)}}
    )

    cloud.clock.advance(50)
    kept = "Item" in ddb.get_item(TableName=table, Key={"id": {"S": f"{tag}late"}})
    cloud.clock.advance(51)
    expired = "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": f"{tag}late"}})

    assert kept
    assert expired


def test_with_unlimited_retries_a_failing_record_blocks_its_shard_until_it_is_too_old(
    cloud: LocalCloud,
) -> None:
    tag = _tag()
    _take_all(cloud, "AgedFailuresUrl")
    kinesis = cloud.client("kinesis")
    for name, poison in ((f"{tag}poison", True), (f"{tag}behind", False)):
        kinesis.put_record(
            StreamName=cloud.output("AgedStreamName"),
            Data=json.dumps({"name": name, "raise": poison}).encode(),
            PartitionKey="one-shard",
        )

    cloud.clock.drain()  # returns: the blocked shard backs off on the clock
    attempts_before_time_moves = len(calls_with(cloud, "AgedStream", tag))
    cloud.clock.advance(10)
    attempts_after_a_retry = len(calls_with(cloud, "AgedStream", tag))
    cloud.clock.advance(60)  # now older than MaximumRecordAgeInSeconds
    cloud.clock.drain()

    assert attempts_before_time_moves == 1
    assert attempts_after_a_retry > attempts_before_time_moves  # retried once the backoff elapsed
    assert all(c.names == [f"{tag}poison", f"{tag}behind"] for c in calls_with(cloud, "AgedStream", tag))
    failures = _take_all(cloud, "AgedFailuresUrl")
    assert [f["requestContext"]["condition"] for f in failures] == ["MaximumRecordAgeExceeded"]
    assert failures[0]["KinesisBatchInfo"]["batchSize"] == 2
    assert failures[0]["KinesisBatchInfo"]["streamArn"] == cloud.output("AgedStreamArn")
