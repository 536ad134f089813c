"""Embedding text: Amazon Bedrock Titan Text Embeddings v2, or an offline model, behind one protocol.

`embedder()` picks one from the function's settings (`DOCUMENT_CHAT_MODE`): `bedrock` calls
`EMBEDDING_MODEL_ID` in `BEDROCK_REGION` with `EMBEDDING_DIMENSIONS`; `offline` runs all-MiniLM-L6-v2
(int8 ONNX) from the OfflineModelsLayer with onnxruntime and never calls any model service. Vectors
are L2-normalised float32 rows, so a dot product is the cosine similarity.

numpy and onnxruntime live in the OfflineModelsLayer (attached only to the functions that embed) and
are imported on first use, never at module import.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import Field, field_validator

from stratus_shared.config import Settings, load_settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

# Titan Text Embeddings v2 takes up to 8,192 tokens or 50,000 characters; text longer than this is
# split on word boundaries first and the pieces' vectors averaged (then normalised again).
TITAN_MAX_CHARACTERS = 30_000
DEFAULT_CONCURRENCY = 8
TITAN_DIMENSIONS = (256, 512, 1024)
_ACCESS_DENIED = {"AccessDeniedException", "UnrecognizedClientException", "ResourceNotFoundException"}
_UNAVAILABLE = {
    "ThrottlingException",
    "ServiceUnavailableException",
    "ModelTimeoutException",
    "ModelNotReadyException",
    "InternalServerException",
    "ModelErrorException",
}


class EmbeddingSettings(Settings):
    mode: Literal["bedrock", "offline"] = Field(default="bedrock", alias="DOCUMENT_CHAT_MODE")
    region: str = Field(default="", alias="BEDROCK_REGION")
    model_id: str = Field(default="amazon.titan-embed-text-v2:0", alias="EMBEDDING_MODEL_ID")
    dimensions: int = Field(default=1024, alias="EMBEDDING_DIMENSIONS")
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, alias="EMBEDDING_CONCURRENCY", ge=1, le=64)

    @field_validator("dimensions")
    @classmethod
    def _titan_sizes(cls, value: int) -> int:
        if value not in TITAN_DIMENSIONS:
            raise ValueError(f"EMBEDDING_DIMENSIONS must be one of {TITAN_DIMENSIONS}")
        return value


class EmbeddingAccessDeniedError(Exception):
    """The model service refused the model (no model access, wrong region, unknown model id)."""


class EmbeddingUnavailableError(Exception):
    """The model service throttled, timed out or failed after the retries: try again later."""


class Embedder(Protocol):
    @property
    def model_id(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> Matrix:
        """One normalised row per text, in order."""
        ...

    def embed_query(self, text: str) -> Matrix:
        """A normalised vector for a question."""
        ...


def split_for_model(text: str, max_characters: int) -> list[str]:
    """Text cut into pieces of at most `max_characters`, on whitespace where there is any."""
    pieces: list[str] = []
    rest = text
    while len(rest) > max_characters:
        cut = rest.rfind(" ", 0, max_characters)
        if cut <= max_characters // 2:
            cut = max_characters
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _normalise(matrix: Matrix) -> Matrix:
    import numpy as np  # noqa: PLC0415 - from the OfflineModelsLayer, loaded on first use

    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


class BedrockTitanEmbedder:
    """Titan Text Embeddings v2 through bedrock-runtime InvokeModel, `concurrency` requests at once.

    Requests are retried by botocore's adaptive mode (which also slows down under throttling);
    access refusals raise EmbeddingAccessDeniedError at once, throttling or timeouts that outlast
    the retries raise EmbeddingUnavailableError."""

    def __init__(
        self,
        model_id: str,
        dimensions: int,
        region: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        client: Any | None = None,
    ) -> None:
        self._model_id = model_id
        self._dimensions = dimensions
        self.concurrency = concurrency
        self._client = client if client is not None else _bedrock_client(region, concurrency)

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def _invoke(self, text: str) -> list[float]:
        from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError  # noqa: PLC0415

        body = json.dumps({"inputText": text, "dimensions": self._dimensions, "normalize": True})
        try:
            response = self._client.invoke_model(
                modelId=self._model_id, body=body, contentType="application/json", accept="application/json"
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            if code in _ACCESS_DENIED or (
                code == "ValidationException" and "model identifier" in message.lower()
            ):
                raise EmbeddingAccessDeniedError(f"{self._model_id}: {code}: {message}") from exc
            if code in _UNAVAILABLE:
                raise EmbeddingUnavailableError(f"{self._model_id}: {code}") from exc
            raise
        except (ReadTimeoutError, ConnectionError) as exc:
            raise EmbeddingUnavailableError(f"{self._model_id}: {exc}") from exc
        payload = json.loads(response["body"].read())
        vector = payload.get("embedding")
        if not isinstance(vector, list) or len(vector) != self._dimensions:
            raise EmbeddingUnavailableError(
                f"{self._model_id}: the response carries no {self._dimensions}-d vector"
            )
        return [float(v) for v in vector]

    def _embed_one(self, text: str) -> list[float]:
        pieces = split_for_model(text, TITAN_MAX_CHARACTERS)
        if len(pieces) == 1:
            return self._invoke(pieces[0])
        vectors = [self._invoke(piece) for piece in pieces]
        return [sum(column) / len(vectors) for column in zip(*vectors, strict=True)]

    def embed_documents(self, texts: Sequence[str]) -> Matrix:
        import numpy as np  # noqa: PLC0415

        if not texts:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(texts))) as pool:
            rows = list(pool.map(self._embed_one, texts))
        return _normalise(np.asarray(rows, dtype=np.float32))

    def embed_query(self, text: str) -> Matrix:
        import numpy as np  # noqa: PLC0415

        row: Matrix = _normalise(np.asarray([self._embed_one(text)], dtype=np.float32))[0]
        return row


def _bedrock_client(region: str, concurrency: int) -> Any:
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        region_name=region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        retries={"mode": "adaptive", "total_max_attempts": 8},
        max_pool_connections=max(10, concurrency),
        connect_timeout=5,
        read_timeout=30,
    )
    return boto3.session.Session().client("bedrock-runtime", config=config)


class OfflineEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling, run by onnxruntime on this machine's cores."""

    BATCH = 32

    def __init__(self, threads: int | None = None) -> None:
        import onnxruntime as ort  # noqa: PLC0415 - from the OfflineModelsLayer
        import stratus_offline_models as models  # noqa: PLC0415

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(models.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = models.WordPieceTokenizer()
        self._model_id = models.MODEL_ID
        self._dimensions = models.DIMENSIONS
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def _run(self, encoded: list[list[int]]) -> Matrix:
        import numpy as np  # noqa: PLC0415

        width = max(len(ids) for ids in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, tokens in enumerate(encoded):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        with self._lock:
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return _normalise(pooled.astype(np.float32))

    def embed_documents(self, texts: Sequence[str]) -> Matrix:
        import numpy as np  # noqa: PLC0415

        if not texts:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        encoded = [self._tokenizer.encode(text) for text in texts]
        # Similar lengths side by side: less padding per batch.
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        out = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for start in range(0, len(order), self.BATCH):
            rows = order[start : start + self.BATCH]
            out[rows] = self._run([encoded[i] for i in rows])
        return out

    def embed_query(self, text: str) -> Matrix:
        row: Matrix = self._run([self._tokenizer.encode(text)])[0]
        return row


@cache
def _embedder(settings: EmbeddingSettings) -> Embedder:
    if settings.mode == "offline":
        return OfflineEmbedder()
    return BedrockTitanEmbedder(
        settings.model_id, settings.dimensions, settings.region, concurrency=settings.concurrency
    )


def embedder(settings: EmbeddingSettings | None = None) -> Embedder:
    """The embedder the settings ask for, one per container (the offline model loads once)."""
    return _embedder(settings or load_settings(EmbeddingSettings))


def reset() -> None:
    """Forget cached embedders (tests switch modes and endpoints)."""
    _embedder.cache_clear()
