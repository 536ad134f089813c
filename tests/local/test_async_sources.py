"""Schedules, EventBridge rules and S3 notifications reach functions asynchronously, as in AWS."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from stratus_local.cloud import LocalCloud
from tests.local.runtime_stack import calls, start_runtime_cloud


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    yield from start_runtime_cloud()


def test_a_rate_schedule_fires_once_per_period_of_the_cloud_clock(cloud: LocalCloud) -> None:
    before = len(calls(cloud, "async:aws.events"))

    cloud.clock.advance(299)
    early = len(calls(cloud, "async:aws.events"))
    cloud.clock.advance(301)  # 600 s in all: two periods
    fired = [c.event for c in calls(cloud, "async:aws.events")][before:]

    assert early == before
    assert len(fired) == 2
    assert {e["detail-type"] for e in fired} == {"Scheduled Event"}
    assert all(e["resources"][0].startswith("arn:aws:events:") for e in fired)


def test_an_event_matching_a_rule_is_delivered_once_and_others_are_not(cloud: LocalCloud) -> None:
    marker = uuid.uuid4().hex
    entries = [
        {"Source": "test.app", "DetailType": "order.placed", "Detail": json.dumps({"marker": marker})},
        {"Source": "test.app", "DetailType": "invoice.sent", "Detail": json.dumps({"marker": marker})},
        {"Source": "other.app", "DetailType": "order.placed", "Detail": json.dumps({"marker": marker})},
    ]

    cloud.client("events").put_events(Entries=entries)
    queued = [c for c in calls(cloud, "async:test.app") if marker in json.dumps(c.event)]
    cloud.clock.drain()
    delivered = [c.event for c in calls(cloud, "async:test.app") if marker in json.dumps(c.event)]

    assert queued == []  # asynchronous: nothing ran inside PutEvents
    assert [(e["source"], e["detail-type"], e["detail"]) for e in delivered] == [
        ("test.app", "order.placed", {"marker": marker})
    ]


def test_an_upload_under_the_prefix_notifies_the_function_with_an_s3_event(cloud: LocalCloud) -> None:
    key = f"incoming/{uuid.uuid4().hex}.txt"
    s3 = cloud.client("s3")

    s3.put_object(Bucket=cloud.output("UploadBucketName"), Key=key, Body=b"hello")
    s3.put_object(Bucket=cloud.output("UploadBucketName"), Key=f"elsewhere/{key}", Body=b"ignored")
    cloud.clock.drain()

    records = [r for c in calls(cloud, "async:aws:s3") for r in c.event["Records"]]
    keys = [r["s3"]["object"]["key"] for r in records]
    assert keys.count(key) == 1
    assert f"elsewhere/{key}" not in keys
    record = next(r for r in records if r["s3"]["object"]["key"] == key)
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == cloud.output("UploadBucketName")


def test_a_topic_message_passing_the_filter_policy_reaches_the_subscribed_function(cloud: LocalCloud) -> None:
    marker = uuid.uuid4().hex
    sns = cloud.client("sns")
    for severity in ("high", "low"):
        sns.publish(
            TopicArn=cloud.output("NoticeTopicArn"),
            Message=f"{marker}-{severity}",
            MessageAttributes={"severity": {"DataType": "String", "StringValue": severity}},
        )
    cloud.clock.drain()

    notes = [r["Sns"] for c in calls(cloud, "async:aws:sns") for r in c.event["Records"]]
    mine = [n for n in notes if n["Message"].startswith(marker)]
    assert [n["Message"] for n in mine] == [f"{marker}-high"]
    assert mine[0]["TopicArn"] == cloud.output("NoticeTopicArn")
    assert mine[0]["MessageAttributes"] == {"severity": {"Type": "String", "Value": "high"}}


def test_a_failed_asynchronous_invocation_is_retried_twice_then_given_up(cloud: LocalCloud) -> None:
    # Lambda retries a failed asynchronous invocation twice: about a minute, then two minutes, later.
    marker = uuid.uuid4().hex
    detail = json.dumps({"marker": marker, "please-fail": True})

    def attempts() -> int:
        return len([c for c in calls(cloud, "async:test.app") if marker in json.dumps(c.event)])

    cloud.client("events").put_events(
        Entries=[{"Source": "test.app", "DetailType": "order.lost", "Detail": detail}]
    )
    cloud.clock.drain()
    seen = [attempts()]
    for seconds in (50, 20, 100, 30, 3600):  # retries fall due 60 s and then 120 s after each failure
        cloud.clock.advance(seconds)
        seen.append(attempts())

    assert seen == [1, 1, 2, 2, 3, 3]
    given_up = [event for _, event, _ in cloud.failed_async if marker in json.dumps(event)]
    assert len(given_up) == 1
