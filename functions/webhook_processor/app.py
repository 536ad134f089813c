"""Inbound table stream (INSERTs of received webhooks) -> the inbound bus, in order per source."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import InboundAws
from logic import Processor
from models import ProcessorSettings

from stratus_shared import clock
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


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
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in outcome.failures[:1]]}
