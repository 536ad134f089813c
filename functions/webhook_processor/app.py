"""Inbound table stream (INSERTs of received webhooks) -> the inbound bus, in order per source.

The batch is worked through in order first (logic.py); Powertools' batch processor then reports the
outcome per record: the webhook a transient failure stopped at, and every one after it, come back, so
Lambda retries from exactly there. A webhook that failed for good is not reported: it is FAILED, on
the dead-letter queue, and blocks nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import InboundAws
from logic import Processor
from models import ProcessorSettings

from stratus_shared import clock
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

# A batch whose every record is retried is reported as such, not raised: the answer says where to resume.
batch = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


class RetryFromHereError(Exception):
    """This record, or one before it in its source's order, failed transiently: Lambda retries it."""


@cache
def _backend(settings: ProcessorSettings) -> InboundAws:
    return InboundAws(
        settings.table_name,
        settings.event_bus_name,
        settings.dead_letter_queue_url,
        settings.analytics_stream_name,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = load_settings(ProcessorSettings)
    processor = Processor(_backend(settings), max_attempts=settings.max_attempts, now=clock.now)
    outcome = processor.run(event.get("Records", []))
    logger.info(
        "inbound batch done",
        extra={
            "processed": outcome.processed,
            "failed": outcome.failed,
            "skipped": outcome.skipped,
            "retry_from": outcome.retry_from,
        },
    )
    retried = set(outcome.failures)

    def record_handler(record: DynamoDBRecord) -> None:
        if record.dynamodb is not None and record.dynamodb.sequence_number in retried:
            raise RetryFromHereError(str(outcome.retry_from))

    return process_partial_response(
        event=event, record_handler=record_handler, processor=batch, context=context
    )
