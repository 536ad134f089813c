"""The chat function's only boto3 code: Bedrock Converse, and the documents and index it reads through
the shared layer (stratus_shared.documents, stratus_shared.retrieval)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from models import ModelUnavailableError

from stratus_shared.observability import logger

# Error codes Bedrock answers with, and what the user is told (always a 503: the service is there,
# the model behind it is not usable right now or not for this account).
_ACCESS = {"AccessDeniedException", "UnrecognizedClientException"}
_THROTTLED = {
    "ThrottlingException",
    "ServiceQuotaExceededException",
    "ModelNotReadyException",
    "TooManyRequestsException",
}
_TIMEOUT = {"ModelTimeoutException"}
_CONFIG = {"ValidationException", "ResourceNotFoundException"}
_TRANSPORT_TIMEOUTS = (ReadTimeoutError, ConnectTimeoutError, ConnectionClosedError, EndpointConnectionError)


@dataclass(frozen=True)
class Passage:
    document_id: str
    page: int
    text: str
    score: float


class Retriever(Protocol):
    def search(
        self, owner_id: str, document_ids: Sequence[str], query: str, k: int, timeout_seconds: float
    ) -> list[Passage]: ...


class DocumentInfo(Protocol):
    @property
    def document_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def status(self) -> str: ...


class Documents(Protocol):
    def get(self, owner_id: str, document_id: str) -> DocumentInfo | None: ...


class ChatModel(Protocol):
    def converse(
        self, system: str, messages: list[dict[str, object]], max_tokens: int, timeout_seconds: float
    ) -> str: ...


@cache
def _bedrock(region: str, read_timeout: int, attempts: int) -> Any:
    config = Config(
        region_name=region,
        connect_timeout=2,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": attempts},
    )
    return boto3.session.Session().client("bedrock-runtime", config=config)  # type: ignore[call-overload]


def reset_bedrock_clients() -> None:
    _bedrock.cache_clear()


def model_unavailable(
    exc: Exception, model_id: str, region: str, *, access: bool = False
) -> ModelUnavailableError:
    """A Bedrock failure as the 503 the user reads."""
    if isinstance(exc, _TRANSPORT_TIMEOUTS):
        return ModelUnavailableError("timeout", "The model did not answer in time; try again.")
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    if access or code in _ACCESS:
        return ModelUnavailableError(
            "access",
            f"This account has no access to the model {model_id} in {region}: enable it under Bedrock "
            "model access (or set ChatModelId / BedrockRegion to a model it can use).",
        )
    if code in _THROTTLED:
        return ModelUnavailableError(
            "throttled", "The model is busy (throttled); try again in a few seconds."
        )
    if code in _TIMEOUT:
        return ModelUnavailableError("timeout", "The model did not answer in time; try again.")
    if code in _CONFIG:
        return ModelUnavailableError(
            "config",
            f"The model {model_id} cannot be used in {region} ({code}); check ChatModelId and BedrockRegion.",
        )
    return ModelUnavailableError("unavailable", "The model service is unavailable; try again shortly.")


class BedrockChat:
    """Converse with the configured model (a model id or an inference profile id) in the configured region."""

    def __init__(self, model_id: str, region: str) -> None:
        self.model_id = model_id
        self.region = region

    def converse(
        self, system: str, messages: list[dict[str, object]], max_tokens: int, timeout_seconds: float
    ) -> str:
        read_timeout = max(1, int(timeout_seconds))
        # A retry (throttling, a dropped connection) only when a second full attempt still fits.
        attempts = 2 if timeout_seconds >= 2 * (read_timeout + 2) else 1
        client = _bedrock(self.region, read_timeout, attempts)
        try:
            answer = client.converse(
                modelId=self.model_id,
                system=[{"text": system}],
                messages=messages,
                inferenceConfig={"maxTokens": max_tokens, "temperature": 0.0},
            )
        except (ClientError, *_TRANSPORT_TIMEOUTS) as exc:
            logger.warning(
                "bedrock converse failed", model_id=self.model_id, region=self.region, error=repr(exc)
            )
            raise model_unavailable(exc, self.model_id, self.region) from exc
        blocks = answer.get("output", {}).get("message", {}).get("content", [])
        usage = answer.get("usage", {})
        logger.info(
            "bedrock converse",
            model_id=self.model_id,
            input_tokens=usage.get("inputTokens"),
            output_tokens=usage.get("outputTokens"),
            stop_reason=answer.get("stopReason"),
        )
        return "".join(block.get("text", "") for block in blocks if isinstance(block, dict))


class SharedDocuments:
    """Documents through stratus_shared.documents (the documents-core data-access module)."""

    def get(self, owner_id: str, document_id: str) -> DocumentInfo | None:
        from stratus_shared import documents  # type: ignore[attr-defined,unused-ignore]  # noqa: PLC0415

        found: DocumentInfo | None = documents.get_document(owner_id, document_id)
        return found


class SharedRetriever:
    """Hybrid retrieval through stratus_shared.retrieval. In bedrock mode the question is embedded by
    Titan through a client with this request's deadline (the indexer's client waits far longer), and
    every failure of that call becomes the same 503 as the chat model's."""

    def __init__(self, mode: str, embedding_model_id: str, dimensions: int, region: str) -> None:
        self.mode = mode
        self.embedding_model_id = embedding_model_id
        self.dimensions = dimensions
        self.region = region

    def search(
        self, owner_id: str, document_ids: Sequence[str], query: str, k: int, timeout_seconds: float
    ) -> list[Passage]:
        # numpy, the index and the embedder load on the first question, not at cold start.
        from stratus_shared import embeddings, retrieval  # type: ignore[attr-defined,unused-ignore]  # noqa: PLC0415

        embedder = None
        if self.mode == "bedrock":
            read_timeout = max(1, int(timeout_seconds))
            embedder = embeddings.BedrockTitanEmbedder(
                self.embedding_model_id,
                self.dimensions,
                self.region,
                concurrency=1,
                client=_bedrock(
                    self.region, read_timeout, 2 if timeout_seconds >= 2 * (read_timeout + 2) else 1
                ),
            )
        try:
            found = retrieval.search(owner_id, list(document_ids), query, k=k, embedder=embedder)
        except embeddings.EmbeddingAccessDeniedError as exc:
            logger.warning("query embedding refused", error=repr(exc))
            raise model_unavailable(_cause(exc), self.embedding_model_id, self.region, access=True) from exc
        except embeddings.EmbeddingUnavailableError as exc:
            logger.warning("query embedding failed", error=repr(exc))
            raise model_unavailable(_cause(exc), self.embedding_model_id, self.region) from exc
        return [Passage(p.document_id, int(p.page), p.text, float(p.score)) for p in found]


def _cause(exc: Exception) -> Exception:
    """The botocore error an embedding error was raised from (its code says what happened)."""
    return exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
