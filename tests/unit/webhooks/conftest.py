"""Load a webhook function's own modules (logic, models, transport) in isolation, as Lambda would."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import ModuleType

from stratus_local.runner import FunctionSpec, LoadedFunction

ROOT = Path(__file__).resolve().parents[3]


@cache
def _loaded(folder: str) -> LoadedFunction:
    spec = FunctionSpec(
        logical_id=folder,
        function_name=folder,
        code_dir=ROOT / "functions" / folder,
        handler="app.handler",
        layer_dirs=(ROOT / "layers" / "shared",),
        environment={"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "StratusTest"},
        timeout=30,
        memory=256,
    )
    return LoadedFunction(spec)


def function_module(folder: str, name: str) -> ModuleType:
    return _loaded(folder).module(name)
