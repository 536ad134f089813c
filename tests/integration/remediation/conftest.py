"""Remediation fixtures over the `stack` harness (helpers live in support.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.remediation.support import Pool, TableStream, capture_audit_events
from tests.support.harness import StackHarness


@pytest.fixture
def pool(stack: StackHarness) -> Pool:
    return Pool(stack)


@pytest.fixture
def table_stream(stack: StackHarness) -> TableStream:
    return TableStream(stack)


@pytest.fixture
def audit_events(stack: StackHarness) -> Callable[[], list[dict[str, Any]]]:
    """Events the disabler put on the remediation bus, captured by a rule into a queue."""
    return capture_audit_events(stack)
