"""POST /webhooks/in/{source}: no Cognito authorizer, the sender's signature is the authentication.

A plain handler (no event-handler framework): one route, and the cold start stays small.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from dal import InboundStore, SourceCache
from logic import receive
from models import Answer, ReceiverEvent, ReceiverSettings

from stratus_shared import clock
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

OUTCOME_METRICS = {
    202: "InboundWebhooksReceived",
    200: "InboundWebhooksDuplicate",
    503: "InboundWebhooksUnstored",
}


@cache
def _sources(prefix: str, ttl: float) -> SourceCache:
    return SourceCache(prefix, ttl)


@cache
def _store(bucket: str, table: str) -> InboundStore:
    return InboundStore(bucket, table)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(ReceiverSettings)
    try:
        request = parse(event=event, model=ReceiverEvent).model_dump()
    except ValueError:  # not an API Gateway request at all (pydantic's ValidationError is a ValueError)
        return _response(Answer(400, "malformed request"))
    try:
        answer = receive(
            request,
            settings,
            _sources(settings.secret_prefix, settings.secret_cache_seconds),
            _store(settings.bucket_name, settings.table_name),
            clock.time,
        )
    except (BotoCoreError, ClientError) as exc:
        # Not the sender's fault: 503 makes every sender retry, and nothing was acknowledged.
        logger.exception("webhook not stored", extra={"error": type(exc).__name__})
        answer = Answer(503, "temporarily unavailable, retry later", headers={"Retry-After": "5"})
    metrics.add_metric(
        name=OUTCOME_METRICS.get(answer.status, "InboundWebhooksRefused"), unit="Count", value=1
    )
    return _response(answer)


def _response(answer: Answer) -> dict[str, Any]:
    body: dict[str, Any] = {"statusCode": answer.status, "message": answer.message}
    if answer.webhook_id is not None:
        body["id"] = answer.webhook_id
    return {
        "statusCode": answer.status,
        "headers": {"Content-Type": "application/json", **answer.headers},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
