"""Fixtures every suite shares: the template deployed into in-process moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.support.harness import StackHarness, deployed_stack


@pytest.fixture
def stack() -> Iterator[StackHarness]:
    """template.yaml deployed with its default parameters."""
    with deployed_stack() as harness:
        yield harness


@pytest.fixture
def stack_factory() -> Iterator[Callable[..., StackHarness]]:
    """Deploy template.yaml with chosen parameters: `stack_factory(StrictInactivityMode="true")`."""
    with ExitStack() as exits:

        def make(extra_env: dict[str, str] | None = None, **parameters: Any) -> StackHarness:
            return exits.enter_context(deployed_stack({k: str(v) for k, v in parameters.items()}, extra_env))

        yield make
