"""PUT/GET/DELETE /webhooks/sources...: incoming-webhook senders, for the admin group only."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import SourceStore
from logic import delete_source, list_sources, put_source
from models import (
    InvalidSourceError,
    PutSource,
    SourceNotFoundError,
    SourcesPage,
    SourcesSettings,
    WebhookSource,
)

from stratus_shared import clock
from stratus_shared.api import error_response, require_group, rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()
SourceName = Annotated[str, Path(min_length=1, max_length=64)]


def _admin() -> tuple[SourcesSettings, SourceStore, str]:
    settings = load_settings(SourcesSettings)
    operator = require_group(app, settings.admin_group_name)
    return settings, SourceStore(settings.table_name, settings.secret_prefix), operator.sub


@app.put("/webhooks/sources/<source>")
def put(source: SourceName, request: Annotated[PutSource, Body()]) -> WebhookSource:
    settings, store, operator = _admin()
    saved = put_source(store, settings, source, request, clock.now())
    # The decision and who made it; never the secrets (or how many characters they have).
    logger.info(
        "webhook source saved",
        extra={"source": source, "scheme": saved.scheme, "secrets": saved.secretCount, "operator": operator},
    )
    return saved


@app.get("/webhooks/sources")
def get_all() -> SourcesPage:
    _, store, _ = _admin()
    return SourcesPage(items=list_sources(store))


@app.delete("/webhooks/sources/<source>")
def delete(source: SourceName) -> Response[Any]:
    _, store, operator = _admin()
    delete_source(store, source)
    logger.info("webhook source removed", extra={"source": source, "operator": operator})
    return Response(status_code=204, body="")


@app.exception_handler(SourceNotFoundError)  # type: ignore[untyped-decorator]
def _not_found(error: SourceNotFoundError) -> None:
    raise NotFoundError(f"source {str(error)[:64]} not found")


@app.exception_handler(InvalidSourceError)  # type: ignore[untyped-decorator]
def _invalid(error: InvalidSourceError) -> Response[Any]:
    return error_response(400, str(error))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
