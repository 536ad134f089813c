"""Settings, requests, answers and named errors of the chat API (the contract the web app uses)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stratus_shared.config import Settings
from stratus_shared.conversations import Citation

MAX_DOCUMENTS_PER_CONVERSATION = 20
MAX_QUESTION_CHARS = 2000
PASSAGES_PER_QUESTION = 6
# The last messages read for memory before the token budget trims them (10 turns).
HISTORY_MESSAGES = 20
_ID = r"^[A-Za-z0-9][A-Za-z0-9-]{0,127}$"


class ChatSettings(Settings):
    conversations_table: str = Field(alias="CONVERSATIONS_TABLE", min_length=3)
    mode: Literal["bedrock", "offline"] = Field(default="bedrock", alias="DOCUMENT_CHAT_MODE")
    bedrock_region: str = Field(default="", alias="BEDROCK_REGION")
    aws_region: str = Field(default="us-east-1", alias="AWS_REGION")
    chat_model_id: str = Field(
        default="us.anthropic.claude-3-5-haiku-20241022-v1:0", alias="CHAT_MODEL_ID", min_length=1
    )
    embedding_model_id: str = Field(default="amazon.titan-embed-text-v2:0", alias="EMBEDDING_MODEL_ID")
    embedding_dimensions: int = Field(default=1024, alias="EMBEDDING_DIMENSIONS")
    history_token_budget: int = Field(default=2000, alias="CHAT_HISTORY_TOKEN_BUDGET", ge=0, le=100_000)
    max_answer_tokens: int = Field(default=800, alias="CHAT_MAX_ANSWER_TOKENS", ge=64, le=8192)

    @property
    def region(self) -> str:
        """Where Bedrock is called: BedrockRegion, or the function's own region when it is empty."""
        return self.bedrock_region or self.aws_region


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateConversation(_Request):
    documentIds: list[str] = Field(min_length=1, max_length=MAX_DOCUMENTS_PER_CONVERSATION)

    @field_validator("documentIds")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        import re  # noqa: PLC0415 - only when a conversation is created

        for item in value:
            if not re.match(_ID, item):
                raise ValueError(f"{item[:40]!r} is not a document id")
        return list(dict.fromkeys(value))


class AskQuestion(_Request):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)


class Answer(BaseModel):
    """`POST /conversations/{conversationId}/messages`: the answer, its checked citations, and how it
    was made (`bedrock`: the chat model; `extractive`: quoted passages, offline mode)."""

    answer: str
    citations: list[Citation]
    mode: Literal["bedrock", "extractive"]


class ConversationOut(BaseModel):
    conversationId: str
    documentIds: list[str]
    title: str
    turns: int
    createdAt: datetime
    updatedAt: datetime


class ConversationCreated(ConversationOut):
    pass


class ConversationsPage(BaseModel):
    items: list[ConversationOut]
    nextToken: str | None = None


class MessageOut(BaseModel):
    messageId: str
    role: Literal["user", "assistant"]
    content: str
    citations: list[Citation] = Field(default_factory=list)
    mode: str | None = None
    standaloneQuestion: str | None = None
    createdAt: datetime


class MessagesPage(BaseModel):
    items: list[MessageOut]
    nextToken: str | None = None


class ConversationNotFoundError(Exception):
    """No such conversation for this caller (another user's is the same: 404)."""


class DocumentNotFoundError(Exception):
    """No such document for this caller (404)."""


class DocumentNotReadyError(Exception):
    """The document exists but is not READY (409)."""

    def __init__(self, document_id: str, status: str) -> None:
        super().__init__(document_id)
        self.document_id = document_id
        self.status = status


class BusyConversationError(Exception):
    """Another question in this conversation was answered at the same time (409, ask again)."""


class ModelUnavailableError(Exception):
    """Bedrock could not answer: access denied, throttled, timed out or down (503, with the reason)."""

    def __init__(
        self, reason: Literal["access", "throttled", "timeout", "unavailable", "config"], message: str
    ) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def retry_after_seconds(self) -> int | None:
        return {"throttled": 5, "timeout": 2, "unavailable": 10}.get(self.reason)
