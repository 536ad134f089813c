"""GET /counters?events=page view,click&hours=6&resolution=minute -> zero-filled series per event."""

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import DynamoCounterStore
from logic import parse_query, series
from models import CountersApiSettings, CountersResponse, InvalidQueryError

from stratus_shared.api import rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.counters import Resolution
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()


# The response model is declared for the OpenAPI document the web app's types are generated from.
@app.get(
    "/counters",
    responses={
        200: {
            "description": "One series per event",
            "content": {"application/json": {"model": CountersResponse}},
        }
    },
)
def get_counters(
    events: Annotated[str, Query(min_length=1, max_length=400)],
    hours: Annotated[int, Query()] = 24,
    resolution: Annotated[Resolution, Query()] = Resolution.HOUR,
) -> dict[str, Any]:
    query = parse_query(events, hours, resolution)
    settings = load_settings(CountersApiSettings)
    store = DynamoCounterStore(settings.minute_table_name, settings.hour_table_name)
    return series(query, store, datetime.now(UTC)).model_dump(by_alias=True, mode="json")


@app.exception_handler(InvalidQueryError)  # type: ignore[untyped-decorator]
def invalid_query(error: InvalidQueryError) -> None:
    raise BadRequestError(str(error))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
