"""Expected outcomes of the chat function's event files (see tests/integration/event_cases.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.support.harness import StackHarness


def _answer(outcome: Outcome) -> tuple[int, Any]:
    assert outcome.error is None, outcome.error
    return int(outcome.result["statusCode"]), json.loads(outcome.result["body"] or "null")


def _listed(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert _answer(outcome) == (200, {"items": [], "nextToken": None})


def _unknown_document(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert (status, body["message"]) == (404, "document 0f8e3b7a-5c2d-4e1f-9b6a-7d3c2e1f0a9b not found")


def _unknown_conversation(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    status, body = _answer(outcome)
    assert (status, body["message"]) == (404, "conversation 5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d not found")


CASES: dict[tuple[str, str], EventCase] = {
    ("chat_api", "list_conversations"): EventCase(_listed),
    ("chat_api", "create_conversation_unknown_document"): EventCase(_unknown_document),
    ("chat_api", "ask_question"): EventCase(_unknown_conversation),
}
