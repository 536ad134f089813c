"""Functions run in one process but never see each other's modules or environment."""

from pathlib import Path

import pytest

from stratus_local.runner import FunctionError, FunctionSpec, FunctionTimeoutError, LoadedFunction


def make_function(root: Path, name: str, body: str, env: dict[str, str] | None = None) -> LoadedFunction:
    code = root / "functions" / name
    code.mkdir(parents=True)
    (code / "logic.py").write_text(f"WHO = {name!r}\n")
    (code / "app.py").write_text(body)
    spec = FunctionSpec(
        logical_id=name,
        function_name=name,
        code_dir=code,
        handler="app.handler",
        layer_dirs=(),
        environment=env or {},
        timeout=2,
        memory=128,
    )
    return LoadedFunction(spec)


HANDLER = """
import os
import logic

def handler(event, context):
    return {"who": logic.WHO, "color": os.environ.get("COLOR"), "name": context.function_name}
"""


def test_two_functions_with_same_module_names_each_get_their_own(tmp_path: Path) -> None:
    first = make_function(tmp_path, "first", HANDLER, {"COLOR": "red"})
    second = make_function(tmp_path, "second", HANDLER, {"COLOR": "blue"})

    assert first.invoke({}) == {"who": "first", "color": "red", "name": "first"}
    assert second.invoke({}) == {"who": "second", "color": "blue", "name": "second"}
    assert first.invoke({})["who"] == "first"


def test_handler_error_is_reported_as_a_function_error(tmp_path: Path) -> None:
    failing = make_function(
        tmp_path, "failing", "def handler(event, context):\n    raise ValueError('bad')\n"
    )
    with pytest.raises(FunctionError, match="ValueError: bad"):
        failing.invoke({})


def test_timeout_is_enforced(tmp_path: Path) -> None:
    slow = make_function(tmp_path, "slow", "import time\ndef handler(event, context):\n    time.sleep(5)\n")
    with pytest.raises(FunctionTimeoutError):
        slow.invoke({}, timeout=0.2)
