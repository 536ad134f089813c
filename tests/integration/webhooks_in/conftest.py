"""Webhooks-in fixtures over the `stack` harness: admin API events, receiver events as API Gateway sends
them (body base64-encoded: BinaryMediaTypes */*), and the processor fed from the table's own stream."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from typing import Any

import standardwebhooks

from tests.integration.webhooks.conftest import api_event
from tests.support.harness import StackHarness, load_event

SOURCES = "WebhookSourcesApiFunction"
RECEIVER = "WebhookReceiverFunction"
PROCESSOR = "WebhookProcessorFunction"
ADMIN = "0b1d7c3e-6f2a-4c8e-9d5b-7a1e2f3c4d5e"
SECRET = "whsec_" + base64.b64encode(b"integration-secret-of-32-bytes!!").decode()


def admin_call(
    stack: StackHarness, method: str, path: str, body: Any = None, *, admin: bool = True
) -> tuple[int, Any]:
    parts = path.strip("/").split("/")
    resource, parameters = path, None
    if len(parts) == 3:
        resource, parameters = "/webhooks/sources/{source}", {"source": parts[2]}
    event = api_event(method, path, body, tenant=ADMIN, resource=resource, path_parameters=parameters)
    claims = event["requestContext"]["authorizer"]["claims"]
    claims["cognito:groups"] = "stratus-admin" if admin else "everyone"
    result = stack.function(SOURCES).invoke(event)
    text = result.get("body") or ""
    return int(result["statusCode"]), (json.loads(text) if text else None)


def register(stack: StackHarness, source: str, **settings: Any) -> dict[str, Any]:
    settings.setdefault("scheme", "standard-webhooks")
    if "secrets" not in settings:
        settings.setdefault("secret", SECRET)
    status, body = admin_call(stack, "PUT", f"/webhooks/sources/{source}", settings)
    assert status == 200, body
    return dict(body)


def receive_event(source: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    event = copy.deepcopy(load_event("webhook_receiver", "standard_webhooks"))
    event["pathParameters"] = {"source": source}
    event["path"] = f"/webhooks/in/{source}"
    event["headers"] = {"Content-Type": "application/json", **headers}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    return event


def post(
    stack: StackHarness, source: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    result = stack.function(RECEIVER).invoke(receive_event(source, body, headers))
    return int(result["statusCode"]), json.loads(result["body"])


def signed(webhook_id: str, body: bytes, secret: str = SECRET, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": standardwebhooks.Webhook(secret).sign(webhook_id, at, body.decode()),
    }


def items(stack: StackHarness, source: str) -> list[dict[str, Any]]:
    answer = stack.client("dynamodb").query(
        TableName=stack.output("InboundWebhookTableName"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"W#{source}"}},
        ConsistentRead=True,
    )
    return list(answer["Items"])


def objects(stack: StackHarness, source: str) -> list[dict[str, Any]]:
    answer = stack.client("s3").list_object_versions(
        Bucket=stack.output("InboundWebhookBucketName"), Prefix=f"in/{source}/"
    )
    return list(answer.get("Versions", []))


def stream_records(stack: StackHarness) -> list[dict[str, Any]]:
    """Every record of the inbound table's stream so far, shaped as Lambda delivers them."""
    streams = stack.client("dynamodbstreams")
    arn = stack.attr("InboundWebhookTable", "StreamArn")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            record["eventSourceARN"] = arn
            records.append(json.loads(json.dumps(record, default=str)))
    return records


def received_inserts(stack: StackHarness) -> list[dict[str, Any]]:
    """INSERT records of received webhooks (what the mapping's filter lets through)."""
    return [
        r
        for r in stream_records(stack)
        if r["eventName"] == "INSERT" and r["dynamodb"]["NewImage"].get("kind", {}).get("S") == "webhook"
    ]


def observe_bus(stack: StackHarness) -> Any:
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName="inbound-observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.output("InboundEventBusName")
    events.put_rule(
        Name="observe", EventBusName=bus, EventPattern=json.dumps({"source": ["stratus.webhooks.in"]})
    )
    events.put_targets(Rule="observe", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        found = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    return read


def dead_letters(stack: StackHarness) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    url = stack.output("InboundWebhookDeadLetterQueueUrl")
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found
