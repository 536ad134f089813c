"""Remediation fixtures over the `stack` harness (helpers live in support.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.remediation.support import Pool, TableStream
from tests.support.harness import StackHarness


@pytest.fixture
def pool(stack: StackHarness) -> Pool:
    return Pool(stack)


@pytest.fixture
def table_stream(stack: StackHarness) -> TableStream:
    return TableStream(stack)


@pytest.fixture
def audit_events(stack: StackHarness) -> Callable[[], list[dict[str, Any]]]:
    """Events the disabler put on the remediation bus, captured by a rule into a queue."""
    events, sqs = stack.client("events"), stack.client("sqs")
    bus = stack.ref("RemediationEventBus")
    url = sqs.create_queue(QueueName="audit-capture")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="capture", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule="capture", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def received() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return received
