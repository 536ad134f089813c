"""Kinesis -> replica table: decode, key as the source design does, write 25 items a call.

Poison records go to the poison queue and never fail the batch; items DynamoDB still leaves
unprocessed after bounded retries are reported as partial batch failures so Lambda retries from there.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import DynamoReplicaSink, table_client
from logic import replicate
from models import ReplicatorSettings

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = load_settings(ReplicatorSettings)
    sink = DynamoReplicaSink(
        table_name=settings.target_table_name,
        poison_queue_url=settings.poison_queue_url,
        dynamodb=table_client(settings.target_role_arn, settings.target_external_id),
        max_attempts=settings.max_write_attempts,
    )
    records = event.get("Records", [])
    result = replicate(records, sink)
    metrics.add_metric(name="ReplicatedRecords", unit=MetricUnit.Count, value=result.written)
    metrics.add_metric(name="PoisonRecords", unit=MetricUnit.Count, value=len(result.poisoned))
    for poison in result.poisoned:
        logger.warning("record dead-lettered", sequence_number=poison.sequence_number, reason=poison.reason)
    # Kinesis resumes from the lowest reported sequence number; rewriting later items is harmless (same keys).
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in result.failed_sequence_numbers]}
