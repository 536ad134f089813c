"""What the template promises for replication and counters, checked on the translated template."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus_local.template import Resolver, load
from tests.support.harness import TEMPLATE, translated_template

PROD = "111111111111"
# Every capability's switch (Enable*): all "false" leaves nothing routed to the shared REST API.
ENABLE_SWITCHES = [name for name in load(TEMPLATE)["Parameters"] if name.startswith("Enable")]
ROLE = "arn:aws:iam::999999999999:role/stratus-ReplicaWriterRole"


class Deployment:
    """The translated template with parameters: which resources exist, and their resolved properties."""

    def __init__(self, **parameters: str) -> None:
        self.translated = translated_template(parameters)
        self.resolver = Resolver(
            self.translated.template,
            parameters=parameters,
            on_missing=lambda what: f"<{what}>",
        )

    def exists(self, logical_id: str) -> bool:
        resource = self.translated.resources.get(logical_id)
        if resource is None:
            return False
        return "Condition" not in resource or self.resolver.condition(resource["Condition"])

    def props(self, logical_id: str) -> Any:
        assert self.exists(logical_id), logical_id
        return self.resolver.resolve(self.translated.resources[logical_id]["Properties"])

    def mapping_of(self, function: str) -> Any:
        found = [
            lid
            for lid, res in self.translated.of_type("AWS::Lambda::EventSourceMapping").items()
            if res["Properties"]["FunctionName"] == {"Ref": function} and self.exists(lid)
        ]
        assert len(found) == 1, found
        return self.props(found[0])

    def statements(self, role: str) -> list[dict[str, Any]]:
        return [s for p in self.props(role).get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


def test_every_api_route_needs_the_cognito_authorizer() -> None:
    stack = Deployment()
    body = stack.props("Api")["Body"]
    methods = [(path, verb, op) for path, ops in body["paths"].items() for verb, op in ops.items()]
    assert ("/counters", "get") in [(p, v) for p, v, _ in methods]
    assert all(op.get("security") == [{"CognitoAuthorizer": []}] for _, _, op in methods)
    authorizer = body["securityDefinitions"]["CognitoAuthorizer"]
    assert authorizer["x-amazon-apigateway-authtype"] == "cognito_user_pools"


def test_the_stage_logs_request_ids_traces_and_throttles() -> None:
    stage = Deployment().props("Apiv1Stage")
    assert "$context.requestId" in stage["AccessLogSetting"]["Format"]
    json.loads(stage["AccessLogSetting"]["Format"].replace("\n", ""))  # one JSON object per request
    assert stage["TracingEnabled"] is True
    assert stage["MethodSettings"][0]["ThrottlingRateLimit"] > 0


def test_the_replicator_mapping_reports_partial_failures_bisects_and_gives_up_boundedly() -> None:
    settings = Deployment().mapping_of("StreamReplicatorFunction")
    assert settings["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert settings["BisectBatchOnFunctionError"] is True
    assert 0 < settings["MaximumRetryAttempts"] <= 10
    assert settings["DestinationConfig"]["OnFailure"]["Destination"]
    assert settings["BatchSize"] % 25 == 0  # whole BatchWriteItem calls


def test_the_counter_mapping_never_splits_a_batch_and_fits_one_transaction_per_chunk() -> None:
    settings = Deployment().mapping_of("EventCounterFunction")
    assert settings["BisectBatchOnFunctionError"] is False
    assert json.loads(settings["FilterCriteria"]["Filters"][0]["Pattern"]) == {"eventName": ["INSERT"]}


def test_the_analytics_account_trusts_exactly_the_production_account_for_exactly_the_replica_table() -> None:
    stack = Deployment(ReplicationSourceAccountId=PROD, ReplicationExternalId="shared-id")
    assert not stack.exists("StreamReplicatorFunction")
    assert not stack.exists("WebAnalyticsStream")
    role = stack.props("ReplicaWriterRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{PROD}:root"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "shared-id"}}
    (grant,) = stack.statements("ReplicaWriterRole")
    assert grant["Resource"] == stack.resolver.get_att("ReplicaTable", "Arn")
    assert set(grant["Action"]) == {"dynamodb:BatchWriteItem", "dynamodb:PutItem"}


def test_the_production_account_only_assumes_the_writer_role() -> None:
    stack = Deployment(ReplicationTargetRoleArn=ROLE, ReplicationTargetTableName="replica")
    assert not stack.exists("ReplicaTable")
    assert not stack.exists("EventCounterFunction")
    grants = [s for s in stack.statements("StreamReplicatorFunctionRole") if s["Effect"] == "Allow"]
    assert {"Action": "sts:AssumeRole", "Resource": ROLE, "Effect": "Allow"} in grants
    assert not any("dynamodb" in json.dumps(s["Action"]) for s in grants)
    env = stack.props("StreamReplicatorFunction")["Environment"]["Variables"]
    assert (env["TARGET_ROLE_ARN"], env["TARGET_TABLE_NAME"]) == (ROLE, "replica")


@pytest.mark.parametrize(
    ("function", "source"),
    [
        ("StreamReplicatorFunction", ("WebAnalyticsStream", "Arn")),
        ("ReplicaArchiverFunction", ("ReplicaTable", "StreamArn")),
        ("EventCounterFunction", ("ReplicaTable", "StreamArn")),
    ],
)
def test_each_stream_consumer_may_read_only_the_stream_it_is_mapped_to(
    function: str, source: tuple[str, str]
) -> None:
    stack = Deployment()
    stream = stack.resolver.get_att(*source)
    assert stack.mapping_of(function)["EventSourceArn"] == stream
    # No AWSLambdaKinesisExecutionRole / AWSLambdaDynamoDBExecutionRole: those read every stream ("*")
    managed = stack.props(f"{function}Role").get("ManagedPolicyArns", [])
    assert not [arn for arn in managed if "ExecutionRole" in arn and "Basic" not in arn]
    reads = [s for s in stack.statements(f"{function}Role") if "GetRecords" in json.dumps(s["Action"])]
    assert reads
    assert all(s["Resource"] == stream for s in reads)


def test_an_existing_stream_is_used_instead_of_creating_one() -> None:
    arn = f"arn:aws:kinesis:us-east-1:{PROD}:stream/web-analytics"
    stack = Deployment(SourceStreamArn=arn)
    assert not stack.exists("WebAnalyticsStream")
    assert stack.mapping_of("StreamReplicatorFunction")["EventSourceArn"] == arn


def test_replication_switches_off_entirely() -> None:
    stack = Deployment(EnableStreamReplication="false")
    mine = [
        "WebAnalyticsStream", "ReplicaTable", "StreamReplicatorFunction", "ReplicaArchiverFunction",
        "ArchiveBucket", "ArchiveDeliveryStream", "EventCounterFunction", "CountersApiFunction",
        "ReplicationFailureQueue", "ReplicatorPoisonQueue", "StreamReplicatorMapping",
        "ReplicaArchiverMapping", "EventCounterMapping",
    ]  # fmt: skip
    assert [lid for lid in mine if stack.exists(lid)] == []
    # The REST API is shared: it stays while another capability routes to it, and goes with the last one.
    assert stack.exists("Api")
    assert not Deployment(**dict.fromkeys(ENABLE_SWITCHES, "false")).exists("Api")


def test_the_archive_is_encrypted_private_tls_only_and_date_partitioned() -> None:
    stack = Deployment()
    bucket = stack.props("ArchiveBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (deny,) = stack.props("ArchiveBucketPolicy")["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    s3 = stack.props("ArchiveDeliveryStream")["ExtendedS3DestinationConfiguration"]
    assert "!{timestamp:yyyy}" in s3["Prefix"]
    assert s3["ErrorOutputPrefix"].startswith("errors/")
    assert s3["CompressionFormat"] == "GZIP"
