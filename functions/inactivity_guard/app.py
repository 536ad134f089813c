"""Cognito PreAuthentication trigger (strict mode): refuse users whose inactivity record has expired.

Raising makes Cognito refuse the sign-in with "PreAuthentication failed with error <message>".
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import GuardLookups
from logic import check_sign_in
from models import GuardSettings, SignInAttempt
from pydantic import ValidationError

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(GuardSettings)
    try:
        attempt = SignInAttempt.from_event(event)
    except (ValidationError, ValueError) as exc:
        logger.error("unusable PreAuthentication event; sign-in let through", error=str(exc))
        metrics.add_metric(name="SignInEventInvalid", unit=MetricUnit.Count, value=1)
        return event
    lookups = GuardLookups.for_trigger(
        settings.table_name,
        attempts=settings.attempts,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    verdict = check_sign_in(attempt, lookups, exempt_group=settings.exempt_group_name, now=datetime.now(UTC))
    logger.info("sign-in allowed", verdict=verdict.value, sub=attempt.sub)
    return event
