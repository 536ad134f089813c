"""Load one function's own modules (logic, dal, models) isolated from other functions' same-named ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from stratus_local.runner import FunctionSpec, LoadedFunction

ROOT = Path(__file__).resolve().parents[3]


def _loaded(function_dir: str) -> LoadedFunction:
    spec = FunctionSpec(
        logical_id=function_dir,
        function_name=function_dir,
        code_dir=ROOT / "functions" / function_dir,
        handler="app.handler",
        layer_dirs=(ROOT / "layers" / "shared",),
        environment={"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "StratusTest"},
        timeout=30,
        memory=256,
    )
    return LoadedFunction(spec)


_CACHE: dict[str, LoadedFunction] = {}


@pytest.fixture
def function_module() -> Callable[[str, str], ModuleType]:
    def load(function_dir: str, name: str) -> ModuleType:
        loaded = _CACHE.setdefault(function_dir, _loaded(function_dir))
        return loaded.module(name)

    return load


@pytest.fixture
def event() -> Callable[[str, str], dict[str, Any]]:
    def load(function_dir: str, case: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((ROOT / "events" / function_dir / f"{case}.json").read_text())
        return data

    return load
