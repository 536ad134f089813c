"""DynamoDB stream consumer: disable users whose inactivity record TTL has deleted.

The event source mapping passes only TTL REMOVE records (FilterCriteria), 25 at a time, one batch per
shard at a time, and this function has reserved concurrency 1; the rate limiter in `dal` keeps
AdminDisableUser under Cognito's 25 requests/s whatever the number of shards. Failed records are
reported as partial batch failures.
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import CognitoDirectory, audit_events, rate_limited_cognito
from logic import BatchDisabler
from models import DisablerSettings

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = load_settings(DisablerSettings)
    disabler = BatchDisabler(
        settings,
        CognitoDirectory(rate_limited_cognito(settings.disable_rate_per_second, settings.cognito_attempts)),
        audit_events(settings.event_bus_name),
        now=lambda: datetime.now(UTC),
        remaining_ms=context.get_remaining_time_in_millis,
    )
    return process_partial_response(
        event=event, record_handler=disabler.process, processor=processor, context=context
    )
