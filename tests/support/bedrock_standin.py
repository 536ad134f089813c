"""Amazon Bedrock for tests: real boto3 clients, real request validation, answers from a stand-in.

moto's bedrock-runtime answers `invoke_model` with `{}` and raises on `converse`, so tests install this
stand-in instead. It hooks botocore's `before-send.bedrock-runtime` event, which fires after botocore
has validated the parameters, serialized the request, resolved the endpoint and signed it; the handler
returns an `AWSResponse` that botocore then parses exactly as it parses Bedrock's (so a missing field
in a response shape fails as it would in production). Nothing leaves the process.

    with bedrock_standin() as bedrock:
        bedrock.reply("The refund takes 14 days [2].")     # next Converse answers (FIFO), or
        bedrock.responder = lambda request: "..."          # compute each answer from the request
        bedrock.fail_next("ThrottlingException")           # the next call fails like Bedrock does
        ...
        assert bedrock.converse_requests[-1].model_id == "us.anthropic.claude-3-5-haiku-20241022-v1:0"

Embeddings (Titan Text Embeddings v2 `invoke_model`) are deterministic: a hashed bag of words,
normalised, of the requested dimensions, so equal texts embed equally and texts sharing words are
close. Every request is recorded with its operation, model id, region (from the signed URL) and body.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import math
import re
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

EVENT = "before-send.bedrock-runtime"
TITAN_EMBED_PREFIX = "amazon.titan-embed-text"
DEFAULT_DIMENSIONS = 1024
_WORD = re.compile(r"[a-z0-9]+")

# Bedrock's error answers: HTTP status and the `x-amzn-ErrorType` botocore maps to the exception name.
ERRORS: dict[str, tuple[int, str]] = {
    "AccessDeniedException": (403, "You don't have access to the model with the specified model ID."),
    "ThrottlingException": (429, "Too many requests, please wait before trying again."),
    "ModelTimeoutException": (408, "Model has timed out in processing the request."),
    "ServiceUnavailableException": (503, "Bedrock is unable to process your request."),
    "ValidationException": (400, "The provided model identifier is invalid."),
    "ResourceNotFoundException": (404, "Model not found."),
    "ModelNotReadyException": (429, "Model is not ready to serve inference requests."),
}
# Not an answer at all: the connection times out waiting for one (botocore raises ReadTimeoutError).
READ_TIMEOUT = "ReadTimeout"


@dataclass(frozen=True)
class BedrockRequest:
    """One request as it left botocore: the operation, model id, region, and the JSON body."""

    operation: str
    model_id: str
    region: str
    url: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def system_text(self) -> str:
        """Converse: the system prompt blocks joined."""
        return "\n".join(block.get("text", "") for block in self.body.get("system", []))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def last_user_text(self) -> str:
        """Converse: the text of the last user message."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return "\n".join(block.get("text", "") for block in message.get("content", []))
        return ""

    @property
    def prompt_text(self) -> str:
        """Converse: system prompt and every message's text, in order (what the model reads)."""
        parts = [self.system_text]
        for message in self.messages:
            parts.extend(block.get("text", "") for block in message.get("content", []))
        return "\n".join(parts)


@dataclass
class BedrockStandIn:
    """What the hook answers; see the module docstring."""

    requests: list[BedrockRequest] = field(default_factory=list)
    responder: Callable[[BedrockRequest], str] | None = None
    usage_tokens: tuple[int, int] = (120, 40)
    _replies: deque[str] = field(default_factory=deque)
    _failures: deque[str] = field(default_factory=deque)
    failing: str | None = None
    failing_operation: str | None = None

    # ---- scripting ------------------------------------------------------------------------------
    def reply(self, *texts: str) -> None:
        """Queue Converse answers, used one per call before `responder`."""
        self._replies.extend(texts)

    def fail_next(self, error: str, times: int = 1) -> None:
        """The next `times` calls (any operation) fail with this Bedrock error code (see ERRORS)."""
        if error not in ERRORS and error != READ_TIMEOUT:
            raise ValueError(f"unknown Bedrock error {error!r}; one of {sorted(ERRORS)} or {READ_TIMEOUT}")
        self._failures.extend([error] * times)

    def fail_always(self, error: str | None, operation: str | None = None) -> None:
        """Every call (of `operation` only, "Converse" or "InvokeModel", when given) fails with `error`
        until called with None."""
        if error is not None and error not in ERRORS and error != READ_TIMEOUT:
            raise ValueError(f"unknown Bedrock error {error!r}; one of {sorted(ERRORS)} or {READ_TIMEOUT}")
        self.failing = error
        self.failing_operation = operation

    def reset(self) -> None:
        """Forget scripted replies, failures and the responder (the recorded requests stay)."""
        self._replies.clear()
        self._failures.clear()
        self.failing = None
        self.failing_operation = None
        self.responder = None

    # ---- what was asked -------------------------------------------------------------------------
    @property
    def converse_requests(self) -> list[BedrockRequest]:
        return [r for r in self.requests if r.operation == "Converse"]

    @property
    def embedding_requests(self) -> list[BedrockRequest]:
        return [r for r in self.requests if r.operation == "InvokeModel"]

    # ---- the hook ---------------------------------------------------------------------------------
    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        url = str(request.url)
        operation, model_id = _operation(url)
        if operation is None:
            return None  # an operation the stand-in does not know: let botocore (or moto) have it
        body = json.loads(request.body or b"{}") if request.body else {}
        self.requests.append(
            BedrockRequest(
                operation=operation,
                model_id=model_id,
                region=_region(url),
                url=url,
                body=body,
                headers={k: str(v) for k, v in request.headers.items()},
            )
        )
        always = self.failing if self.failing_operation in (None, operation) else None
        error = self._failures.popleft() if self._failures else always
        if error == READ_TIMEOUT:
            raise ReadTimeoutError(endpoint_url=url)
        if error is not None:
            status, message = ERRORS[error]
            return _response(
                url, status, {"message": message}, {"x-amzn-ErrorType": f"{error}:http://internal"}
            )
        if operation == "Converse":
            return _response(url, 200, self._converse(self.requests[-1]))
        return _response(url, 200, _embedding(model_id, body))

    def _converse(self, request: BedrockRequest) -> dict[str, Any]:
        if self._replies:
            text = self._replies.popleft()
        elif self.responder is not None:
            text = self.responder(request)
        else:
            text = default_answer(request)
        tokens_in, tokens_out = self.usage_tokens
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {
                "inputTokens": tokens_in,
                "outputTokens": tokens_out,
                "totalTokens": tokens_in + tokens_out,
            },
            "metrics": {"latencyMs": 321},
        }


