"""S3 ObjectCreated under ugc/ -> the document's pages, size and title -> UPLOADED -> the index queue.

Files that cannot be indexed (too large, not a PDF, encrypted, no pages) end FAILED here with their
reason; an invocation that raises is retried twice by Lambda and then lands in the dead-letter queue,
whose consumer ends the document FAILED.
"""

from __future__ import annotations

from typing import Any

import logic
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import S3Model
from aws_lambda_powertools.utilities.typing import LambdaContext
from models import IngestSettings

from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=S3Model)
def handler(event: S3Model, context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(IngestSettings)
    outcomes = [logic.ingest(settings, bucket, key, version) for bucket, key, version in logic.records(event)]
    return {"outcomes": outcomes}
