"""Step Functions task of the backfill workflow: one ListUsers page of one pool per invocation.

The state machine loops on `pagination_token` until the pool is done. Errors are named exceptions
(UnconfiguredPoolError, CognitoThrottledError, StoreUnavailableError, ValidationError) so the ASL can
Retry/Catch them by name.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import pool_users, record_table
from logic import backfill_page
from models import BackfillSettings, PageRequest

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PageRequest)
def handler(event: PageRequest, context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(BackfillSettings)
    result = backfill_page(event, pool_users(), record_table(settings.table_name), settings)
    metrics.add_metric(
        name="BackfillRecordsCreated", unit=MetricUnit.Count, value=result.created - event.created
    )
    logger.info(
        "backfill page done",
        pool_arn=result.pool_arn,
        pages=result.pages,
        records_created=result.created,  # `created` would clash with logging.LogRecord's own attribute
        records_existing=result.existing,
        more=result.pagination_token is not None,
    )
    return result.model_dump(mode="json")
