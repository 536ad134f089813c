"""The markdown documents function's renderer, loaded from the function's folder as Lambda would load it."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]
FUNCTION_DIR = ROOT / "functions" / "markdown_documents"


@cache
def renderer_module() -> ModuleType:
    """functions/markdown_documents/renderer.py under a name no other function's module can clash with."""
    spec = importlib.util.spec_from_file_location("markdown_documents_renderer", FUNCTION_DIR / "renderer.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
