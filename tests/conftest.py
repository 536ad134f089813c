"""Fixtures every suite shares: the template deployed into in-process moto."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from stratus_local.template import load
from tests.support.harness import TEMPLATE, StackHarness, deployed_stack

# Powertools reads its service name and metrics namespace once, at the first import of
# stratus_shared.observability; give every test process the values the template's Globals set.
for _name, _value in load(TEMPLATE)["Globals"]["Function"]["Environment"]["Variables"].items():
    if _name.startswith("POWERTOOLS_") and isinstance(_value, str):
        os.environ.setdefault(_name, _value)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


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
