"""The receiver's only boto3 code: the source's secret (cached per container), the body and the item."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from stratus_shared import aws, clock
from stratus_shared.inbound_webhooks import SourceSecret, secret_name
from stratus_shared.observability import logger

# Unknown sources are remembered too (briefly), so a flood at a wrong URL costs no secret reads.
UNKNOWN_SOURCE_SECONDS = 30.0


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class SourceCache:
    """Sources by name, read from Secrets Manager at most once per `ttl` per container.

    `refresh_after_failure` lets a signature that does not match re-read a secret older than
    `min_age` once, so a secret added by rotation is seen within seconds, not only after `ttl`.
    """

    def __init__(
        self,
        prefix: str,
        ttl: float,
        *,
        min_age: float = 10.0,
        secretsmanager: Any | None = None,
        monotonic: Callable[[], float] = clock.time,
    ) -> None:
        self.prefix = prefix
        self.ttl = ttl
        self.min_age = min_age
        self._client = secretsmanager
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, SourceSecret | None]] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("secretsmanager")
        return self._client

    def get(self, source: str) -> SourceSecret | None:
        now = self._monotonic()
        entry = self._entries.get(source)
        if entry is not None and now - entry[0] < (self.ttl if entry[1] else UNKNOWN_SOURCE_SECONDS):
            return entry[1]
        return self._read(source, now)

    def refresh_after_failure(self, source: str) -> SourceSecret | None:
        """A fresher copy when the cached one is at least `min_age` old; None when it is fresh already."""
        now = self._monotonic()
        entry = self._entries.get(source)
        if entry is not None and now - entry[0] < self.min_age:
            return None
        return self._read(source, now)

    def _read(self, source: str, now: float) -> SourceSecret | None:
        try:
            text = self.client.get_secret_value(SecretId=secret_name(self.prefix, source))["SecretString"]
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            found = None
        else:
            try:
                found = SourceSecret.model_validate(json.loads(text))
            except (ValueError, ValidationError):
                logger.error("source secret unreadable", extra={"source": source})  # never its content
                found = None
        with self._lock:
            self._entries[source] = (now, found)
        return found


class InboundStore:
    """One S3 put (If-None-Match: the object is written once) and one conditional DynamoDB put."""

    def __init__(self, bucket: str, table: str, s3: Any | None = None, dynamodb: Any | None = None) -> None:
        self.bucket = bucket
        self.table = table
        self.s3 = s3 if s3 is not None else aws.client("s3")
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    def put_body(self, key: str, body: bytes, content_type: str | None) -> bool:
        """Store the body unless the key exists already; False when it did (a duplicate delivery)."""
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type or "application/octet-stream",
                IfNoneMatch="*",
            )
        except ClientError as exc:
            # 412: another delivery of this webhook stored it first; 409: that write is still running.
            if _code(exc) in {"PreconditionFailed", "ConditionalRequestConflict"} or exc.response.get(
                "ResponseMetadata", {}
            ).get("HTTPStatusCode") in {409, 412}:
                return False
            raise
        return True

    def put_item(self, item: dict[str, Any]) -> bool:
        """Write the webhook's item once; False when (source, webhook id) was received before."""
        try:
            self.dynamodb.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
