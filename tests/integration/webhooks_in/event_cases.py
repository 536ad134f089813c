"""Expected outcomes of the webhooks-in functions' event files (see tests/integration/event_cases.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.integration.webhooks_in.conftest import dead_letters
from tests.support.harness import StackHarness


def _answer(outcome: Outcome) -> tuple[int, Any]:
    assert outcome.error is None, outcome.error
    return int(outcome.result["statusCode"]), json.loads(outcome.result["body"] or "null")


def _unknown_source(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    # Nobody registered acme-billing in this stack: 404, and nothing stored.
    assert _answer(outcome) == (404, {"statusCode": 404, "message": "unknown source"})
    assert (
        stack.client("s3").list_objects_v2(Bucket=stack.output("InboundWebhookBucketName"))["KeyCount"] == 0
    )


def _source_saved(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 200
    assert (body["source"], body["scheme"], body["secretCount"]) == ("acme-billing", "stripe", 1)
    assert "whsec_example_not_a_real_secret" not in json.dumps(body)


def _not_admin(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert status == 403
    assert body["message"] == "this route is for members of the stratus-admin group"


def _body_missing(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.result == {"batchItemFailures": []}  # failed for good, not retried: it blocks nobody
    [letter] = dead_letters(stack)
    assert letter["webhookId"] == "msg_2Kx9example"
    assert letter["reason"].endswith("is gone")


CASES: dict[tuple[str, str], EventCase] = {
    ("webhook_receiver", "standard_webhooks"): EventCase(check=_unknown_source),
    ("webhook_sources_api", "put_source"): EventCase(check=_source_saved),
    ("webhook_sources_api", "list_sources_not_admin"): EventCase(check=_not_admin),
    ("webhook_processor", "received_body_missing"): EventCase(check=_body_missing),
}
