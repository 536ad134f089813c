"""SQS index requests -> each document READY or FAILED (one message per batch; partial failures)."""

from __future__ import annotations

from typing import Any

import logic
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from models import MAX_RECEIVES, IndexerSettings, IndexRequest

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> None:
    request = IndexRequest.model_validate_json(record.body)
    receives = int(record.attributes.approximate_receive_count or "1")
    logic.index_document(load_settings(IndexerSettings), request, last_attempt=receives >= MAX_RECEIVES)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    load_settings(IndexerSettings)
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
