"""Cognito PostAuthentication / PostConfirmation trigger: record the user's latest activity.

Returns the event unchanged, as Cognito requires. It never raises: a bad event or an unavailable table
is logged and counted, and the sign-in goes through.
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import record_table
from logic import record_activity
from models import CognitoActivity, RecorderSettings
from pydantic import ValidationError

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

INVALID_EVENT_METRIC = "SignInEventInvalid"


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(RecorderSettings)
    try:
        activity = CognitoActivity.from_event(event)
    except (ValidationError, ValueError) as exc:
        logger.error("unusable Cognito trigger event; sign-in let through", error=str(exc))
        metrics.add_metric(name=INVALID_EVENT_METRIC, unit=MetricUnit.Count, value=1)
        return event
    store = record_table(
        settings.table_name,
        attempts=settings.write_attempts,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    outcome = record_activity(activity, store, threshold_days=settings.threshold_days, now=datetime.now(UTC))
    logger.info("activity", outcome=outcome.value, user_pool_id=activity.user_pool_id, sub=activity.sub)
    return event
