"""Answering rules without I/O: standalone follow-ups, numbered sources, checked citations, memory budget,
and the extractive answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from stratus_shared.conversations import Message
from tests.unit.documents_chat.conftest import chat_module

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def answering() -> Any:
    return chat_module("answering")


def _turn(seq: int, question: str, answer: str, standalone: str | None = None) -> list[Message]:
    return [
        Message(
            conversation_id="c",
            seq=seq * 2,
            role="user",
            content=question,
            standalone_question=standalone,
            created_at=NOW,
        ),
        Message(conversation_id="c", seq=seq * 2 + 1, role="assistant", content=answer, created_at=NOW),
    ]


def _sources(answering: Any) -> list[Any]:
    return answering.number_sources(
        [
            ("doc-a", "guide.pdf", 2, "Refunds take 14 days. Contact support to start one."),
            ("doc-a", "guide.pdf", 5, "Shipping is free above 50 euros."),
            ("doc-b", "prices.pdf", 1, "The Aurora X200 costs 499 euros."),
        ]
    )


def test_a_follow_up_carries_the_previous_questions_subject(answering: Any) -> None:
    history = _turn(0, "How long does the Aurora X200 battery last?", "About 12 hours [1].")
    standalone = answering.heuristic_standalone("and what about its price?", history)
    assert "Aurora X200" in standalone
    assert standalone.startswith("and what about its price?")


def test_a_question_that_stands_alone_is_searched_as_asked(answering: Any) -> None:
    history = _turn(0, "How long does the Aurora X200 battery last?", "About 12 hours [1].")
    question = "How much does shipping cost to Norway?"
    assert not answering.depends_on_history(question)
    assert answering.heuristic_standalone(question, history) == question


def test_chained_follow_ups_keep_the_first_subject(answering: Any) -> None:
    history = _turn(0, "What is the warranty of the Borealis Z9?", "Two years [1].")
    history += _turn(1, "and its price?", "299 euros [1].", standalone="and its price? (about Borealis Z9)")
    assert "Borealis Z9" in answering.heuristic_standalone("does it come in blue?", history)


def test_the_prompt_numbers_every_source_with_its_document_and_page(answering: Any) -> None:
    system, messages = answering.answer_request("How long do refunds take?", [], _sources(answering))
    assert "[1] guide.pdf, page 2:\nRefunds take 14 days." in system
    assert "[3] prices.pdf, page 1:" in system
    assert messages == [{"role": "user", "content": [{"text": "How long do refunds take?"}]}]


def test_history_goes_into_the_prompt_as_alternating_messages(answering: Any) -> None:
    history = _turn(0, "Is shipping free?", "Above 50 euros [2].")
    _, messages = answering.answer_request("And refunds?", history, _sources(answering))
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]


def test_citations_come_from_source_numbers_and_an_unknown_number_is_never_cited(answering: Any) -> None:
    checked = answering.check_citations(
        "Refunds take 14 days [1][7], and cost nothing [1, 9].", _sources(answering)
    )
    assert [(c.document_id, c.page) for c in checked.citations] == [("doc-a", 2)]
    assert checked.dropped == [7, 9]
    assert "[7]" not in checked.text
    assert "9" not in checked.text
    assert checked.text.startswith("Refunds take 14 days [1]")


def test_an_answer_citing_nothing_has_no_citations(answering: Any) -> None:
    checked = answering.check_citations("The documents do not say.", _sources(answering))
    assert checked.citations == []


def test_citations_are_one_per_document_page(answering: Any) -> None:
    sources = answering.number_sources(
        [
            ("doc-a", "guide.pdf", 2, "First half."),
            ("doc-a", "guide.pdf", 2, "Second half."),
            ("doc-b", "x.pdf", 2, "Other."),
        ]
    )
    checked = answering.check_citations("A [1]. B [2]. C [3].", sources)
    assert [(c.document_id, c.page) for c in checked.citations] == [("doc-a", 2), ("doc-b", 2)]


def test_memory_keeps_the_latest_whole_turns_within_the_budget(answering: Any) -> None:
    history: list[Message] = []
    for i in range(10):
        history += _turn(i, f"question {i} " + "x" * 400, f"answer {i} " + "y" * 400)
    kept = answering.history_within_budget(history, budget_tokens=450)
    assert [m.content.split()[1] for m in kept] == ["8", "8", "9", "9"]
    assert answering.history_within_budget(history, budget_tokens=0) == []


def test_the_extractive_answer_quotes_the_best_sentence_with_its_page(answering: Any) -> None:
    text, citations = answering.extractive_answer("How long do refunds take?", _sources(answering))
    assert "“Refunds take 14 days.” (guide.pdf, page 2)" in text
    assert (citations[0].document_id, citations[0].page) == ("doc-a", 2)
    assert len(citations) == 3


def test_the_extractive_answer_says_so_when_nothing_was_found(answering: Any) -> None:
    text, citations = answering.extractive_answer("Anything?", [])
    assert citations == []
    assert text == answering.NOTHING_FOUND


def test_a_runaway_rewrite_falls_back_to_the_question(answering: Any) -> None:
    assert answering.clean_rewrite("", "and its price?") == "and its price?"
    assert answering.clean_rewrite("What is the price of the Aurora X200?\nExtra", "q") == (
        "What is the price of the Aurora X200?"
    )


def test_a_heading_is_quoted_with_the_sentence_after_it(answering: Any) -> None:
    text = "Aurora X200 price. The Aurora X200 costs 189 euros including VAT. Shipping is extra."
    assert answering.best_sentence(text, "What is the Aurora X200 price?") == (
        "Aurora X200 price. The Aurora X200 costs 189 euros including VAT."
    )
