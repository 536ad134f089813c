"""EventBridge rule target: Stratus's own events (inactive users disabled) become webhook messages
for the operator tenant (WebhookOperatorTenantId)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import DynamoOutbox
from logic import relay
from models import RelaySettings

from stratus_shared import clock
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(RelaySettings)
    result = relay(event, settings, DynamoOutbox(settings.outbox_table_name), now=clock.now)
    logger.info(
        "event relayed to the webhook outbox",
        extra={"event_id": event.id, "message_id": result["messageId"], "new_message": result["created"]},
    )
    return result
