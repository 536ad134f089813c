"""The documents REST API: presigned uploads, the caller's documents, one with a download link, delete."""

from __future__ import annotations

from typing import Annotated, Any

import logic
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from models import (
    ApiSettings,
    CreateUpload,
    DocumentItem,
    DocumentList,
    DocumentNotFoundError,
    InvalidRequestError,
    UploadCreated,
)

from stratus_shared.api import caller, error_response, rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()


def settings() -> ApiSettings:
    return load_settings(ApiSettings)


@app.post("/documents/uploads", status_code=201)
def create_upload(request: Annotated[CreateUpload, Body()]) -> Response[UploadCreated]:
    who = caller(app)
    created = logic.create_upload(settings(), who.sub, who.tenant_id, request)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=UploadCreated.model_validate(created),
    )


@app.get("/documents")
def list_documents() -> DocumentList:
    settings()
    return DocumentList.model_validate(logic.list_documents(caller(app).sub))


@app.get("/documents/<documentId>")
def get_document(documentId: str) -> DocumentItem:
    return DocumentItem.model_validate(logic.get_document(settings(), caller(app).sub, documentId))


@app.delete("/documents/<documentId>")
def delete_document(documentId: str) -> Response[Any]:
    logic.delete_document(settings(), caller(app).sub, documentId)
    return Response(status_code=204, body="")


@app.exception_handler(DocumentNotFoundError)  # type: ignore[untyped-decorator]
def _not_found(error: DocumentNotFoundError) -> None:
    raise NotFoundError(f"document {error} not found")


@app.exception_handler(InvalidRequestError)  # type: ignore[untyped-decorator]
def _invalid(error: InvalidRequestError) -> Response[Any]:
    return error_response(400, str(error))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
