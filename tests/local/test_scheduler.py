"""EventBridge Scheduler one-time schedules and SQS delays run on the local cloud's clock (moto stores
schedules but never fires them, and would judge SQS delays on the wall clock)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from stratus_local.cloud import LocalCloud
from stratus_local.scheduler import at_time
from tests.local.runtime_stack import calls, calls_with, start_runtime_cloud

GROUP = "test-retries"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    for running in start_runtime_cloud():
        running.client("scheduler").create_schedule_group(Name=GROUP)
        yield running


def _queue_arn(cloud: LocalCloud) -> str:
    sqs = cloud.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=cloud.output("WorkQueueUrl"), AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _at(cloud: LocalCloud, seconds: float, zone: str = "UTC") -> str:
    moment = datetime.fromtimestamp(cloud.clock.now() + seconds, tz=UTC).astimezone(ZoneInfo(zone))
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def _schedule(cloud: LocalCloud, name: str, expression: str, target: dict[str, str], **extra: str) -> None:
    cloud.client("scheduler").create_schedule(
        Name=name,
        GroupName=GROUP,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"RoleArn": "arn:aws:iam::123456789012:role/scheduler", **target},
        **extra,
    )


def test_a_one_time_schedule_sends_its_input_to_an_sqs_target_when_due_and_deletes_itself(
    cloud: LocalCloud,
) -> None:
    tag = uuid.uuid4().hex[:8]
    body = json.dumps({"kind": "work", "name": f"{tag}-scheduled"})
    _schedule(
        cloud,
        f"s-{tag}",
        _at(cloud, 7200),
        {"Arn": _queue_arn(cloud), "Input": body},
        ActionAfterCompletion="DELETE",
    )

    cloud.clock.advance(7200 - 60)
    cloud.clock.drain()
    early = calls_with(cloud, "sqs", tag)
    cloud.clock.advance(120)
    cloud.clock.drain()

    assert early == []
    [call] = calls_with(cloud, "sqs", tag)
    assert call.event[0]["body"] == body
    names = [s["Name"] for s in cloud.client("scheduler").list_schedules(GroupName=GROUP)["Schedules"]]
    assert f"s-{tag}" not in names


def test_a_schedule_kept_after_completion_fires_once(cloud: LocalCloud) -> None:
    tag = uuid.uuid4().hex[:8]
    body = json.dumps({"kind": "work", "name": f"{tag}-kept"})
    _schedule(
        cloud,
        f"k-{tag}",
        _at(cloud, 60),
        {"Arn": _queue_arn(cloud), "Input": body},
        ActionAfterCompletion="NONE",
    )

    for _ in range(3):
        cloud.clock.advance(120)
        cloud.clock.drain()

    assert len(calls_with(cloud, "sqs", tag)) == 1
    assert cloud.client("scheduler").get_schedule(GroupName=GROUP, Name=f"k-{tag}")["Name"] == f"k-{tag}"


def test_a_lambda_target_is_invoked_with_the_input_in_the_schedules_time_zone(cloud: LocalCloud) -> None:
    tag = uuid.uuid4().hex[:8]
    function_arn = cloud.stack.functions["RecorderFunction"].arn
    event = {"source": f"test.scheduler.{tag}", "detail-type": "tagged"}
    expression = _at(cloud, 3600, zone="Asia/Tokyo")  # local time in Tokyo, 1 h from now
    _schedule(
        cloud,
        f"l-{tag}",
        expression,
        {"Arn": function_arn, "Input": json.dumps(event)},
        ScheduleExpressionTimezone="Asia/Tokyo",
    )

    cloud.clock.advance(3500)
    cloud.clock.drain()
    early = calls(cloud, f"async:test.scheduler.{tag}")
    cloud.clock.advance(200)
    cloud.clock.drain()

    assert early == []
    [call] = calls(cloud, f"async:test.scheduler.{tag}")
    assert call.event == event


def test_a_disabled_schedule_never_fires(cloud: LocalCloud) -> None:
    tag = uuid.uuid4().hex[:8]
    body = json.dumps({"kind": "work", "name": f"{tag}-disabled"})
    _schedule(cloud, f"d-{tag}", _at(cloud, 60), {"Arn": _queue_arn(cloud), "Input": body}, State="DISABLED")

    cloud.clock.advance(600)
    cloud.clock.drain()

    assert calls_with(cloud, "sqs", tag) == []


def test_sqs_delay_seconds_are_judged_on_the_cloud_clock(cloud: LocalCloud) -> None:
    tag = uuid.uuid4().hex[:8]
    cloud.client("sqs").send_message(
        QueueUrl=cloud.output("WorkQueueUrl"),
        MessageBody=json.dumps({"kind": "work", "name": f"{tag}-delayed"}),
        DelaySeconds=900,
    )

    cloud.clock.drain()
    at_once = calls_with(cloud, "sqs", tag)
    cloud.clock.advance(890)
    cloud.clock.drain()
    almost = calls_with(cloud, "sqs", tag)
    cloud.clock.advance(20)
    cloud.clock.drain()

    assert (at_once, almost) == ([], [])
    assert len(calls_with(cloud, "sqs", tag)) == 1


def test_at_expressions_are_read_in_their_time_zone() -> None:
    utc = at_time("at(2026-03-01T12:00:00)", "UTC")
    paris = at_time("at(2026-03-01T13:00:00)", "Europe/Paris")

    assert utc == paris == datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp()
    assert at_time("rate(5 minutes)", None) is None
    assert at_time("cron(0 12 * * ? *)", None) is None


def test_queue_counts_stay_exact_while_sends_skip_counting(cloud: LocalCloud) -> None:
    # Given a queue with one visible, one in-flight and one delayed message
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"counts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(2)]
        + [{"Id": "later", "MessageBody": "later", "DelaySeconds": 600}],
    )
    assert (
        len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)["Messages"]) == 1
    )
    # When its attributes are read, Then each count is what the queue holds
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_a_fifo_queue_still_deduplicates_by_content(cloud: LocalCloud) -> None:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(
        QueueName=f"dedupe-{uuid.uuid4().hex[:8]}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    for _ in range(3):
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"
