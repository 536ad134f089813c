"""ConversationsTable: the one data-access module for conversations and their messages.

Layout (partition key `ownerId` = the caller's `sub`, sort key `sk`):
- `CONV#<conversationId>`: the conversation (its documents, title, number of turns, times);
- `MSG#<conversationId>#<seq:06d>`: one message each, the user's question (even seq) and the answer
  (odd seq) of every turn. A conversation never grows one item: a turn adds two small ones, so a
  200-turn conversation is 401 items of a few kilobytes each, far under DynamoDB's 400 KB item limit.

Everything is keyed by the owner first, so no query can reach another user's conversation. The chat
function uses all of it; the documents function calls `delete_conversations_citing_only` when a
document is deleted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from stratus_shared import aws

CONVERSATION_PREFIX = "CONV#"
MESSAGE_PREFIX = "MSG#"
_SERIALIZE = TypeSerializer().serialize
_DESERIALIZE = TypeDeserializer().deserialize
_BATCH_WRITE_LIMIT = 25
_BATCH_ATTEMPTS = 5


class ConversationChangedError(Exception):
    """The conversation got another turn (or was deleted) while this one was being answered."""


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class Citation(_Model):
    document_id: str = Field(alias="documentId")
    page: int = Field(ge=1)
    snippet: str


class Conversation(_Model):
    owner_id: str = Field(alias="ownerId", exclude=True)
    conversation_id: str = Field(alias="conversationId")
    document_ids: list[str] = Field(alias="documentIds")
    title: str
    turns: int = 0
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")


class Message(_Model):
    conversation_id: str = Field(alias="conversationId", exclude=True)
    seq: int = Field(ge=0, exclude=True)
    role: Literal["user", "assistant"]
    content: str
    citations: list[Citation] = Field(default_factory=list)
    mode: str | None = None
    # The user's question rewritten to stand alone (what retrieval searched for), when it differed.
    standalone_question: str | None = Field(default=None, alias="standaloneQuestion")
    created_at: datetime = Field(alias="createdAt")

    @property
    def message_id(self) -> str:
        return f"{self.seq:06d}"


def conversation_sk(conversation_id: str) -> str:
    return f"{CONVERSATION_PREFIX}{conversation_id}"


def message_sk(conversation_id: str, seq: int) -> str:
    return f"{MESSAGE_PREFIX}{conversation_id}#{seq:06d}"


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZE(v) for k, v in values.items() if v is not None}


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _python(_DESERIALIZE(v)) for k, v in item.items()}


def _python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_python(v) for v in value]
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    return value


def conversation_item(conversation: Conversation) -> dict[str, Any]:
    values = conversation.model_dump(by_alias=True, mode="json")
    return to_item(
        {"ownerId": conversation.owner_id, "sk": conversation_sk(conversation.conversation_id), **values}
    )


def message_item(owner_id: str, message: Message) -> dict[str, Any]:
    values = message.model_dump(by_alias=True, mode="json", exclude_none=True)
    return to_item(
        {
            "ownerId": owner_id,
            "sk": message_sk(message.conversation_id, message.seq),
            "conversationId": message.conversation_id,
            "seq": message.seq,
            **values,
        }
    )


def _conversation(item: dict[str, Any]) -> Conversation:
    return Conversation.model_validate(plain(item))


def _message(item: dict[str, Any]) -> Message:
    return Message.model_validate(plain(item))


class ConversationStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = table_name
        self.dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")

    # ---- conversations ----------------------------------------------------------------------------
    def put_conversation(self, conversation: Conversation) -> None:
        """Create it (never overwrites an existing one)."""
        self.dynamodb.put_item(
            TableName=self.table,
            Item=conversation_item(conversation),
            ConditionExpression="attribute_not_exists(sk)",
        )

    def get_conversation(self, owner_id: str, conversation_id: str) -> Conversation | None:
        found = self.dynamodb.get_item(
            TableName=self.table,
            Key=to_item({"ownerId": owner_id, "sk": conversation_sk(conversation_id)}),
            ConsistentRead=True,
        ).get("Item")
        return _conversation(found) if found else None

    def list_conversations(self, owner_id: str) -> list[Conversation]:
        """The owner's conversations, most recently active first."""
        items = self._query(owner_id, CONVERSATION_PREFIX)
        return sorted((_conversation(i) for i in items), key=lambda c: c.updated_at, reverse=True)

    def delete_conversation(self, owner_id: str, conversation_id: str) -> bool:
        """Delete the conversation and every message of it; False when it did not exist."""
        try:
            self.dynamodb.delete_item(
                TableName=self.table,
                Key=to_item({"ownerId": owner_id, "sk": conversation_sk(conversation_id)}),
                ConditionExpression="attribute_exists(sk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        keys = [
            {"ownerId": i["ownerId"], "sk": i["sk"]}
            for i in self._query(owner_id, f"{MESSAGE_PREFIX}{conversation_id}#", keys_only=True)
        ]
        self._delete_keys(keys)
        return True

    def delete_conversations_citing_only(self, owner_id: str, document_id: str) -> int:
        """When a document goes: delete the owner's conversations about that document alone, and take
        it out of the others' document lists. Returns how many conversations were deleted."""
        deleted = 0
        for conversation in self.list_conversations(owner_id):
            if document_id not in conversation.document_ids:
                continue
            remaining = [d for d in conversation.document_ids if d != document_id]
            if not remaining:
                deleted += int(self.delete_conversation(owner_id, conversation.conversation_id))
                continue
            self.dynamodb.update_item(
                TableName=self.table,
                Key=to_item({"ownerId": owner_id, "sk": conversation_sk(conversation.conversation_id)}),
                UpdateExpression="SET documentIds = :remaining",
                ConditionExpression="attribute_exists(sk)",
                ExpressionAttributeValues={":remaining": _SERIALIZE(remaining)},
            )
        return deleted

    # ---- messages ---------------------------------------------------------------------------------
    def messages(self, owner_id: str, conversation_id: str) -> list[Message]:
        """Every message, oldest first."""
        return [_message(i) for i in self._query(owner_id, f"{MESSAGE_PREFIX}{conversation_id}#")]

    def recent_messages(self, owner_id: str, conversation_id: str, limit: int) -> list[Message]:
        """The last `limit` messages, oldest first (one query, newest first, reversed)."""
        if limit <= 0:
            return []
        answer = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="ownerId = :owner AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item(
                {":owner": owner_id, ":prefix": f"{MESSAGE_PREFIX}{conversation_id}#"}
            ),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [_message(i) for i in reversed(answer.get("Items", []))]

    def append_turn(
        self, conversation: Conversation, question: Message, answer: Message, now: datetime
    ) -> None:
        """Write a turn's two messages and count it, all or nothing; ConversationChangedError when the
        conversation moved on (another turn, or deleted) since it was read."""
        try:
            self.dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": to_item(
                                {
                                    "ownerId": conversation.owner_id,
                                    "sk": conversation_sk(conversation.conversation_id),
                                }
                            ),
                            "UpdateExpression": "SET turns = :next, updatedAt = :now",
                            "ConditionExpression": "turns = :turns",
                            "ExpressionAttributeValues": to_item(
                                {
                                    ":turns": conversation.turns,
                                    ":next": conversation.turns + 1,
                                    ":now": now.isoformat(),
                                }
                            ),
                        }
                    },
                    *(
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": message_item(conversation.owner_id, message),
                                "ConditionExpression": "attribute_not_exists(sk)",
                            }
                        }
                        for message in (question, answer)
                    ),
                ]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise ConversationChangedError(conversation.conversation_id) from exc
            raise

    # ---- helpers ----------------------------------------------------------------------------------
    def _query(self, owner_id: str, prefix: str, *, keys_only: bool = False) -> Iterator[dict[str, Any]]:
        extra: dict[str, Any] = {"ProjectionExpression": "ownerId, sk"} if keys_only else {}
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="ownerId = :owner AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":owner": owner_id, ":prefix": prefix}),
            ConsistentRead=True,
            **extra,
        )
        for page in pages:
            yield from page.get("Items", [])

    def _delete_keys(self, keys: list[dict[str, Any]]) -> None:
        for start in range(0, len(keys), _BATCH_WRITE_LIMIT):
            requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH_WRITE_LIMIT]]
            for attempt in range(_BATCH_ATTEMPTS):
                answer = self.dynamodb.batch_write_item(RequestItems={self.table: requests})
                requests = answer.get("UnprocessedItems", {}).get(self.table, [])
                if not requests:
                    break
                time.sleep(aws.full_jitter(attempt, base=0.05, cap=1.0))
            if requests:
                raise RuntimeError(f"{len(requests)} messages were not deleted from {self.table}")


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
