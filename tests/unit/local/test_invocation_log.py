"""The line `make local` prints per invocation: the trigger from the event, the outcome from the result."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stratus_local.invocations import Invocation, InvocationLog, describe_outcome, describe_trigger

EVENTS = Path(__file__).resolve().parents[3] / "events"


def _event(path: str) -> object:
    return json.loads((EVENTS / path).read_text())


@pytest.mark.parametrize(
    ("path", "trigger"),
    [
        ("counters_api/get_counters.json", "GET /counters"),
        ("signin_recorder/post_authentication.json", "cognito PostAuthentication_Authentication"),
        ("stream_replicator/web_events.json", "kinesis"),
        ("user_disabler/ttl_expired.json", "dynamodb"),
    ],
)
def test_trigger_is_read_from_the_event_shape(path: str, trigger: str) -> None:
    assert describe_trigger(_event(path)).startswith(trigger)


def test_records_are_counted() -> None:
    assert describe_trigger({"Records": [{"eventSource": "aws:sqs"}] * 3}) == "sqs 3 records"
    assert describe_trigger({"Records": [{"EventSource": "aws:sns"}]}) == "sns 1 record"


def test_outcome_is_the_status_or_the_reported_failures() -> None:
    assert describe_outcome({"statusCode": 404, "body": "{}"}) == "404"
    assert describe_outcome({"batchItemFailures": [{"itemIdentifier": "1"}]}, 10) == "1 of 10 failed"
    assert describe_outcome({"batchItemFailures": []}) == "ok"
    assert describe_outcome(None) == "ok"


def test_an_error_names_its_type_and_message_on_one_line() -> None:
    out = io.StringIO()
    InvocationLog(out)(Invocation("BackfillUsersFunction", {}, 0.012, error=RuntimeError("no\npool")))

    line = out.getvalue()
    assert line.count("\n") == 1
    assert "BackfillUsersFunction" in line
    assert line.rstrip().endswith("12 ms  error: RuntimeError: no pool")
