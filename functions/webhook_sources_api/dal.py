"""The sources API's only boto3 code: the inbound table's source items and the sources' secrets."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from stratus_shared import aws
from stratus_shared.inbound_webhooks import SOURCES_PK, SourceSecret, secret_name


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class SourceStore:
    def __init__(
        self, table: str, secret_prefix: str, dynamodb: Any | None = None, secretsmanager: Any | None = None
    ) -> None:
        self.table = table
        self.prefix = secret_prefix
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")
        self.secretsmanager = secretsmanager if secretsmanager is not None else aws.client("secretsmanager")

    def put_secret(self, source: str, secret: SourceSecret) -> None:
        """Create the source's secret or store a new version of it (the old version stops at once)."""
        name = secret_name(self.prefix, source)
        text = secret.model_dump_json(exclude_none=True)
        try:
            self.secretsmanager.create_secret(
                Name=name,
                SecretString=text,
                Description="Stratus incoming webhook source: signing secrets and settings",
                Tags=[{"Key": "stratus:webhook-source", "Value": source}],
            )
        except ClientError as exc:
            if _code(exc) != "ResourceExistsException":
                raise
            self.secretsmanager.put_secret_value(SecretId=name, SecretString=text)

    def delete_secret(self, source: str) -> None:
        try:
            self.secretsmanager.delete_secret(
                SecretId=secret_name(self.prefix, source), ForceDeleteWithoutRecovery=True
            )
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise

    def get_item(self, source: str) -> dict[str, Any] | None:
        found = self.dynamodb.get_item(
            TableName=self.table, Key={"pk": {"S": SOURCES_PK}, "sk": {"S": source}}, ConsistentRead=True
        ).get("Item")
        return json.loads(found["settings"]["S"]) if found else None

    def put_item(self, source: str, shown: dict[str, Any]) -> None:
        self.dynamodb.put_item(
            TableName=self.table,
            Item={"pk": {"S": SOURCES_PK}, "sk": {"S": source}, "settings": {"S": json.dumps(shown)}},
        )

    def delete_item(self, source: str) -> bool:
        try:
            self.dynamodb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": SOURCES_PK}, "sk": {"S": source}},
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def list_items(self) -> list[dict[str, Any]]:
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": SOURCES_PK}},
        )
        return [json.loads(item["settings"]["S"]) for page in pages for item in page.get("Items", [])]
