"""Dead-lettered index requests and ingest invocations: each document named ends FAILED (INTERNAL).

This is what guarantees that nothing stays UPLOADED or PROCESSING when indexing keeps failing (a crash,
a timeout, an out-of-memory): the dead-letter queue always reaches a consumer that ends the document.
"""

from __future__ import annotations

from typing import Any

import logic
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from models import DeadLetterSettings

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> None:
    logic.handle(record.body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    load_settings(DeadLetterSettings)
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
