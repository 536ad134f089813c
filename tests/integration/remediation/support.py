"""Helpers over the `stack` harness for remediation tests and benchmarks: the stream, its filter and
the Lambda invokes all come from the deployed template, never retyped here."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from moto.events.models import EventPattern

from stratus_local.runner import FunctionError
from tests.support.harness import StackHarness, load_event

DISABLER = "UserDisablerFunction"
RECORDER = "SignInRecorderFunction"
GUARD = "InactivityGuardFunction"
BACKFILL = "BackfillUsersFunction"
PASSWORD = "Corr3ct-Horse-Battery!"


def disabler_mapping(stack: StackHarness) -> dict[str, Any]:
    """The disabler's event source mapping, as the translated template declares it."""
    stream_arn = stack.attr("InactivityTable", "StreamArn")
    mappings = [m for m in stack.deployed.event_source_mappings if m.get("EventSourceArn") == stream_arn]
    assert len(mappings) == 1, mappings
    return mappings[0]


def filter_patterns(stack: StackHarness) -> list[dict[str, Any]]:
    return [json.loads(f["Pattern"]) for f in disabler_mapping(stack)["FilterCriteria"]["Filters"]]


def passes_filter(stack: StackHarness, record: dict[str, Any]) -> bool:
    """Lambda invokes for a record that matches any of the mapping's filters (moto's real matcher)."""
    return any(EventPattern.load(json.dumps(p)).matches_event(record) for p in filter_patterns(stack))


class TableStream:
    """Reads the inactivity table's stream and shapes records as Lambda delivers them."""

    def __init__(self, stack: StackHarness) -> None:
        self.stack = stack
        self.arn = stack.attr("InactivityTable", "StreamArn")
        self.client = stack.client("dynamodbstreams")
        shard = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]
        self.iterator = self.client.get_shard_iterator(
            StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def new_records(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        while True:
            page = self.client.get_records(ShardIterator=self.iterator)
            self.iterator = page["NextShardIterator"]
            if not page["Records"]:
                return records
            records.extend(self._as_lambda_record(r) for r in page["Records"])

    def _as_lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        dynamodb = dict(record["dynamodb"])
        dynamodb["ApproximateCreationDateTime"] = int(dynamodb["ApproximateCreationDateTime"].timestamp())
        return {**record, "dynamodb": dynamodb, "eventSourceARN": self.arn}


def expired_removals(
    stack: StackHarness, users: list[dict[str, str]], user_pool_id: str
) -> list[dict[str, Any]]:
    """Give each user a long-expired record, delete it as TTL would, and return the stream's REMOVE
    records shaped as Lambda delivers a TTL deletion."""
    stream = TableStream(stack)
    ddb, table = stack.client("dynamodb"), stack.ref("InactivityTable")
    for user in users:
        key = {"sub": {"S": user["sub"]}}
        item = {
            **key,
            "timestamp": {"S": "2025-01-01T00:00:00+00:00"},
            "username": {"S": user["username"]},
            "userpool_id": {"S": user_pool_id},
            "ttl": {"N": "1743465600"},  # 2025-04-01: long past
        }
        ddb.put_item(TableName=table, Item=item)
        ddb.delete_item(TableName=table, Key=key)
    return [as_ttl_deletion(r) for r in stream.new_records() if r["eventName"] == "REMOVE"]


def as_ttl_deletion(record: dict[str, Any]) -> dict[str, Any]:
    """What DynamoDB adds to a REMOVE that TTL made (moto's deletes never carry it)."""
    return {**record, "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}}


def deliver(stack: StackHarness, records: list[dict[str, Any]]) -> dict[str, Any]:
    """What the event source mapping does: keep records that pass the filter, invoke in batches."""
    mapping = disabler_mapping(stack)
    kept = [r for r in records if passes_filter(stack, r)]
    batch_size = int(mapping["BatchSize"])
    failures: list[dict[str, str]] = []
    for start in range(0, len(kept), batch_size):
        batch = kept[start : start + batch_size]
        try:
            result = stack.function(DISABLER).invoke({"Records": batch})
        except FunctionError as exc:
            # Powertools fails the invocation when every record failed: Lambda retries the whole batch.
            if type(exc.error).__name__ != "BatchProcessingError":
                raise
            result = {
                "batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in batch]
            }
        failures.extend(result["batchItemFailures"])
    return {"delivered": len(kept), "batchItemFailures": failures}


def capture_audit_events(stack: StackHarness) -> Callable[[], list[dict[str, Any]]]:
    """Events the disabler puts on the remediation bus, captured by a rule into a queue: call the
    result to receive what arrived since the last call."""
    events, sqs = stack.client("events"), stack.client("sqs")
    bus = stack.ref("RemediationEventBus")
    url = sqs.create_queue(QueueName="audit-capture")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="capture", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule="capture", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def received() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found.extend(json.loads(m["Body"]) for m in messages)
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return found

    return received


@contextlib.contextmanager
def timed_disables() -> Iterator[list[float]]:
    """The moment each AdminDisableUser reaches Cognito (moto), as Cognito's quota counts them."""
    from moto.cognitoidp.models import CognitoIdpBackend

    calls: list[float] = []
    lock = threading.Lock()
    original = CognitoIdpBackend.admin_disable_user

    def timed(backend: Any, user_pool_id: str, username: str) -> None:
        with lock:
            calls.append(time.monotonic())
        original(backend, user_pool_id, username)

    with mock.patch.object(CognitoIdpBackend, "admin_disable_user", timed):
        yield calls


class Pool:
    """The stack's user pool, with helpers to make users and sign them in."""

    def __init__(self, stack: StackHarness) -> None:
        self.stack = stack
        self.id = stack.ref("UserPool")
        self.client_id = stack.ref("UserPoolClient")
        self.idp = stack.client("cognito-idp")

    def create_user(self, email: str, *, groups: tuple[str, ...] = ()) -> dict[str, str]:
        user = self.idp.admin_create_user(
            UserPoolId=self.id, Username=email, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD
        )["User"]
        self.idp.admin_set_user_password(
            UserPoolId=self.id, Username=email, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            self.idp.admin_add_user_to_group(UserPoolId=self.id, Username=user["Username"], GroupName=group)
        sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
        return {"username": user["Username"], "sub": sub, "email": email}

    def enabled(self, username: str) -> bool:
        return bool(self.idp.admin_get_user(UserPoolId=self.id, Username=username)["Enabled"])

    def sign_in(self, email: str) -> dict[str, Any]:
        return dict(
            self.idp.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
            )
        )

    def trigger_event(self, function_dir: str, case: str, user: dict[str, str]) -> dict[str, Any]:
        """An event file re-addressed to this pool and user (Cognito would send exactly this shape)."""
        event: dict[str, Any] = load_event(function_dir, case)
        event["userPoolId"] = self.id
        event["userName"] = user["username"]
        event["request"]["userAttributes"].update({"sub": user["sub"], "email": user["email"]})
        return event
