"""One stack per test module for the documents tests (each test uses its own documents)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stratus_shared import document_index, embeddings
from tests.support.harness import StackHarness, deployed_stack


@pytest.fixture(scope="module")
def offline_stack() -> Iterator[StackHarness]:
    """The template with DocumentChatMode=offline (what make local runs)."""
    embeddings.reset()
    document_index.clear_cache()
    with deployed_stack({"DocumentChatMode": "offline"}) as harness:
        yield harness
    embeddings.reset()


@pytest.fixture(scope="module")
def bedrock_stack() -> Iterator[StackHarness]:
    """The template with its defaults (DocumentChatMode=bedrock); Bedrock itself is the stand-in."""
    embeddings.reset()
    document_index.clear_cache()
    with deployed_stack() as harness:
        yield harness
    embeddings.reset()
