"""The chat REST API: conversations over the caller's documents and answers with page citations."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import BedrockChat, SharedDocuments, SharedRetriever
from logic import ChatService
from models import (
    Answer,
    AskQuestion,
    BusyConversationError,
    ChatSettings,
    ConversationCreated,
    ConversationNotFoundError,
    ConversationOut,
    ConversationsPage,
    CreateConversation,
    DocumentNotFoundError,
    DocumentNotReadyError,
    MessageOut,
    MessagesPage,
    ModelUnavailableError,
)

from stratus_shared import clock
from stratus_shared.api import ConflictError, caller, error_response, rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.conversations import Conversation, ConversationStore
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()
# API Gateway ends a REST integration after 29 s: answer (503 at worst) before it does.
API_DEADLINE_SECONDS = 27.0
_context: dict[str, LambdaContext | None] = {"current": None}


def _remaining_seconds() -> float:
    context = _context["current"]
    if context is None:
        return API_DEADLINE_SECONDS
    return min(API_DEADLINE_SECONDS, context.get_remaining_time_in_millis() / 1000)


def service() -> ChatService:
    settings = load_settings(ChatSettings)
    return ChatService(
        settings,
        store=ConversationStore(settings.conversations_table),
        documents=SharedDocuments(),
        retriever=SharedRetriever(
            settings.mode, settings.embedding_model_id, settings.embedding_dimensions, settings.region
        ),
        model=BedrockChat(settings.chat_model_id, settings.region),
        now=clock.now,
        remaining_seconds=_remaining_seconds,
    )


def owner() -> str:
    return caller(app).sub


def _conversation(conversation: Conversation) -> ConversationOut:
    return ConversationOut.model_validate(conversation.model_dump(by_alias=True))


@app.post("/conversations")
def create_conversation(request: Annotated[CreateConversation, Body()]) -> Response[ConversationCreated]:
    conversation = service().create(owner(), request.documentIds)
    created = ConversationCreated.model_validate(conversation.model_dump(by_alias=True))
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)


@app.get("/conversations")
def list_conversations() -> ConversationsPage:
    return ConversationsPage(items=[_conversation(c) for c in service().list_conversations(owner())])


@app.get("/conversations/<conversationId>/messages")
def list_messages(conversationId: str) -> MessagesPage:
    messages = service().messages(owner(), conversationId)
    return MessagesPage(
        items=[
            MessageOut.model_validate({"messageId": m.message_id, **m.model_dump(by_alias=True)})
            for m in messages
        ]
    )


@app.delete("/conversations/<conversationId>")
def delete_conversation(conversationId: str) -> Response[Any]:
    service().delete(owner(), conversationId)
    return Response(status_code=204, body="")


@app.post("/conversations/<conversationId>/messages")
def ask(conversationId: str, request: Annotated[AskQuestion, Body()]) -> Answer:
    return service().ask(owner(), conversationId, request.question)


# ---- errors ------------------------------------------------------------------------------------
@app.exception_handler(ConversationNotFoundError)  # type: ignore[untyped-decorator]
def _no_conversation(error: ConversationNotFoundError) -> None:
    raise NotFoundError(f"conversation {error} not found")


@app.exception_handler(DocumentNotFoundError)  # type: ignore[untyped-decorator]
def _no_document(error: DocumentNotFoundError) -> None:
    raise NotFoundError(f"document {error} not found")


@app.exception_handler(DocumentNotReadyError)  # type: ignore[untyped-decorator]
def _not_ready(error: DocumentNotReadyError) -> None:
    raise ConflictError(
        f"document {error.document_id} is {error.status}; a conversation needs READY documents"
    )


@app.exception_handler(BusyConversationError)  # type: ignore[untyped-decorator]
def _busy(error: BusyConversationError) -> None:
    raise ConflictError("another question in this conversation was answered at the same time; ask again")


@app.exception_handler(ModelUnavailableError)  # type: ignore[untyped-decorator]
def _model_unavailable(error: ModelUnavailableError) -> Response[Any]:
    metrics.add_metric(name="ChatModelUnavailable", unit="Count", value=1)
    retry = error.retry_after_seconds
    return error_response(503, str(error), {"Retry-After": str(retry)} if retry else None)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _context["current"] = context
    try:
        return app.resolve(event, context)
    finally:
        _context["current"] = None
