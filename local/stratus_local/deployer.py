"""Deploy a translated template into moto through boto3, the way CloudFormation would create it.

moto's own CloudFormation drops TTL, layers, DefinitionSubstitutions and S3 notifications and fails on
Cognito and SAM REST APIs, so resources are created one by one here with the service APIs. Names are
deterministic (`<stack>-<LogicalId>`) so logs and tests read well. What Lambda itself does (functions,
event source mappings, permissions, triggers) is not created in moto: it is recorded for the local
cloud's runner and event sources. Types that cannot be emulated are listed in `unsupported`.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from stratus_local.runner import FunctionSpec, function_specs
from stratus_local.template import Resolver, TemplateError, Translated

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"

# Accepted but not enforced locally: IAM is not evaluated by the local cloud (see docs/local-cloud.md).
NOT_ENFORCED = {
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::ApiGateway::Account",
    "AWS::Cognito::UserPoolDomain",
}
# Served by other parts of the local cloud rather than created in moto.
SERVED_LOCALLY = {
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Authorizer",
    # The web app's hosting: `stratus_local.webapp` serves the app and the API on one port instead.
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::Function",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::OriginAccessControl",
}


class _Pending(Exception):
    """A value this resource needs belongs to a resource not created yet."""


@dataclass
class DeployedStack:
    """What a deployment produced: resolved names/ARNs and the wiring the local cloud runs."""

    name: str
    translated: Translated
    resolver: Resolver
    region: str
    account_id: str
    endpoint_url: str | None
    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    event_source_mappings: list[dict[str, Any]] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    bucket_notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    state_machines: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_pools: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)

    def function_for_arn(self, arn_or_name: str) -> str | None:
        """Logical id of the function an ARN (or name) designates, as Lambda resolves targets."""
        name = arn_or_name.split(":function:", 1)[-1].split(":", 1)[0]
        for logical_id, spec in self.functions.items():
            if name in (spec.function_name, logical_id):
                return logical_id
        return None


def deploy(
    translated: Translated,
    *,
    parameters: dict[str, Any] | None = None,
    endpoint_url: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    stack_name: str = "stratus-local",
) -> DeployedStack:
    """Create every resource of `translated` whose condition holds; return the resolved stack."""
    resolver = Resolver(
        translated.template,
        parameters=parameters or {},
        region=region,
        account_id=account_id,
        stack_name=stack_name,
    )
    check_rules(translated.template, resolver)
    stack = DeployedStack(stack_name, translated, resolver, region, account_id, endpoint_url)
    # moto accepts any credentials; these are not secrets.
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
        region_name=region,
    )
    creator = _Creator(stack, lambda service: session.client(service, endpoint_url=endpoint_url))  # type: ignore[call-overload]

    pending = [
        lid
        for lid, res in translated.resources.items()
        if "Condition" not in res or resolver.condition(res["Condition"])
    ]
    stack.skipped = [
        (lid, res["Type"]) for lid, res in translated.resources.items() if lid not in set(pending)
    ]
    resolver.on_missing = _raise_pending
    resolver.refs = stack.refs
    resolver.attrs = stack.attrs
    while pending:
        progressed, waiting = False, []
        errors: dict[str, str] = {}
        for logical_id in pending:
            try:
                creator.create(logical_id, translated.resources[logical_id])
                progressed = True
            except _Pending as exc:
                waiting.append(logical_id)
                errors[logical_id] = str(exc)
        if not progressed:
            raise TemplateError(f"cannot resolve dependencies: {errors}")
        pending = waiting
    resolver.on_missing = None

    # A function's name is what Ref gives (the deployed `<stack>-<LogicalId>`), so ARNs in event
    # source mappings, triggers and targets designate the spec the runner loads.
    stack.functions = {
        lid: dataclasses.replace(spec, function_name=str(stack.refs.get(lid, spec.function_name)))
        for lid, spec in function_specs(translated, resolver).items()
    }
    for name, output in translated.template.get("Outputs", {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        stack.outputs[name] = resolver.resolve(output["Value"])
    return stack


def check_rules(template: dict[str, Any], resolver: Resolver) -> None:
    """Refuse parameter combinations the template's Rules forbid, as CloudFormation does first."""
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not resolver.resolve(rule["RuleCondition"]):
            continue
        for assertion in rule.get("Assertions", []):
            if not resolver.resolve(assertion["Assert"]):
                raise TemplateError(f"rule {name}: {assertion.get('AssertDescription', 'assertion failed')}")


