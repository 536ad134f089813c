"""Load a remediation function's own modules (logic, models, dal) in isolation, as Lambda would.

The function's environment is the template's (Globals included, so Powertools gets its service name
and metrics namespace); references to resources are left as placeholders: unit tests touch no AWS.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

import pytest

from stratus_local.runner import LoadedFunction, function_specs
from stratus_local.template import Resolver
from tests.support.harness import LAMBDA_BASE_ENV, translated_template

_ALL_FUNCTIONS = {"StrictInactivityMode": "true"}


@cache
def _loaded(folder: str) -> LoadedFunction:
    translated = translated_template(_ALL_FUNCTIONS)
    resolver = Resolver(translated.template, parameters=_ALL_FUNCTIONS, on_missing=lambda what: f"<{what}>")
    (spec,) = [s for s in function_specs(translated, resolver).values() if s.code_dir.name == folder]
    return LoadedFunction(spec, LAMBDA_BASE_ENV)


def function_module(folder: str, name: str) -> ModuleType:
    """One of the function's modules; all of a function's modules come from the same load."""
    return _loaded(folder).module(name)


@pytest.fixture(autouse=True)
def _clear_metrics() -> None:
    from stratus_shared.observability import metrics

    metrics.clear_metrics()


def emitted_metrics() -> dict[str, list[float]]:
    from stratus_shared.observability import metrics

    return {name: list(entry["Value"]) for name, entry in metrics.metric_set.items()}
