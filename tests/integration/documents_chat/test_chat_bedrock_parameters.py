"""The chat API with other parameters: the configured model and region reach Bedrock; memory follows
ChatHistoryTokenBudget."""

from __future__ import annotations

from benchmarks.document_chat_eval import HANDBOOK


def _pages(answer: dict[str, object]) -> list[tuple[str, int]]:
    return [(c["documentId"], c["page"]) for c in answer["citations"]]  # type: ignore[index, union-attr]


def test_bedrock_requests_carry_the_model_region_and_numbered_sources(chat_factory: object) -> None:
    chat = chat_factory(  # type: ignore[operator]
        DocumentChatMode="bedrock",
        BedrockRegion="eu-west-3",
        ChatModelId="eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
    )
    document = chat.document(HANDBOOK)
    conversation = chat.start(document)
    chat.bedrock.reply("Full-time employees receive 27 days [1].")
    status, answer = chat.ask(conversation, "How many days of annual leave do full-time employees receive?")
    assert status == 200, answer
    sent = chat.bedrock.converse_requests[-1]
    assert (sent.model_id, sent.region) == ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "eu-west-3")
    assert f"[1] {HANDBOOK.name}, page 3:" in sent.system_text
    assert "[2] " in sent.system_text
    assert answer == {
        "answer": "Full-time employees receive 27 days [1].",
        "citations": [{"documentId": document, "page": 3, "snippet": answer["citations"][0]["snippet"]}],
        "mode": "bedrock",
    }


def test_memory_is_the_last_turns_within_the_token_budget(chat_factory: object) -> None:
    chat = chat_factory(DocumentChatMode="bedrock", ChatHistoryTokenBudget="60")  # type: ignore[operator]
    document = chat.document(HANDBOOK)
    conversation = chat.start(document)
    for question in ("What are the core hours?", "What is the hotel limit per night in London?"):
        chat.bedrock.reply("x" * 100 + " [1]")
        chat.ask(conversation, question)
    chat.bedrock.reply("Within 60 days [1].")
    chat.ask(conversation, "Within how many days must expense claims be submitted?")
    remembered = [m["content"][0]["text"] for m in chat.bedrock.converse_requests[-1].messages]
    # 60 tokens hold one turn of these (question + 100-character answer), the latest.
    assert remembered[0] == "What is the hotel limit per night in London?"
    assert len(remembered) == 3