def default_answer(request: BedrockRequest) -> str:
    """Without a script: cite the first numbered source the prompt gives (`[1]`), or echo the question."""
    sources = re.findall(r"^\[(\d+)\]", request.prompt_text, flags=re.MULTILINE)
    if sources:
        return f"According to the documents, see source [{sources[0]}]."
    return request.last_user_text


def embed_text(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """The stand-in's deterministic embedding: hashed words (and word pairs), L2-normalised."""
    vector = [0.0] * dimensions
    words = _WORD.findall(text.lower())
    for gram in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
        digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _embedding(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    if not model_id.startswith(TITAN_EMBED_PREFIX):
        raise AssertionError(f"the Bedrock stand-in embeds with Titan only, not {model_id!r}")
    text = str(body.get("inputText", ""))
    dimensions = int(body.get("dimensions", DEFAULT_DIMENSIONS))
    if dimensions not in (256, 512, 1024):
        raise AssertionError(f"Titan v2 takes dimensions 256, 512 or 1024, not {dimensions}")
    answer: dict[str, Any] = {
        "embedding": embed_text(text, dimensions),
        "inputTextTokenCount": len(_WORD.findall(text.lower())),
    }
    if body.get("embeddingTypes"):
        answer["embeddingsByType"] = {"float": answer["embedding"]}
    return answer


def _operation(url: str) -> tuple[str | None, str]:
    """(operation, model id) from a bedrock-runtime URL: /model/<id>/converse or /model/<id>/invoke."""
    path = urllib.parse.urlsplit(url).path
    match = re.fullmatch(r"/model/(?P<model>[^/]+)/(?P<op>converse|invoke)", path)
    if match is None:
        return None, ""
    model_id = urllib.parse.unquote(match["model"])
    return ("Converse" if match["op"] == "converse" else "InvokeModel"), model_id


def _region(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or ""
    match = re.match(r"bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com", host)
    return match[1] if match else host


class _Raw(io.BytesIO):
    """A body botocore can read both ways: `stream()` (parsed JSON answers) and `read()` (InvokeModel's
    streaming `body`), like urllib3's response object."""

    def stream(self, amt: int = 1024, decode_content: bool = False) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def _response(
    url: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> AWSResponse:
    data = json.dumps(body).encode()
    all_headers = {
        "content-type": "application/json",
        "content-length": str(len(data)),
        "x-amzn-requestid": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        **(headers or {}),
    }
    return AWSResponse(url, status, all_headers, _Raw(data))


@contextlib.contextmanager
def bedrock_standin() -> Iterator[BedrockStandIn]:
    """Install the stand-in for every boto3 client created inside the block (cached clients are reset
    on the way in and out, so functions build new ones that carry the hook)."""
    from stratus_shared.aws import reset_clients

    standin = BedrockStandIn()
    handlers = botocore.handlers.BUILTIN_HANDLERS
    # botocore calls every `before-send` handler and takes the first answer, so moto's catch-all stubber
    # (registered the same way, when moto is imported) would still see Bedrock requests and raise on
    # Converse. While the stand-in is installed, moto's entry is swapped for one that hands Bedrock
    # requests to the stand-in and everything else to moto.
    saved = list(handlers)
    moto_entries = [i for i, entry in enumerate(handlers) if entry[0] == "before-send" and _is_moto(entry[1])]
    for index in moto_entries:
        handlers[index] = ("before-send", _Chain(standin, handlers[index][1]), *handlers[index][2:])
    if not moto_entries:
        handlers.append((EVENT, standin))
    reset_clients()
    try:
        yield standin
    finally:
        handlers[:] = saved
        reset_clients()


class _Chain:
    """The stand-in first for bedrock-runtime requests, otherwise the handler it replaced."""

    def __init__(self, standin: BedrockStandIn, fallback: Callable[..., Any]) -> None:
        self.standin = standin
        self.fallback = fallback

    def __call__(self, request: Any, **kwargs: Any) -> Any:
        host = urllib.parse.urlsplit(str(request.url)).hostname or ""
        if host.startswith("bedrock-runtime"):
            answer = self.standin(request, **kwargs)
            if answer is not None:
                return answer
        return self.fallback(request=request, **kwargs)


def _is_moto(handler: Any) -> bool:
    return type(handler).__module__.startswith("moto.")
