"""Replica table stream -> Firehose: each new image flattened to one JSON line, 500 lines / 4 MiB a call."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import FirehoseSink
from logic import archive
from models import ArchiverSettings

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = load_settings(ArchiverSettings)
    sink = FirehoseSink(settings.delivery_stream_name, max_attempts=settings.max_put_attempts)
    result = archive(event.get("Records", []), sink)
    metrics.add_metric(name="ArchivedRecords", unit=MetricUnit.Count, value=result.delivered)
    if result.failed_sequence_numbers:
        metrics.add_metric(
            name="ArchiveFailures", unit=MetricUnit.Count, value=len(result.failed_sequence_numbers)
        )
    if result.oversized_sequence_numbers:
        metrics.add_metric(
            name="UnarchivableRecords", unit=MetricUnit.Count, value=len(result.oversized_sequence_numbers)
        )
        logger.error(
            "items too large for a Firehose record were not archived",
            sequence_numbers=result.oversized_sequence_numbers,
        )
    # Lambda resumes from the lowest failed record; lines after it may be archived twice (at least once).
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in result.failed_sequence_numbers]}
