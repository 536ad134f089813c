"""Outbox stream consumer (INSERT records only): fan each message out to its tenant's endpoints.

The whole batch is fanned out first (a few batched calls, see logic.py); Powertools' batch processor
then reports each record's outcome, so a failed record is retried from its sequence number and a
malformed one is logged and skipped instead of blocking the shard.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import TaskQueue, WebhookStore
from logic import Dispatcher, Reporter
from models import DispatcherSettings

from stratus_shared import clock
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = load_settings(DispatcherSettings)
    dispatcher = Dispatcher(
        WebhookStore(settings.webhook_table_name, settings.outbox_table_name),
        TaskQueue(settings.delivery_queue_url),
        now=clock.now,
        concurrency=settings.concurrency,
    )
    reporter = Reporter(dispatcher.dispatch(event.get("Records", [])))

    def record_handler(record: DynamoDBRecord) -> str:
        return reporter.process(str(record.dynamodb.sequence_number if record.dynamodb else ""))

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
