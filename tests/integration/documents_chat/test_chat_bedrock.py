"""The chat API in Bedrock mode (through the Bedrock stand-in): numbered sources, checked citations,
follow-ups rewritten by the model, and a clear 503 for every Bedrock failure."""

from __future__ import annotations

import pytest

from benchmarks.document_chat_eval import HANDBOOK
from tests.integration.documents_chat.conftest import PRODUCTS, Chat


def _pages(answer: dict[str, object]) -> list[tuple[str, int]]:
    return [(c["documentId"], c["page"]) for c in answer["citations"]]  # type: ignore[index, union-attr]


def test_a_number_that_was_not_a_source_is_never_cited(bedrock_chat: Chat) -> None:
    document = bedrock_chat.document(HANDBOOK)
    conversation = bedrock_chat.start(document)
    bedrock_chat.bedrock.reply("27 days [1], see also [99] and [0].")
    _, answer = bedrock_chat.ask(
        conversation, "How many days of annual leave do full-time employees receive?"
    )
    sources = bedrock_chat.bedrock.converse_requests[-1].system_text
    assert _pages(answer) == [(document, 3)]
    assert f"[1] {HANDBOOK.name}, page 3:" in sources
    assert "[99]" not in answer["answer"]
    assert "[0]" not in answer["answer"]


def test_a_bedrock_follow_up_is_rewritten_from_the_history_before_retrieval(bedrock_chat: Chat) -> None:
    document = bedrock_chat.document(PRODUCTS)
    conversation = bedrock_chat.start(document)
    bedrock_chat.bedrock.reply("About 14 months [1].")
    bedrock_chat.ask(conversation, "How long does the Aurora X200 battery last?")
    bedrock_chat.bedrock.reply("What is the price of the Aurora X200?", "It costs 189 euros [1].")
    status, answer = bedrock_chat.ask(conversation, "and what about its price?")
    rewrite, final = bedrock_chat.bedrock.converse_requests[-2:]
    assert status == 200, answer
    assert "How long does the Aurora X200 battery last?" in rewrite.last_user_text
    assert "and what about its price?" in rewrite.last_user_text
    assert f"[1] {PRODUCTS.name}, page 2:" in final.system_text
    assert [m["role"] for m in final.messages] == ["user", "assistant", "user"]
    assert _pages(answer) == [(document, 2)]


@pytest.mark.parametrize("operation", ["InvokeModel", "Converse"])  # the question's embedding, the answer
@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("AccessDeniedException", "no access to the model"),
        ("ThrottlingException", "busy"),
        ("ModelTimeoutException", "did not answer in time"),
        ("ReadTimeout", "did not answer in time"),
        ("ServiceUnavailableException", "unavailable"),
    ],
)
def test_bedrock_failures_are_a_clear_503(bedrock_chat: Chat, operation: str, error: str, words: str) -> None:
    document = bedrock_chat.document(HANDBOOK)
    conversation = bedrock_chat.start(document)
    bedrock_chat.bedrock.fail_always(error, operation)
    status, answer = bedrock_chat.ask(conversation, "What are the core hours?")
    bedrock_chat.bedrock.fail_always(None)
    assert status == 503, answer
    assert words in answer["message"]
    assert bedrock_chat.bedrock.requests[-1].operation == operation
    _, history = bedrock_chat.call("GET", f"/conversations/{conversation}/messages")
    assert history["items"] == []
