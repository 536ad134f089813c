"""Delivery queue consumer: each SQS record is one delivery (message -> endpoint).

The batch is delivered first (concurrently, see logic.py); Powertools' batch processor then reports
the outcome of each record, so only a record whose attempt could not be recorded or whose retry could
not be queued comes back from SQS. A failed delivery itself is not a failed record: its retry is
queued (or scheduled) and the record is done.
"""

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import OperationalEvents, Retries, WebhookStore, secret_keys
from logic import Sender
from models import SenderSettings
from transport import post

from stratus_shared import clock
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


class DeliveryNotRecordedError(Exception):
    """The attempt's record or its retry could not be written: SQS delivers the task again."""


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = load_settings(SenderSettings)
    sender = Sender(
        settings,
        store=WebhookStore(settings.webhook_table_name, settings.outbox_table_name),
        retries=Retries(
            settings.delivery_queue_url,
            settings.delivery_queue_arn,
            group=settings.schedule_group_name,
            role_arn=settings.scheduler_role_arn,
        ),
        keys=secret_keys,
        events=OperationalEvents(settings.event_bus_name),
        post=partial(
            post,
            allow_loopback=settings.allow_loopback_targets,
            timeout=settings.request_timeout_seconds,
            max_read=settings.max_response_bytes,
        ),
        now=clock.now,
    )
    outcomes = sender.deliver(event.get("Records", []))

    def record_handler(record: SQSRecord) -> str:
        problem = outcomes.get(record.message_id)
        if problem:
            raise DeliveryNotRecordedError(problem)
        return "done"

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
