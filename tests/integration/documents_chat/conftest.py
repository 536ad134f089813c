"""Chat fixtures over the `stack_factory` harness: API events for a user, READY documents made by the
real ingestion pipeline from generated PDFs, and the Bedrock stand-in."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from benchmarks.document_chat_eval import EvalDocument
from tests.support.bedrock_standin import BedrockStandIn, bedrock_standin
from tests.support.harness import StackHarness, deployed_stack, load_event

API = "ChatApiFunction"
OWNER = "6c1f8a2e-0b7d-4e39-9a51-3d2c1b0a9f87"  # the sub of the events/chat_api files
OTHER = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
MISSING = "0f8e3b7a-5c2d-4e1f-9b6a-7d3c2e1f0a9b"
# Two products on three pages: asked alone, "its price" is the price list's (page 3); after a question
# about the Aurora X200 it is the Aurora's (page 2).
PRODUCTS = EvalDocument(
    "products.pdf",
    (
        "Aurora X200 battery. The Aurora X200 runs for 14 months on one pair of AA batteries.",
        "Aurora X200 price. The Aurora X200 costs 189 euros including VAT.",
        "Price list. What about its price? Its price is 249 euros for the Borealis Z9. Every price includes "
        "VAT. Price changes are announced.",
    ),
)


def chat_event(method: str, path: str, body: Any = None, *, owner: str = OWNER) -> dict[str, Any]:
    """An API Gateway proxy event for `owner`, shaped like events/chat_api/*.json."""
    resource, parameters = _route(path)
    event = copy.deepcopy(load_event("chat_api", "list_conversations"))
    event.update(httpMethod=method, path=path, resource=resource, pathParameters=parameters)
    event["body"] = json.dumps(body) if body is not None else None
    context = event["requestContext"]
    context.update(httpMethod=method, resourcePath=resource, path="/v1" + path)
    context["authorizer"]["claims"] = {
        **context["authorizer"]["claims"],
        "sub": owner,
        "cognito:username": owner,
    }
    return event


def _route(path: str) -> tuple[str, dict[str, str] | None]:
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "conversations":
        return "/" + "/".join(["conversations", "{conversationId}", *parts[2:]]), {"conversationId": parts[1]}
    return path, None


@dataclass
class Chat:
    """The chat API of one deployed stack, called as API Gateway would."""

    stack: StackHarness
    bedrock: BedrockStandIn
    _documents: dict[tuple[str, str], str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, *, owner: str = OWNER) -> tuple[int, Any]:
        result = self.stack.function(API).invoke(chat_event(method, path, body, owner=owner))
        text = result.get("body") or ""
        return int(result["statusCode"]), (json.loads(text) if text else None)

    def start(self, *document_ids: str, owner: str = OWNER) -> str:
        status, body = self.call("POST", "/conversations", {"documentIds": list(document_ids)}, owner=owner)
        assert status == 201, body
        return str(body["conversationId"])

    def ask(self, conversation_id: str, question: str, *, owner: str = OWNER) -> tuple[int, Any]:
        return self.call(
            "POST", f"/conversations/{conversation_id}/messages", {"question": question}, owner=owner
        )

    def document(self, document: EvalDocument, *, owner: str = OWNER) -> str:
        """A READY document made from `document`'s generated PDF by the ingestion pipeline (once per
        stack and owner: tests sharing a stack share it, and never assume they are alone in it)."""
        from tests.integration.documents_chat.documents import ready_document

        key = (document.name, owner)
        if key not in self._documents:
            self._documents[key] = ready_document(self.stack, document, owner)
        return self._documents[key]


@pytest.fixture
def chat_factory(stack_factory: Callable[..., StackHarness]) -> Iterator[Callable[..., Chat]]:
    """`chat_factory(DocumentChatMode="offline", ChatModelId=...)`: a stack with the Bedrock stand-in."""
    with bedrock_standin() as bedrock:

        def make(**parameters: Any) -> Chat:
            return Chat(stack_factory(**parameters), bedrock)

        yield make


@contextlib.contextmanager
def _shared(**parameters: str) -> Iterator[Chat]:
    with bedrock_standin() as bedrock, deployed_stack(parameters) as stack:
        yield Chat(stack, bedrock)


@pytest.fixture(scope="module")
def offline() -> Iterator[Chat]:
    """One offline stack for a whole test module (deploying and indexing is most of a test's time)."""
    with _shared(DocumentChatMode="offline") as chat:
        yield chat


@pytest.fixture(scope="module")
def bedrock_chat() -> Iterator[Chat]:
    """One Bedrock-mode stack (BedrockRegion eu-west-3) for a whole test module."""
    with _shared(DocumentChatMode="bedrock", BedrockRegion="eu-west-3") as chat:
        yield chat


@pytest.fixture(autouse=True)
def _standin_reset(request: pytest.FixtureRequest) -> Iterator[None]:
    """Scripted replies and failures never leak from one test into the next."""
    yield
    for name in ("offline", "bedrock_chat"):
        if name in request.fixturenames:
            request.getfixturevalue(name).bedrock.reset()
