"""Load the chat function's own modules (answering, logic, models) in isolation, as Lambda would."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import ModuleType

from stratus_local.runner import FunctionSpec, LoadedFunction

ROOT = Path(__file__).resolve().parents[3]


@cache
def _loaded() -> LoadedFunction:
    spec = FunctionSpec(
        logical_id="chat_api",
        function_name="chat_api",
        code_dir=ROOT / "functions" / "chat_api",
        handler="app.handler",
        layer_dirs=(ROOT / "layers" / "shared",),
        environment={"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "StratusTest"},
        timeout=30,
        memory=256,
    )
    return LoadedFunction(spec)


def chat_module(name: str) -> ModuleType:
    return _loaded().module(name)
