"""POST /documents/markdown {title, markdown} -> 201 {documentId} (Cognito-authorized; the owner is the
token's `sub`, never anything in the request)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from dal import DocumentStore
from logic import create_markdown_document
from models import CreateMarkdownDocument, MarkdownDocumentCreated, MarkdownSettings, MarkdownTooLargeError

from stratus_shared.api import caller, error_response, rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()


@app.post(
    "/documents/markdown",
    responses={
        201: {
            "description": "The document exists (UPLOADED); it becomes READY like an upload",
            "content": {"application/json": {"model": MarkdownDocumentCreated}},
        },
        400: {"description": "A missing or invalid field, or markdown over MaxMarkdownKilobytes"},
    },
)
def create_markdown(request: Annotated[CreateMarkdownDocument, Body()]) -> Response[Any]:
    who = caller(app)
    settings = load_settings(MarkdownSettings)
    created = create_markdown_document(who, request, settings, DocumentStore(settings.bucket_name))
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=created.model_dump(by_alias=True),
    )


@app.exception_handler(MarkdownTooLargeError)  # type: ignore[untyped-decorator]
def _too_large(error: MarkdownTooLargeError) -> Response[Any]:
    return error_response(400, str(error))


@app.exception_handler([BotoCoreError, ClientError])  # type: ignore[untyped-decorator]
def _not_stored(error: Exception) -> Response[Any]:
    logger.exception("markdown document not stored")
    return error_response(500, "the document could not be stored; nothing was kept, please try again")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
