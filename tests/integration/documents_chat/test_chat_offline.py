"""The chat API in offline mode on one deployed stack: conversations over READY documents, extractive
answers citing the right document and page, follow-ups, history, deletion, isolation and 200 turns."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from benchmarks.document_chat_eval import MEMBERSHIP, THERMOSTAT
from stratus_shared.conversations import Citation, ConversationStore, Message, conversation_item, message_item
from tests.integration.documents_chat.conftest import MISSING, OTHER, OWNER, PRODUCTS, Chat


def _pages(answer: dict[str, object]) -> list[tuple[str, int]]:
    return [(c["documentId"], c["page"]) for c in answer["citations"]]  # type: ignore[index, union-attr]


def test_a_conversation_is_created_over_ready_documents_and_listed(offline: Chat) -> None:
    document = offline.document(THERMOSTAT)
    conversation = offline.start(document)
    status, listed = offline.call("GET", "/conversations")
    assert status == 200
    [found] = [c for c in listed["items"] if c["conversationId"] == conversation]
    assert (found["documentIds"], found["title"], found["turns"]) == ([document], THERMOSTAT.name, 0)
    assert listed["items"][0]["conversationId"] == conversation  # the newest first


@pytest.mark.parametrize("body", [{}, {"documentIds": []}, {"documentIds": "x"}, {"documentIds": ["../etc"]}])
def test_a_conversation_without_valid_document_ids_is_a_400(offline: Chat, body: dict[str, object]) -> None:
    status, answer = offline.call("POST", "/conversations", body)
    assert status == 400, answer
    assert "documentIds" in answer["message"]


def test_an_unknown_or_another_users_document_is_a_404(offline: Chat) -> None:
    theirs = offline.document(THERMOSTAT, owner=OTHER)
    for document in (MISSING, theirs):
        status, answer = offline.call("POST", "/conversations", {"documentIds": [document]})
        assert (status, answer["message"]) == (404, f"document {document} not found")


def test_offline_answers_quote_the_page_and_call_no_model(offline: Chat) -> None:
    document = offline.document(THERMOSTAT)
    conversation = offline.start(document)
    status, answer = offline.ask(conversation, "How much does the Aurora X200 cost?")
    assert status == 200, answer
    assert answer["mode"] == "extractive"
    assert _pages(answer)[0] == (document, 8)
    assert "189 euros" in answer["answer"]
    assert "page 8" in answer["answer"]
    assert "189 euros" in answer["citations"][0]["snippet"]
    assert offline.bedrock.converse_requests == []


def test_a_two_document_conversation_cites_the_right_document(offline: Chat) -> None:
    thermostat, gym = offline.document(THERMOSTAT), offline.document(MEMBERSHIP)
    conversation = offline.start(thermostat, gym)
    _, about_gym = offline.ask(conversation, "How much written notice is needed to end the agreement?")
    _, about_thermostat = offline.ask(conversation, "Which wireless networks does the thermostat connect to?")
    assert _pages(about_gym)[0] == (gym, 4)
    assert _pages(about_thermostat)[0] == (thermostat, 5)


def test_a_follow_up_is_answered_from_the_previous_turns_subject(offline: Chat) -> None:
    document = offline.document(PRODUCTS)
    # Asked alone, "its price" is the price list's (page 3): the follow-up has to carry its subject.
    _, alone = offline.ask(offline.start(document), "and what about its price?")
    assert _pages(alone)[0] == (document, 3), alone
    conversation = offline.start(document)
    _, first = offline.ask(conversation, "How long does the Aurora X200 battery last?")
    status, follow_up = offline.ask(conversation, "and what about its price?")
    assert _pages(first)[0] == (document, 1)
    assert status == 200
    assert _pages(follow_up)[0] == (document, 2)
    assert "189 euros" in follow_up["answer"].splitlines()[1]


def test_history_lists_each_message_in_order_with_its_citations(offline: Chat) -> None:
    document = offline.document(THERMOSTAT)
    conversation = offline.start(document)
    offline.ask(conversation, "How much does the Aurora X200 cost?")
    offline.ask(conversation, "When do firmware updates install?")
    status, history = offline.call("GET", f"/conversations/{conversation}/messages")
    assert status == 200
    items = history["items"]
    assert [(m["role"], m["content"][:20]) for m in items][0::2] == [
        ("user", "How much does the Aur"[:20]),
        ("user", "When do firmware upda"[:20]),
    ]
    assert [m["role"] for m in items] == ["user", "assistant", "user", "assistant"]
    assert items[1]["citations"][0]["page"] == 8
    assert items[1]["mode"] == "extractive"


def test_deleting_a_conversation_removes_every_item_of_it(offline: Chat) -> None:
    document = offline.document(THERMOSTAT)
    kept, deleted = offline.start(document), offline.start(document)
    for conversation in (kept, deleted):
        offline.ask(conversation, "How much does the Aurora X200 cost?")
    status, _ = offline.call("DELETE", f"/conversations/{deleted}")
    assert status == 204
    table = offline.stack.output("ConversationsTableName")
    items = offline.stack.client("dynamodb").scan(TableName=table)["Items"]
    assert not [i for i in items if deleted in i["sk"]["S"]]
    assert len([i for i in items if kept in i["sk"]["S"]]) == 3
    assert offline.call("GET", f"/conversations/{deleted}/messages")[0] == 404
    assert offline.call("DELETE", f"/conversations/{deleted}")[0] == 404


def test_another_user_gets_404_on_every_route(offline: Chat) -> None:
    document = offline.document(THERMOSTAT)
    conversation = offline.start(document)
    offline.ask(conversation, "How much does the Aurora X200 cost?")
    routes = [
        ("GET", f"/conversations/{conversation}/messages", None),
        ("POST", f"/conversations/{conversation}/messages", {"question": "And the warranty?"}),
        ("DELETE", f"/conversations/{conversation}", None),
    ]
    for method, path, body in routes:
        status, answer = offline.call(method, path, body, owner=OTHER)
        assert (status, answer["message"]) == (404, f"conversation {conversation} not found"), path
    assert offline.call("POST", "/conversations", {"documentIds": [document]}, owner=OTHER)[0] == 404
    assert offline.call("GET", "/conversations", owner=OTHER)[1]["items"] == []
    assert len(offline.call("GET", f"/conversations/{conversation}/messages")[1]["items"]) == 2


def test_200_turns_keep_every_item_under_400_kb(offline: Chat) -> None:
    document = offline.document(THERMOSTAT)
    conversation_id = offline.start(document)
    dynamodb = offline.stack.client("dynamodb")
    table = offline.stack.output("ConversationsTableName")
    # 199 turns of the largest messages the API writes (a 2,000-character question; an answer of 8,000
    # characters, more than ChatMaxAnswerTokens allows, with six citations), as the store lays them out
    # (moto copies the whole table on every transaction, so they are batch-written here), then the 200th
    # through the API, which reads the history and writes its turn as usual.
    store = ConversationStore(table, dynamodb)
    conversation = store.get_conversation(OWNER, conversation_id)
    assert conversation is not None
    now = datetime.now(UTC)
    citation = Citation(document_id=document, page=8, snippet="s" * 240)
    seeded = [conversation_item(conversation.model_copy(update={"turns": 199}))]
    for turn in range(199):
        seeded.append(
            message_item(
                OWNER,
                Message(
                    conversation_id=conversation_id,
                    seq=2 * turn,
                    role="user",
                    content="q" * 2000,
                    created_at=now,
                ),
            )
        )
        seeded.append(
            message_item(
                OWNER,
                Message(
                    conversation_id=conversation_id,
                    seq=2 * turn + 1,
                    role="assistant",
                    content="a" * 8000,
                    citations=[citation] * 6,
                    mode="bedrock",
                    created_at=now,
                ),
            )
        )
    for start in range(0, len(seeded), 25):
        dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in seeded[start : start + 25]]}
        )
    status, answer = offline.ask(conversation_id, "How much does the Aurora X200 cost?")
    assert status == 200, answer
    scanned = [i for page in dynamodb.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
    items = [i for i in scanned if conversation_id in i["sk"]["S"]]
    assert len(items) == 401  # the conversation and 400 messages: one item per message
    largest = max(len(json.dumps(i)) for i in items)
    assert largest < 400 * 1024
    assert largest < 16 * 1024  # and nowhere near it: no item grows with the conversation
    _, history = offline.call("GET", f"/conversations/{conversation_id}/messages")
    assert len(history["items"]) == 400
    assert history["items"][-1]["citations"][0]["page"] == 8
    assert store.get_conversation(OWNER, conversation_id).turns == 200  # type: ignore[union-attr]


def test_deleting_a_document_deletes_the_conversations_about_it_alone(offline: Chat) -> None:
    from benchmarks.document_chat_eval import HANDBOOK, EvalDocument
    from tests.integration.documents.support import call as documents_call

    doomed = offline.document(EvalDocument("doomed.pdf", ("Doomed page. Lockers are emptied at 11 p.m.",)))
    kept = offline.document(HANDBOOK)
    alone, shared = offline.start(doomed), offline.start(doomed, kept)
    offline.ask(alone, "When are lockers emptied?")
    status, _ = documents_call(offline.stack, "DELETE", f"/documents/{doomed}")
    assert status == 204
    assert offline.call("GET", f"/conversations/{alone}/messages")[0] == 404
    table = offline.stack.output("ConversationsTableName")
    items = offline.stack.client("dynamodb").scan(TableName=table)["Items"]
    assert not [i for i in items if alone in i["sk"]["S"]]
    [remaining] = [
        c for c in offline.call("GET", "/conversations")[1]["items"] if c["conversationId"] == shared
    ]
    assert remaining["documentIds"] == [kept]
