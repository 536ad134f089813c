"""The chat service: conversations over the caller's READY documents, and answers to questions in them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import answering
from dal import ChatModel, Documents, Retriever
from models import (
    HISTORY_MESSAGES,
    PASSAGES_PER_QUESTION,
    Answer,
    BusyConversationError,
    ChatSettings,
    ConversationNotFoundError,
    DocumentNotFoundError,
    DocumentNotReadyError,
    ModelUnavailableError,
)

from stratus_shared.conversations import (
    Conversation,
    ConversationChangedError,
    ConversationStore,
    Message,
)
from stratus_shared.observability import logger, metrics

TITLE_CHARS = 120
# Seconds kept back from the deadline for writing the turn and answering API Gateway.
DEADLINE_MARGIN_SECONDS = 1.5
REWRITE_TIMEOUT_SECONDS = 5.0
EMBED_TIMEOUT_SECONDS = 5.0


@dataclass
class ChatService:
    settings: ChatSettings
    store: ConversationStore
    documents: Documents
    retriever: Retriever
    model: ChatModel
    now: Callable[[], datetime]
    # Seconds this request may still take (the Lambda context's remaining time, capped below API
    # Gateway's 29 s integration timeout).
    remaining_seconds: Callable[[], float] = lambda: 25.0

    # ---- conversations --------------------------------------------------------------------------------
    def create(self, owner_id: str, document_ids: list[str]) -> Conversation:
        names = []
        for document_id in document_ids:
            document = self.documents.get(owner_id, document_id)
            if document is None:
                raise DocumentNotFoundError(document_id)
            if str(document.status) != "READY":
                raise DocumentNotReadyError(document_id, str(document.status))
            names.append(document.name)
        title = ", ".join(names)
        now = self.now()
        conversation = Conversation(
            owner_id=owner_id,
            conversation_id=str(uuid.uuid4()),
            document_ids=document_ids,
            title=title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…",
            turns=0,
            created_at=now,
            updated_at=now,
        )
        self.store.put_conversation(conversation)
        logger.info(
            "conversation created", conversation_id=conversation.conversation_id, documents=len(document_ids)
        )
        return conversation

    def conversation(self, owner_id: str, conversation_id: str) -> Conversation:
        found = self.store.get_conversation(owner_id, conversation_id)
        if found is None:
            raise ConversationNotFoundError(conversation_id)
        return found

    def list_conversations(self, owner_id: str) -> list[Conversation]:
        return self.store.list_conversations(owner_id)

    def messages(self, owner_id: str, conversation_id: str) -> list[Message]:
        self.conversation(owner_id, conversation_id)
        return self.store.messages(owner_id, conversation_id)

    def delete(self, owner_id: str, conversation_id: str) -> None:
        if not self.store.delete_conversation(owner_id, conversation_id):
            raise ConversationNotFoundError(conversation_id)

    # ---- answering --------------------------------------------------------------------------------------
    def ask(self, owner_id: str, conversation_id: str, question: str) -> Answer:
        conversation = self.conversation(owner_id, conversation_id)
        recent = self.store.recent_messages(owner_id, conversation_id, HISTORY_MESSAGES)
        history = answering.history_within_budget(recent, self.settings.history_token_budget)
        standalone = self._standalone(question, history)
        passages = self.retriever.search(
            owner_id,
            conversation.document_ids,
            standalone,
            PASSAGES_PER_QUESTION,
            min(EMBED_TIMEOUT_SECONDS, self._time_left("retrieval") / 3),
        )
        names = self._names(owner_id, {p.document_id for p in passages})
        sources = answering.number_sources(
            [(p.document_id, names.get(p.document_id, "document"), p.page, p.text) for p in passages]
        )
        if self.settings.mode == "offline":
            text, citations = answering.extractive_answer(standalone, sources)
            answer = Answer(answer=text, citations=citations, mode="extractive")
        elif not sources:
            answer = Answer(answer=answering.NOTHING_FOUND, citations=[], mode="bedrock")
        else:
            system, messages = answering.answer_request(question, history, sources)
            reply = self.model.converse(
                system, messages, self.settings.max_answer_tokens, self._time_left("answer")
            )
            checked = answering.check_citations(reply, sources)
            if checked.dropped:
                logger.warning("model cited numbers that were not sources", dropped=checked.dropped)
                metrics.add_metric(name="ChatCitationsDropped", unit="Count", value=len(checked.dropped))
            answer = Answer(
                answer=checked.text or answering.NOTHING_FOUND, citations=checked.citations, mode="bedrock"
            )
        self._remember(conversation, question, standalone, answer)
        metrics.add_metric(name="ChatAnswers", unit="Count", value=1)
        return answer

    def _standalone(self, question: str, history: list[Message]) -> str:
        if not history or not answering.depends_on_history(question):
            return question
        if self.settings.mode == "offline":
            return answering.heuristic_standalone(question, history)
        system, messages = answering.rewrite_request(question, history)
        timeout = min(REWRITE_TIMEOUT_SECONDS, self._time_left("rewrite") / 3)
        reply = self.model.converse(system, messages, 200, timeout)
        return answering.clean_rewrite(reply, question)

    def _time_left(self, step: str) -> float:
        left = self.remaining_seconds() - DEADLINE_MARGIN_SECONDS
        if left < 1:
            raise ModelUnavailableError("timeout", f"No time was left to ask the model ({step}); try again.")
        return left

    def _names(self, owner_id: str, document_ids: set[str]) -> dict[str, str]:
        names = {}
        for document_id in document_ids:
            document = self.documents.get(owner_id, document_id)
            if document is not None:
                names[document_id] = document.name
        return names

    def _remember(self, conversation: Conversation, question: str, standalone: str, answer: Answer) -> None:
        now = self.now()
        seq = conversation.turns * 2
        asked = Message(
            conversation_id=conversation.conversation_id,
            seq=seq,
            role="user",
            content=question,
            standalone_question=standalone if standalone != question else None,
            created_at=now,
        )
        answered = Message(
            conversation_id=conversation.conversation_id,
            seq=seq + 1,
            role="assistant",
            content=answer.answer,
            citations=answer.citations,
            mode=answer.mode,
            created_at=now,
        )
        try:
            self.store.append_turn(conversation, asked, answered, now)
        except ConversationChangedError as exc:
            raise BusyConversationError(conversation.conversation_id) from exc
