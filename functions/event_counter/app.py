"""Replica table stream -> per-minute and per-hour counters; a retried batch never counts twice."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import DynamoCounterSink
from logic import apply_batch
from models import CounterSettings

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    settings = load_settings(CounterSettings)
    sink = DynamoCounterSink(
        settings.minute_table_name,
        settings.hour_table_name,
        settings.batches_table_name,
        minute_retention_days=settings.minute_retention_days,
        marker_retention_days=settings.marker_retention_days,
    )
    committed, skipped, uncounted = apply_batch(
        event.get("Records", []), sink, settings.event_name_attribute, settings.timestamp_attribute
    )
    metrics.add_metric(name="CounterUpdates", unit=MetricUnit.Count, value=committed)
    if skipped:
        logger.info("batch already counted", skipped_updates=skipped)
    if uncounted:
        # Items without an event name or time are stored and archived, just not counted.
        metrics.add_metric(name="UncountedRecords", unit=MetricUnit.Count, value=uncounted)
    return {"committed": committed, "skipped": skipped, "uncounted": uncounted}
