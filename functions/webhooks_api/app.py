"""The webhooks REST API: a tenant's endpoints, their attempts, and its messages (Cognito-authorized)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import DynamoStore, KmsCipher, SqsTaskQueue
from logic import EndpointNotFoundError, MessageNotFoundError, WebhooksService, event_types
from models import (
    ApiSettings,
    CreatedWebhookEndpoint,
    CreateEndpoint,
    DuplicateEventError,
    InvalidRequestError,
    PayloadTooLargeError,
    Publish,
    QuotaExceededError,
    Recover,
    Replay,
    RotateSecret,
    UpdateEndpoint,
    WebhookAttemptPage,
    WebhookEndpoint,
    WebhookEndpointPage,
    WebhookEventTypes,
    WebhookMessage,
    WebhookPublished,
    WebhookQueued,
    WebhookSecret,
)

from stratus_shared import aws, clock
from stratus_shared.api import ConflictError, TooManyRequestsError, caller, error_response, rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_SECONDS = 24 * 3600
idempotency = IdempotencyConfig(
    event_key_jmespath="[tenantId, key]",
    payload_validation_jmespath="body",
    expires_after_seconds=IDEMPOTENCY_SECONDS,
)


def service() -> WebhooksService:
    settings = load_settings(ApiSettings)
    return WebhooksService(
        settings,
        store=DynamoStore(settings.webhook_table_name, settings.outbox_table_name),
        cipher=KmsCipher(settings.secrets_key_id),
        tasks=SqsTaskQueue(settings.delivery_queue_url),
        now=clock.now,
    )


def tenant() -> str:
    return caller(app).tenant_id


# ---- endpoints ---------------------------------------------------------------------------------
@app.post("/webhooks/endpoints", status_code=201)
def create_endpoint(request: Annotated[CreateEndpoint, Body()]) -> CreatedWebhookEndpoint:
    return service().create_endpoint(tenant(), request)


@app.get("/webhooks/endpoints")
def list_endpoints(
    limit: Annotated[int | None, Query()] = None, nextToken: Annotated[str | None, Query()] = None
) -> WebhookEndpointPage:
    return service().list_endpoints(tenant(), limit, nextToken)


@app.get("/webhooks/endpoints/<endpointId>")
def get_endpoint(endpointId: str) -> WebhookEndpoint:
    return service().get_endpoint(tenant(), endpointId)


@app.patch("/webhooks/endpoints/<endpointId>")
def update_endpoint(endpointId: str, request: Annotated[UpdateEndpoint, Body()]) -> WebhookEndpoint:
    return service().update_endpoint(tenant(), endpointId, request)


# 204 with an empty body, as before (`Response[None]` would make Powertools answer a null body instead).
@app.delete(
    "/webhooks/endpoints/<endpointId>", status_code=204, responses={204: {"description": "Deleted; no body"}}
)
def delete_endpoint(endpointId: str) -> Response[Any]:
    service().delete_endpoint(tenant(), endpointId)
    return Response(status_code=204, body="")


@app.post("/webhooks/endpoints/<endpointId>/secret/rotate")
def rotate_secret(endpointId: str, request: Annotated[RotateSecret | None, Body()] = None) -> WebhookSecret:
    return service().rotate_secret(tenant(), endpointId, request or RotateSecret())


@app.get("/webhooks/endpoints/<endpointId>/attempts")
def list_attempts(
    endpointId: str,
    limit: Annotated[int | None, Query()] = None,
    nextToken: Annotated[str | None, Query()] = None,
) -> WebhookAttemptPage:
    return service().list_attempts(tenant(), endpointId, limit, nextToken)


@app.post("/webhooks/endpoints/<endpointId>/recover", status_code=202)
def recover(endpointId: str, request: Annotated[Recover, Body()]) -> WebhookQueued:
    return service().recover(tenant(), endpointId, request)


# ---- messages ----------------------------------------------------------------------------------
@cache
def _idempotent_publish(table_name: str) -> Any:
    """Powertools idempotency over publish: the same tenant + Idempotency-Key within 24 h gets the first
    answer back and writes nothing again; the same key with a different body is refused."""
    persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=aws.client("dynamodb"))

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request", persistence_store=persistence, config=idempotency
    )
    def publish_once(request: dict[str, Any]) -> dict[str, Any]:
        published = service().publish(request["tenantId"], Publish.model_validate(request["body"]))
        return published.model_dump(mode="json")

    return publish_once


@app.post("/webhooks/messages", status_code=202)
def publish(request: Annotated[Publish, Body()]) -> WebhookPublished:
    key = app.current_event.get_header_value(IDEMPOTENCY_HEADER, case_sensitive=False)
    if key is None:
        return service().publish(tenant(), request)
    if not 1 <= len(key) <= 200:
        raise InvalidRequestError(f"{IDEMPOTENCY_HEADER}: 1 to 200 characters")
    body = request.model_dump(by_alias=True, exclude_none=True, mode="json")
    once = _idempotent_publish(load_settings(ApiSettings).idempotency_table_name)
    return WebhookPublished.model_validate(once(request={"tenantId": tenant(), "key": key, "body": body}))


@app.get("/webhooks/messages/<messageId>")
def get_message(messageId: str) -> WebhookMessage:
    return service().get_message(tenant(), messageId)


@app.post("/webhooks/messages/<messageId>/replay", status_code=202)
def replay(messageId: str, request: Annotated[Replay | None, Body()] = None) -> WebhookQueued:
    return service().replay(tenant(), messageId, request or Replay())


@app.get("/webhooks/event-types")
def list_event_types() -> WebhookEventTypes:
    return event_types()


# ---- errors ------------------------------------------------------------------------------------
@app.exception_handler(EndpointNotFoundError)  # type: ignore[untyped-decorator]
def _no_endpoint(error: EndpointNotFoundError) -> None:
    raise NotFoundError(f"endpoint {error} not found")


@app.exception_handler(MessageNotFoundError)  # type: ignore[untyped-decorator]
def _no_message(error: MessageNotFoundError) -> None:
    raise NotFoundError(f"message {error} not found")


@app.exception_handler(InvalidRequestError)  # type: ignore[untyped-decorator]
def _invalid(error: InvalidRequestError) -> Response[Any]:
    return error_response(400, str(error))


@app.exception_handler(PayloadTooLargeError)  # type: ignore[untyped-decorator]
def _too_large(error: PayloadTooLargeError) -> Response[Any]:
    return error_response(413, str(error))


@app.exception_handler(QuotaExceededError)  # type: ignore[untyped-decorator]
def _quota(error: QuotaExceededError) -> Response[Any]:
    limited = TooManyRequestsError("publish quota per minute exceeded", error.retry_after_seconds)
    return error_response(429, str(limited), {"Retry-After": str(limited.retry_after_seconds)})


@app.exception_handler(DuplicateEventError)  # type: ignore[untyped-decorator]
def _duplicate(error: DuplicateEventError) -> None:
    raise ConflictError(f"eventId: this event was already published as message {error.message_id}")


@app.exception_handler(IdempotencyValidationError)  # type: ignore[untyped-decorator]
def _key_reused(error: IdempotencyValidationError) -> Response[Any]:
    return error_response(422, f"{IDEMPOTENCY_HEADER}: already used with a different request body")


@app.exception_handler(IdempotencyAlreadyInProgressError)  # type: ignore[untyped-decorator]
def _key_busy(error: IdempotencyAlreadyInProgressError) -> None:
    raise ConflictError(f"{IDEMPOTENCY_HEADER}: a request with this key is still being processed")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