def _raise_pending(what: str) -> Any:
    raise _Pending(what)


class _Creator:
    def __init__(self, stack: DeployedStack, client: Callable[[str], Any]) -> None:
        self.stack = stack
        self.client = client

    def name(self, logical_id: str, limit: int = 64) -> str:
        return f"{self.stack.name}-{logical_id}"[:limit]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.stack.region}:{self.stack.account_id}:{resource}"

    def create(self, logical_id: str, resource: dict[str, Any]) -> None:
        kind = resource["Type"]
        props = self.stack.resolver.resolve(resource.get("Properties", {}))
        handler = getattr(self, "_" + kind.replace("::", "_").lower(), None)
        if handler is not None:
            handler(logical_id, props)
        elif kind in NOT_ENFORCED or kind in SERVED_LOCALLY:
            self._placeholder(logical_id, kind, props)
        else:
            self.stack.unsupported.append((logical_id, kind))
            self._placeholder(logical_id, kind, props)

    def _placeholder(self, logical_id: str, kind: str, props: dict[str, Any]) -> None:
        """Values other resources may reference for things moto does not hold."""
        refs, attrs = self.stack.refs, self.stack.attrs
        if kind == "AWS::Lambda::Function":
            name = props.get("FunctionName") or self.name(logical_id)
            refs[logical_id] = name
            attrs[f"{logical_id}.Arn"] = self.arn("lambda", f"function:{name}")
        elif kind == "AWS::Lambda::EventSourceMapping":
            self.stack.event_source_mappings.append({"LogicalId": logical_id, **props})
            refs[logical_id] = f"esm-{logical_id}"
        elif kind == "AWS::Lambda::Permission":
            self.stack.permissions.append({"LogicalId": logical_id, **props})
            refs[logical_id] = logical_id
        elif kind == "AWS::Lambda::LayerVersion":
            refs[logical_id] = self.arn("lambda", f"layer:{logical_id}:1")
        elif kind == "AWS::ApiGateway::RestApi":
            refs[logical_id] = logical_id.lower()[:10]
            attrs[f"{logical_id}.RootResourceId"] = "root"
        elif kind.startswith("AWS::CloudFront::"):
            ident = logical_id.upper()[:14]
            refs[logical_id] = ident
            attrs[f"{logical_id}.Id"] = ident
            attrs[f"{logical_id}.DomainName"] = f"{ident.lower()}.cloudfront.net"
            attrs[f"{logical_id}.FunctionMetadata.FunctionARN"] = (
                f"arn:aws:cloudfront::{self.stack.account_id}:function/{self.name(logical_id)}"
            )
        else:
            refs[logical_id] = self.name(logical_id)
            attrs[f"{logical_id}.Arn"] = self.arn(kind.split("::")[1].lower(), self.name(logical_id))

    # ---- data ----------------------------------------------------------------------------------
    def _aws_dynamodb_table(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("TableName") or self.name(logical_id, 255)
        args: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        if "StreamSpecification" in props:
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if index_kind in props:
                args[index_kind] = props[index_kind]
        if props.get("SSESpecification", {}).get("SSEEnabled"):
            sse = props["SSESpecification"]
            args["SSESpecification"] = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS")}
        dynamodb = self.client("dynamodb")
        table = dynamodb.create_table(**args)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = table["TableArn"]
        if "LatestStreamArn" in table:
            self.stack.attrs[f"{logical_id}.StreamArn"] = table["LatestStreamArn"]

    def _aws_sqs_queue(self, logical_id: str, props: dict[str, Any]) -> None:
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or self.name(logical_id, 75) + (".fifo" if fifo else "")
        attributes = {
            key: (
                json.dumps(value)
                if isinstance(value, dict)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            for key, value in props.items()
            if key not in {"QueueName", "Tags"}
        }
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.stack.refs[logical_id] = url
        self.stack.attrs.update(
            {f"{logical_id}.Arn": arn, f"{logical_id}.QueueName": name, f"{logical_id}.QueueUrl": url}
        )

    def _aws_sns_topic(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("TopicName") or self.name(logical_id, 256)
        sns = self.client("sns")
        arn = sns.create_topic(Name=name)["TopicArn"]
        for subscription in props.get("Subscription", []):
            sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
        self.stack.refs[logical_id] = arn
        self.stack.attrs[f"{logical_id}.TopicName"] = name
        self.stack.attrs[f"{logical_id}.TopicArn"] = arn

    def _aws_sns_subscription(self, logical_id: str, props: dict[str, Any]) -> None:
        attributes = {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in props.items()
            if key in {"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"}
        }
        response = self.client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
        )
        self.stack.refs[logical_id] = response["SubscriptionArn"]

    def _aws_kinesis_stream(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self.name(logical_id, 128)
        kinesis = self.client("kinesis")
        mode = props.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED")
        if mode == "ON_DEMAND":
            kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        else:
            kinesis.create_stream(StreamName=name, ShardCount=int(props.get("ShardCount", 1)))
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = summary["StreamARN"]

    def _aws_s3_bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        name = (props.get("BucketName") or self.name(logical_id, 63)).lower()
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name)
        if "BucketEncryption" in props:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {_S3_API_NAMES.get(k, k): v for k, v in rule.items()}
                        for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "NotificationConfiguration" in props:
            self.stack.bucket_notifications[name] = props["NotificationConfiguration"]
            queues = [
                {"QueueArn": q["Queue"], "Events": [q["Event"]], **_filter(q)}
                for q in props["NotificationConfiguration"].get("QueueConfigurations", [])
            ]
            if queues:
                s3.put_bucket_notification_configuration(
                    Bucket=name, NotificationConfiguration={"QueueConfigurations": queues}
                )
        self.stack.refs[logical_id] = name
        self.stack.attrs.update(
            {
                f"{logical_id}.Arn": f"arn:aws:s3:::{name}",
                f"{logical_id}.DomainName": f"{name}.s3.amazonaws.com",
                f"{logical_id}.RegionalDomainName": f"{name}.s3.{self.stack.region}.amazonaws.com",
            }
        )

    def _aws_s3_bucketpolicy(self, logical_id: str, props: dict[str, Any]) -> None:
        # moto applies a Deny without evaluating its Condition, so a TLS-only statement would refuse
        # every object call; the local endpoint is plain HTTP on loopback, so such statements are left out.
        document = dict(props["PolicyDocument"])
        statements = document.get("Statement", [])
        document["Statement"] = [
            s for s in (statements if isinstance(statements, list) else [statements]) if not _tls_only(s)
        ]
        if document["Statement"]:
            self.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
        self.stack.refs[logical_id] = props["Bucket"]

    def _aws_secretsmanager_secret(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self.name(logical_id, 256)
        value = props.get("SecretString")
        if value is None:
            generate = props.get("GenerateSecretString", {})
            alphabet = string.ascii_letters + string.digits
            password = "".join(
                secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32)))
            )
            template = generate.get("SecretStringTemplate")
            key = generate.get("GenerateStringKey")
            value = json.dumps({**json.loads(template), key: password}) if template and key else password
        arn = self.client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
        self.stack.refs[logical_id] = arn
        self.stack.attrs[f"{logical_id}.Id"] = arn

    def _aws_kms_key(self, logical_id: str, props: dict[str, Any]) -> None:
        key = self.client("kms").create_key(Description=props.get("Description", logical_id))["KeyMetadata"]
        self.stack.refs[logical_id] = key["KeyId"]
        self.stack.attrs[f"{logical_id}.Arn"] = key["Arn"]
        self.stack.attrs[f"{logical_id}.KeyId"] = key["KeyId"]

    def _aws_logs_loggroup(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("LogGroupName") or self.name(logical_id, 512)
        logs = self.client("logs")
        logs.create_log_group(logGroupName=name)
        if "RetentionInDays" in props:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = self.arn("logs", f"log-group:{name}:*")

    def _aws_cloudwatch_alarm(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("AlarmName") or self.name(logical_id, 255)
        args = {k: v for k, v in props.items() if k not in {"AlarmName", "Tags"}}
        for numeric in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if numeric in args:
                args[numeric] = int(args[numeric])
        if "Threshold" in args:
            args["Threshold"] = float(args["Threshold"])
        self.client("cloudwatch").put_metric_alarm(AlarmName=name, **args)
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = self.arn("cloudwatch", f"alarm:{name}")

    # ---- identity ------------------------------------------------------------------------------
    def _aws_iam_role(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("RoleName") or self.name(logical_id)
        iam = self.client("iam")
        role = iam.create_role(
            RoleName=name,
            Path=props.get("Path", "/"),
            AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]),
        )["Role"]
        for policy in props.get("Policies", []):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                # SAM writes inline statements without Version; IAM accepts them, moto does not.
                PolicyDocument=json.dumps({"Version": "2012-10-17", **policy["PolicyDocument"]}),
            )
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = role["Arn"]
        self.stack.attrs[f"{logical_id}.RoleId"] = role["RoleId"]

    def _aws_cognito_userpool(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.pop("UserPoolName", None) or self.name(logical_id, 128)
        allowed = {
            "Policies", "LambdaConfig", "AutoVerifiedAttributes", "UsernameAttributes", "AliasAttributes",
            "MfaConfiguration", "AdminCreateUserConfig", "Schema", "AccountRecoverySetting",
            "UsernameConfiguration", "UserPoolAddOns", "DeletionProtection", "EmailConfiguration",
        }  # fmt: skip
        args = {k: v for k, v in props.items() if k in allowed}
        pool = self.client("cognito-idp").create_user_pool(PoolName=name, **args)["UserPool"]
        self.stack.refs[logical_id] = pool["Id"]
        self.stack.attrs.update(
            {
                f"{logical_id}.Arn": pool["Arn"],
                f"{logical_id}.UserPoolId": pool["Id"],
                f"{logical_id}.ProviderName": f"cognito-idp.{self.stack.region}.amazonaws.com/{pool['Id']}",
                f"{logical_id}.ProviderURL": f"https://cognito-idp.{self.stack.region}.amazonaws.com/{pool['Id']}",
            }
        )
        self.stack.user_pools[logical_id] = {"Id": pool["Id"], "LambdaConfig": props.get("LambdaConfig", {})}

    def _aws_cognito_userpoolclient(self, logical_id: str, props: dict[str, Any]) -> None:
        allowed = {
            "ClientName", "GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors",
            "EnableTokenRevocation", "AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity",
            "TokenValidityUnits", "CallbackURLs", "LogoutURLs", "AllowedOAuthFlows", "AllowedOAuthScopes",
            "AllowedOAuthFlowsUserPoolClient", "SupportedIdentityProviders",
        }  # fmt: skip
        args = {k: v for k, v in props.items() if k in allowed}
        args.setdefault("ClientName", self.name(logical_id))
        client = self.client("cognito-idp").create_user_pool_client(UserPoolId=props["UserPoolId"], **args)
        self.stack.refs[logical_id] = client["UserPoolClient"]["ClientId"]

    def _aws_cognito_userpoolgroup(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("cognito-idp").create_group(
            UserPoolId=props["UserPoolId"],
            GroupName=props["GroupName"],
            Description=props.get("Description", ""),
        )
        self.stack.refs[logical_id] = props["GroupName"]

    # ---- integration ---------------------------------------------------------------------------
    def _aws_events_eventbus(self, logical_id: str, props: dict[str, Any]) -> None:
        arn = self.client("events").create_event_bus(Name=props["Name"])["EventBusArn"]
        self.stack.refs[logical_id] = props["Name"]
        self.stack.attrs.update({f"{logical_id}.Arn": arn, f"{logical_id}.Name": props["Name"]})

    def _aws_events_rule(self, logical_id: str, props: dict[str, Any]) -> None:
        """Rules are created in moto (so PutEvents matching is moto's); Lambda targets are recorded for the
        local cloud to invoke, since moto would need Docker to run them."""
        name = props.get("Name") or self.name(logical_id)
        bus = props.get("EventBusName", "default").split("/")[-1]
        args: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
        if "EventPattern" in props:
            args["EventPattern"] = json.dumps(props["EventPattern"])
        if "ScheduleExpression" in props:
            args["ScheduleExpression"] = props["ScheduleExpression"]
        events = self.client("events")
        arn = events.put_rule(**args)["RuleArn"]
        targets = props.get("Targets", [])
        plain = [
            {k: v for k, v in t.items() if k in {"Id", "Arn", "Input", "InputPath", "SqsParameters"}}
            for t in targets
            if ":lambda:" not in t["Arn"] and ":states:" not in t["Arn"]
        ]
        if plain:
            events.put_targets(Rule=name, EventBusName=bus, Targets=plain)
        self.stack.rules.append({"LogicalId": logical_id, "Name": name, "EventBusName": bus, **props})
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = arn

    def _aws_scheduler_schedulegroup(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self.name(logical_id)
        arn = self.client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = arn

    def _aws_stepfunctions_statemachine(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("StateMachineName") or self.name(logical_id, 80)
        if "DefinitionString" in props:
            definition = props["DefinitionString"]
        elif "Definition" in props:
            definition = json.dumps(props["Definition"])
        else:
            definition = self.stack.translated.artifacts[logical_id].read_text()
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        arn = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=props.get("RoleArn", f"arn:aws:iam::{self.stack.account_id}:role/local"),
            type=props.get("StateMachineType", "STANDARD"),
        )["stateMachineArn"]
        self.stack.state_machines[logical_id] = {"Arn": arn, "Name": name, "Definition": definition}
        self.stack.refs[logical_id] = arn
        self.stack.attrs.update({f"{logical_id}.Arn": arn, f"{logical_id}.Name": name})

    def _aws_kinesisfirehose_deliverystream(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("DeliveryStreamName") or self.name(logical_id)
        args: dict[str, Any] = {
            "DeliveryStreamName": name,
            "DeliveryStreamType": props.get("DeliveryStreamType", "DirectPut"),
        }
        for key in (
            "ExtendedS3DestinationConfiguration",
            "S3DestinationConfiguration",
            "KinesisStreamSourceConfiguration",
        ):
            if key in props:
                args[key] = props[key]
        if "DeliveryStreamEncryptionConfigurationInput" in props:
            args["DeliveryStreamEncryptionConfigurationInput"] = props[
                "DeliveryStreamEncryptionConfigurationInput"
            ]
        arn = self.client("firehose").create_delivery_stream(**args)["DeliveryStreamARN"]
        self.stack.refs[logical_id] = name
        self.stack.attrs[f"{logical_id}.Arn"] = arn


def _tls_only(statement: dict[str, Any]) -> bool:
    """A Deny whose only condition is aws:SecureTransport = false (the usual TLS-only guard)."""
    condition = statement.get("Condition", {})
    return (
        statement.get("Effect") == "Deny"
        and list(condition) == ["Bool"]
        and list(condition["Bool"]) == ["aws:SecureTransport"]
    )


# CloudFormation property names the S3 API spells differently.
_S3_API_NAMES = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}


def _filter(queue_config: dict[str, Any]) -> dict[str, Any]:
    rules = queue_config.get("Filter", {}).get("S3Key", {}).get("Rules")
    return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}


def read_definition(path: Path) -> dict[str, Any]:
    """A state machine definition file, parsed (tests use it to inspect the ASL)."""
    parsed: dict[str, Any] = json.loads(path.read_text())
    return parsed
