"""The events the local cloud delivers have the shapes AWS sends.

One function (tests/local/fixtures/shapes) sits on every source the local cloud wires, with no filters,
and records each event exactly as it arrived. Each recorded event must

- parse with the Powertools parser model for its source, and read through the Powertools data class
  (every property a handler could use), as the functions in this repository read them; and
- have the structure of the sample `sam local generate-event <service> <event>` prints (generated
  at test time by the samcli in .venv, offline; nothing committed): every key path of the sample is
  present with the same JSON type, and every key path the sample lacks is one AWS documents for
  that event (listed below with the reason).

Cognito triggers and on-failure destination records have no samcli sample; they are checked against
Powertools' models and data classes only.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEvent,
    DynamoDBStreamEvent,
    EventBridgeEvent,
    KinesisStreamEvent,
    S3Event,
    SQSEvent,
)
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostAuthenticationTriggerEvent,
    PostConfirmationTriggerEvent,
    PreAuthenticationTriggerEvent,
    PreSignUpTriggerEvent,
)
from aws_lambda_powertools.utilities.data_classes.common import DictWrapper
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    CognitoPostAuthenticationTriggerModel,
    CognitoPostConfirmationTriggerModel,
    CognitoPreAuthenticationTriggerModel,
    CognitoPreSignupTriggerModel,
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
    EventBridgeModel,
    KinesisDataStreamModel,
    S3Model,
    SqsModel,
)
from pydantic import BaseModel
from samcli.lib.generated_sample_events.events import Events

from stratus_local.apigw import LocalApi
from stratus_local.cloud import LocalCloud
from tests.local.runtime_stack import calls

TEMPLATE = Path(__file__).parent / "fixtures" / "shapes" / "template.yaml"
PASSWORD = "Correct-Horse-9-Battery"
USER = "shapes@example.com"
WORKFLOW_INPUT = {"job": "shapes", "pages": [1, 2]}

# Key paths whose keys are data (attribute names, header names, claims), not structure.
OPAQUE = {
    "$.Records[].dynamodb.Keys",
    "$.Records[].dynamodb.NewImage",
    "$.Records[].dynamodb.OldImage",
    "$.Records[].messageAttributes",
    "$.headers",
    "$.multiValueHeaders",
    "$.queryStringParameters",
    "$.multiValueQueryStringParameters",
    "$.pathParameters",
    "$.stageVariables",
    "$.requestContext.authorizer.claims",
    "$.detail",
}
# API Gateway sends null for these when the request has none (samcli's sample has values).
NULLABLE = {"$.body", "$.stageVariables"}
# Fields AWS sends that samcli's samples leave out.
DOCUMENTED_EXTRAS = {
    # DynamoDB TTL deletes: "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    "$.Records[].userIdentity",
    "$.Records[].userIdentity.type",
    "$.Records[].userIdentity.principalId",
    # API Gateway REST proxy events: the Cognito authorizer's claims, the host and the extended id.
    "$.requestContext.authorizer",
    "$.requestContext.authorizer.claims",
    "$.requestContext.domainName",
    "$.requestContext.extendedRequestId",
    "$.requestContext.identity.apiKey",
    # Every EventBridge event carries version "0", every REST API proxy event "1.0" (samples omit it).
    "$.version",
}


# ---- structure ------------------------------------------------------------------------------------
def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def key_paths(value: Any, path: str = "$") -> dict[str, set[str]]:
    """Every key path in a JSON document with the JSON types found there (list items merged as [])."""
    found: dict[str, set[str]] = {path: {_kind(value)}}
    children: list[tuple[str, Any]] = []
    if isinstance(value, dict) and path not in OPAQUE:
        children = [(f"{path}.{key}", item) for key, item in value.items()]
    elif isinstance(value, list):
        children = [(f"{path}[]", item) for item in value]
    for child_path, child in children:
        for sub, kinds in key_paths(child, child_path).items():
            found.setdefault(sub, set()).update(kinds)
    return found


def structure_differences(local: Any, reference: Any) -> list[str]:
    """How `local` differs in structure from `reference` (empty when it has the same shape)."""
    mine, theirs = key_paths(local), key_paths(reference)
    # An empty list shows nothing of its items' shape (EventBridge `resources: []`).
    empty = [p + "[]" for p, kinds in mine.items() if kinds == {"array"} and p + "[]" not in mine]
    problems = []
    for path, kinds in sorted(theirs.items()):
        if any(path == e or path.startswith((e + ".", e + "[")) for e in empty):
            continue
        if path not in mine:
            problems.append(f"missing {path} ({'/'.join(sorted(kinds))})")
            continue
        allowed = kinds | {"null"} if path in NULLABLE else kinds
        if "null" in kinds:  # the sample has null: any value may be there
            continue
        if not mine[path] <= allowed:
            problems.append(f"{path}: {sorted(mine[path])} where AWS sends {sorted(kinds)}")
    problems += [f"unexpected {path}" for path in sorted(set(mine) - set(theirs) - DOCUMENTED_EXTRAS)]
    return problems


@cache
def sam_event(service: str, event: str) -> dict[str, Any]:
    """What `sam local generate-event <service> <event>` prints, from the samcli in this environment.

    Called through samcli's own event library with each option at its CLI default (the output is
    identical to the command's): the command itself would also ask PyPI for a newer samcli.
    """
    events = Events()
    tags = events.event_mapping[service][event]["tags"]
    defaults = {name.replace("-", "_"): spec.get("default", "") for name, spec in tags.items()}
    document: dict[str, Any] = json.loads(events.generate_event(service, event, defaults))
    return document


def sam_record(service: str, event: str, event_name: str | None = None) -> dict[str, Any]:
    """The sample as a one-record event (the record with `event_name` when the sample has several)."""
    records = sam_event(service, event)["Records"]
    chosen = next(r for r in records if event_name is None or r.get("eventName") == event_name)
    return {"Records": [chosen]}


# ---- Powertools data classes -----------------------------------------------------------------------
# Accessors that legitimately raise for a value this test chose (not a shape problem).
_ACCESSOR_EXCEPTIONS = {
    "json_body",  # bodies that are not JSON
    "decoded_body",  # bodies that are not base64
    "json_data",  # Kinesis data that is not JSON
    "raw_event",  # the dict itself
    "decoded_nested_s3_event",  # an SQS body that is not an S3 / SNS / SQS event
    "decoded_nested_sns_event",
    "decoded_nested_sqs_event",
    "resolved_headers_field",  # abstract on some wrappers
}


def read_everything(wrapper: DictWrapper, seen: int = 0) -> None:
    """Read every public property of a Powertools data class, recursively; raise on a missing field."""
    if seen > 6:
        return
    for name in dir(type(wrapper)):
        if name.startswith("_") or name in _ACCESSOR_EXCEPTIONS:
            continue
        if not isinstance(getattr(type(wrapper), name, None), property):
            continue
        value = getattr(wrapper, name)
        items = value if isinstance(value, list | tuple) else [value]
        if isinstance(value, Iterator):
            items = list(value)
        for item in items:
            if isinstance(item, DictWrapper):
                read_everything(item, seen + 1)


# ---- the delivered events --------------------------------------------------------------------------
@dataclass
class Delivered:
    events: dict[str, list[Any]]
    failures: list[dict[str, Any]]

    def one(self, source: str, where: str = "") -> Any:
        found = [e for e in self.events.get(source, []) if where in json.dumps(e)]
        assert found, f"nothing delivered for {source} {where!r}; delivered: {sorted(self.events)}"
        return found[-1]


def _produce(cloud: LocalCloud) -> None:
    ddb, table = cloud.client("dynamodb"), cloud.output("ItemsTableName")
    ddb.put_item(TableName=table, Item={"id": {"S": "changed"}, "n": {"N": "1"}, "b": {"B": b"\x00\x01"}})
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": "changed"}},
        UpdateExpression="SET n = :n, tags = :t",
        ExpressionAttributeValues={":n": {"N": "2"}, ":t": {"SS": ["a", "b"]}},
    )
    ddb.delete_item(TableName=table, Key={"id": {"S": "changed"}})
    ddb.put_item(
        TableName=table, Item={"id": {"S": "expiring"}, "expires": {"N": str(int(time.time()) + 60)}}
    )
    ddb.put_item(TableName=table, Item={"id": {"S": "please-fail"}})

    kinesis = cloud.client("kinesis")
    for data in (b'{"clicks": 3}', b'{"clicks": "please-fail"}'):
        kinesis.put_record(StreamName=cloud.output("ClickStreamName"), Data=data, PartitionKey="visitor-1")

    cloud.client("sqs").send_message(
        QueueUrl=cloud.output("WorkQueueUrl"),
        MessageBody=json.dumps({"kind": "work"}),
        MessageAttributes={
            "origin": {"DataType": "String", "StringValue": "shapes"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
        },
    )
    cloud.client("s3").put_object(Bucket=cloud.output("UploadBucketName"), Key="incoming/a b.txt", Body=b"x")
    cloud.client("events").put_events(
        Entries=[{"Source": "shapes.app", "DetailType": "order.placed", "Detail": json.dumps({"id": 7})}]
    )
    cloud.client("stepfunctions").start_execution(
        stateMachineArn=cloud.output("WorkflowArn"), input=json.dumps(WORKFLOW_INPUT)
    )

    idp, client_id = cloud.client("cognito-idp"), cloud.output("UserPoolClientId")
    idp.sign_up(ClientId=client_id, Username=USER, Password=PASSWORD)
    idp.confirm_sign_up(ClientId=client_id, Username=USER, ConfirmationCode="123456")
    cloud.clock.drain()
    cloud.clock.advance(3600)  # the TTL item expires; the hourly schedule fires
    cloud.clock.drain()


def _call_api(cloud: LocalCloud) -> None:
    idp, client_id = cloud.client("cognito-idp"), cloud.output("UserPoolClientId")
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USER, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    with LocalApi(cloud.stack, cloud.invoke, endpoint_url=cloud.endpoint_url, port=0) as api:
        for _ in range(2):  # two requests: each must get a request id of its own
            url = f"{api.url}/things/7?page=2"
            assert url.startswith("http://127.0.0.1:")
            request = urllib.request.Request(url, headers={"Authorization": tokens["IdToken"]})  # noqa: S310
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                assert response.status == 200


@pytest.fixture(scope="module")
def delivered() -> Iterator[Delivered]:
    with LocalCloud(TEMPLATE, port=0, stack_name="shapes-test", prefix_logs=False) as cloud:
        _produce(cloud)
        _call_api(cloud)
        events: dict[str, list[Any]] = {}
        for call in calls(cloud, ""):
            events.setdefault(call.source, []).append(call.event)
        sqs = cloud.client("sqs")
        messages = sqs.receive_message(QueueUrl=cloud.output("FailuresUrl"), MaxNumberOfMessages=10)
        yield Delivered(events, [json.loads(m["Body"]) for m in messages.get("Messages", [])])


def _parse(model: type[BaseModel], event: Any) -> BaseModel:
    return model.model_validate(event)


# ---- DynamoDB Streams ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event_name", "item"),
    [("INSERT", "changed"), ("MODIFY", "changed"), ("REMOVE", "changed"), ("REMOVE", "expiring")],
)
def test_dynamodb_stream_records_have_the_shape_lambda_sends(
    delivered: Delivered, event_name: str, item: str
) -> None:
    event = delivered.one(f"aws:dynamodb|{event_name}", f'"id": {{"S": "{item}"}}')

    parsed = _parse(DynamoDBStreamModel, event)
    read_everything(DynamoDBStreamEvent(event))
    record = next(DynamoDBStreamEvent(event).records)

    assert structure_differences(event, sam_record("dynamodb", "update", event_name)) == []
    assert parsed.Records[0].eventName == event_name  # type: ignore[attr-defined]
    assert event["Records"][0]["eventVersion"] == "1.1"
    assert record.dynamodb is not None
    assert record.dynamodb.keys == {"id": item}
    if event_name == "MODIFY":
        assert record.dynamodb.old_image["n"] == 1
        assert record.dynamodb.new_image["n"] == 2
        assert record.dynamodb.new_image["b"] == base64.b64encode(b"\x00\x01").decode()  # B is base64 in JSON
        assert record.dynamodb.new_image["tags"] == {"a", "b"}


def test_only_a_ttl_delete_carries_the_service_identity(delivered: Delivered) -> None:
    expired = delivered.one("aws:dynamodb|REMOVE", '"expiring"')["Records"][0]
    deleted = delivered.one("aws:dynamodb|REMOVE", '"changed"')["Records"][0]

    assert expired["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert "userIdentity" not in deleted
    assert next(DynamoDBStreamEvent({"Records": [expired]}).records).user_identity == expired["userIdentity"]


def test_dynamodb_on_failure_record_has_the_shape_lambda_sends(delivered: Delivered) -> None:
    failure = next(f for f in delivered.failures if "DDBStreamBatchInfo" in f)

    parsed = _parse(DynamoDBStreamLambdaOnFailureDestinationModel, failure)

    assert parsed.request_context.condition == "RetryAttemptsExhausted"  # type: ignore[attr-defined]
    assert parsed.response_context.function_error == "Unhandled"  # type: ignore[attr-defined]
    assert parsed.ddb_stream_batch_info.batch_size == 1  # type: ignore[attr-defined]
    assert failure["DDBStreamBatchInfo"]["streamArn"].endswith(
        delivered.one("aws:dynamodb|INSERT", "please-fail")["Records"][0]["eventSourceARN"].split("/", 1)[1]
    )


# ---- Kinesis ---------------------------------------------------------------------------------------
def test_kinesis_records_have_the_shape_lambda_sends(delivered: Delivered) -> None:
    event = delivered.one("aws:kinesis|aws:kinesis:record", base64.b64encode(b'{"clicks": 3}').decode())

    parsed = _parse(KinesisDataStreamModel, event)
    read_everything(KinesisStreamEvent(event))

    assert structure_differences(event, sam_record("kinesis", "get-records")) == []
    assert parsed.Records[0].kinesis.data == b'{"clicks": 3}'  # type: ignore[attr-defined]
    assert next(KinesisStreamEvent(event).records).kinesis.data_as_json() == {"clicks": 3}


def test_kinesis_on_failure_record_matches_the_dynamodb_one_but_for_its_batch_info_key(
    delivered: Delivered,
) -> None:
    kinesis = next(f for f in delivered.failures if "KinesisBatchInfo" in f)
    dynamodb = next(f for f in delivered.failures if "DDBStreamBatchInfo" in f)
    as_dynamodb = {("DDBStreamBatchInfo" if k == "KinesisBatchInfo" else k): v for k, v in kinesis.items()}

    parsed = _parse(DynamoDBStreamLambdaOnFailureDestinationModel, as_dynamodb)

    # Lambda documents both records with the same fields; only the batch info's name differs.
    assert key_paths(as_dynamodb) == key_paths(dynamodb)
    assert kinesis["KinesisBatchInfo"]["streamArn"].endswith("shapes-test-ClickStream")
    assert parsed.ddb_stream_batch_info.batch_size == 1  # type: ignore[attr-defined]


# ---- SQS -------------------------------------------------------------------------------------------
def test_sqs_messages_have_the_shape_lambda_sends(delivered: Delivered) -> None:
    event = delivered.one("aws:sqs|")

    parsed = _parse(SqsModel, event)
    read_everything(SQSEvent(event))
    record = next(SQSEvent(event).records)

    assert structure_differences(event, sam_record("sqs", "receive-message")) == []
    assert parsed.Records[0].body == json.dumps({"kind": "work"})  # type: ignore[attr-defined]
    # As Lambda sends them: the one value the attribute has, never a null for the other.
    attributes = event["Records"][0]["messageAttributes"]
    assert attributes["origin"] == {
        "stringValue": "shapes",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert set(attributes["blob"]) == {"binaryValue", "stringListValues", "binaryListValues", "dataType"}
    origin, blob = record.message_attributes["origin"], record.message_attributes["blob"]
    assert origin is not None
    assert origin.string_value == "shapes"
    assert blob is not None
    assert base64.b64decode(blob.binary_value or "") == b"\x01\x02"


# ---- S3 --------------------------------------------------------------------------------------------
def test_s3_notifications_have_the_shape_s3_sends(delivered: Delivered) -> None:
    event = delivered.one("aws:s3|ObjectCreated:Put")

    parsed = _parse(S3Model, event)
    read_everything(S3Event(event))

    assert structure_differences(event, sam_event("s3", "put")) == []
    assert parsed.Records[0].s3.object.key == "incoming/a+b.txt"  # type: ignore[attr-defined]
    assert S3Event(event).object_key == "incoming/a b.txt"  # the data class unquotes it


# ---- EventBridge -----------------------------------------------------------------------------------
@pytest.mark.parametrize("detail_type", ["order.placed", "Scheduled Event"])
def test_eventbridge_targets_get_the_shape_eventbridge_sends(delivered: Delivered, detail_type: str) -> None:
    event = delivered.one(f"events|{detail_type}")

    parsed = _parse(EventBridgeModel, event)
    read_everything(EventBridgeEvent(event))

    assert structure_differences(event, sam_event("cloudwatch", "scheduled-event")) == []
    assert isinstance(event["time"], str)  # ISO-8601, e.g. 2026-01-01T12:00:00Z
    assert parsed.time.tzinfo is not None  # type: ignore[attr-defined]
    assert "ingestion-time" not in event


# ---- API Gateway -----------------------------------------------------------------------------------
def test_api_proxy_event_has_the_shape_api_gateway_sends(delivered: Delivered) -> None:
    events = delivered.events["apigateway|"]
    event = events[-1]

    parsed = _parse(APIGatewayProxyEventModel, event)
    read_everything(APIGatewayProxyEvent(event))
    context = APIGatewayProxyEvent(event).request_context

    assert structure_differences(event, sam_event("apigateway", "aws-proxy")) == []
    assert parsed.requestContext.authorizer.claims["email"] == USER  # type: ignore[attr-defined,union-attr]
    assert context.authorizer.claims["token_use"] == "id"
    assert event["requestContext"]["path"] == "/v1/things/7"  # API Gateway: /<stage><path>
    assert event["resource"] == "/things/{id}"
    assert event["requestContext"]["identity"]["userAgent"] == event["headers"]["User-Agent"]
    assert len({e["requestContext"]["requestId"] for e in events}) == len(events) == 2


# ---- Cognito ---------------------------------------------------------------------------------------
COGNITO: Mapping[str, tuple[type[BaseModel], type[DictWrapper]]] = {
    "PreSignUp_SignUp": (CognitoPreSignupTriggerModel, PreSignUpTriggerEvent),
    "PostConfirmation_ConfirmSignUp": (CognitoPostConfirmationTriggerModel, PostConfirmationTriggerEvent),
    "PreAuthentication_Authentication": (CognitoPreAuthenticationTriggerModel, PreAuthenticationTriggerEvent),
    "PostAuthentication_Authentication": (
        CognitoPostAuthenticationTriggerModel,
        PostAuthenticationTriggerEvent,
    ),
}


@pytest.mark.parametrize("trigger_source", sorted(COGNITO))
def test_cognito_trigger_events_parse_with_the_powertools_models(
    delivered: Delivered, trigger_source: str
) -> None:
    event = delivered.one(f"cognito|{trigger_source}")
    model, data_class = COGNITO[trigger_source]

    _parse(model, event)
    read_everything(data_class(event))

    assert event["request"]["userAttributes"]["email"] == USER
    assert event["callerContext"]["clientId"]


# ---- Step Functions --------------------------------------------------------------------------------
def test_a_lambda_invoke_task_hands_the_function_its_payload_unwrapped(delivered: Delivered) -> None:
    # `arn:aws:states:::lambda:invoke` with `Payload.$: $`: the function's event is the state input.
    assert delivered.one("other|", '"job": "shapes"') == WORKFLOW_INPUT


# ---- the comparison itself -------------------------------------------------------------------------
def test_structure_comparison_notices_a_missing_field_a_wrong_type_and_an_unknown_field() -> None:
    reference = sam_event("s3", "put")
    record = reference["Records"][0]
    broken = {"Records": [{**record, "eventTime": 0, "surprise": 1}]}
    del broken["Records"][0]["userIdentity"]

    assert structure_differences(reference, reference) == []
    assert set(structure_differences(broken, reference)) == {
        "missing $.Records[].userIdentity (object)",
        "missing $.Records[].userIdentity.principalId (string)",
        "$.Records[].eventTime: ['number'] where AWS sends ['string']",
        "unexpected $.Records[].surprise",
    }
