"""Run Lambda handlers in this process the way Lambda would, one function isolated from another.

Each function is loaded from its CodeUri with its layers on the path and the environment the
template gives it. Modules a function imports from its own folder are kept apart per function, so
two functions that both have `app.py` (or `logic.py`) never see each other's code.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from stratus_local.template import Resolver, Translated


class FunctionTimeoutError(Exception):
    """The handler ran past the function's configured timeout."""


class FunctionError(Exception):
    """The handler raised: what Lambda reports as an unhandled function error."""

    def __init__(self, function: str, error: BaseException) -> None:
        super().__init__(f"{function}: {type(error).__name__}: {error}")
        self.function = function
        self.error = error


@dataclass(frozen=True)
class FunctionSpec:
    """What the template says about one function, resolved to concrete local values."""

    logical_id: str
    function_name: str
    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    environment: Mapping[str, str]
    timeout: int
    memory: int
    region: str = "us-east-1"
    account_id: str = "123456789012"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"


def function_specs(translated: Translated, resolver: Resolver) -> dict[str, FunctionSpec]:
    """Every AWS::Lambda::Function of a translated template whose condition holds."""
    layer_dirs = _layer_dirs(translated)
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in translated.of_type("AWS::Lambda::Function").items():
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        props = resource["Properties"]
        env = resolver.resolve(props.get("Environment", {}).get("Variables", {}))
        layers = tuple(layer_dirs[layer["Ref"]] for layer in props.get("Layers", []) if "Ref" in layer)
        name = resolver.resolve(props["FunctionName"]) if "FunctionName" in props else logical_id
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            function_name=str(name),
            code_dir=translated.code_dir(logical_id),
            handler=props["Handler"],
            layer_dirs=layers,
            environment={k: _env_str(v) for k, v in env.items()},
            timeout=int(resolver.resolve(props.get("Timeout", 3))),
            memory=int(resolver.resolve(props.get("MemorySize", 128))),
            region=resolver.region,
            account_id=resolver.account_id,
        )
    return specs


def _env_str(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _layer_dirs(translated: Translated) -> dict[str, Path]:
    """Translated layer logical ids (SAM appends a hash) -> the layer's local ContentUri."""
    dirs: dict[str, Path] = {}
    for logical_id in translated.of_type("AWS::Lambda::LayerVersion"):
        for sam_id, path in translated.artifacts.items():
            if logical_id.startswith(sam_id):
                dirs[logical_id] = path
    return dirs


@dataclass
class LambdaContext:
    """The context object handlers receive (the attributes Powertools reads)."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_IMPORT_LOCK = threading.RLock()


class LoadedFunction:
    """One function's handler, its private modules, and how to call it."""

    def __init__(self, spec: FunctionSpec, base_environment: Mapping[str, str] | None = None) -> None:
        self.spec = spec
        self.base_environment = dict(base_environment or {})
        self._modules: dict[str, ModuleType] = {}
        self._handler: Callable[[Any, Any], Any] | None = None

    @contextlib.contextmanager
    def _active(self) -> Iterator[None]:
        """Make this function's modules, paths and environment the visible ones."""
        code_dir = str(self.spec.code_dir)
        paths = [code_dir, *(str(p) for p in self.spec.layer_dirs)]
        env = {**self.base_environment, **self.spec.environment}
        with _IMPORT_LOCK:
            saved_env = dict(os.environ)
            foreign = _stash_function_modules(exclude=code_dir)
            sys.modules.update(self._modules)
            sys.path[:0] = paths
            os.environ.update(env)
            os.environ["AWS_LAMBDA_FUNCTION_NAME"] = self.spec.function_name
            os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(self.spec.memory)
            try:
                yield
            finally:
                for path in paths:
                    with contextlib.suppress(ValueError):
                        sys.path.remove(path)
                self._modules = _stash_function_modules(only=code_dir)
                sys.modules.update(foreign)
                os.environ.clear()
                os.environ.update(saved_env)

    def handler(self) -> Callable[[Any, Any], Any]:
        if self._handler is None:
            module_name, _, attr = self.spec.handler.rpartition(".")
            with self._active():
                module = importlib.import_module(module_name)
                self._handler = getattr(module, attr)
        assert self._handler is not None
        return self._handler

    def module(self, name: str) -> ModuleType:
        """One of the function's own modules (tests reach its logic or data access through this)."""
        self.handler()
        with self._active():
            return importlib.import_module(name)

    def invoke(self, event: Any, timeout: float | None = None) -> Any:
        """Call the handler with a fresh context; raise FunctionError or FunctionTimeoutError like Lambda."""
        handler = self.handler()
        seconds = timeout if timeout is not None else self.spec.timeout
        context = LambdaContext(self.spec.function_name, self.spec.arn, self.spec.memory, int(seconds))
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["result"] = handler(event, context)
            except BaseException as exc:  # the runtime reports any error the handler lets out
                outcome["error"] = exc

        with self._active():
            worker = threading.Thread(target=call, name=f"lambda-{self.spec.logical_id}", daemon=True)
            worker.start()
            worker.join(seconds)
        if worker.is_alive():
            raise FunctionTimeoutError(f"{self.spec.function_name} timed out after {seconds} s")
        if "error" in outcome:
            raise FunctionError(self.spec.function_name, outcome["error"])
        return outcome.get("result")


def invoke_api_result(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run `call` (an invoke) and report it as the Lambda Invoke API does: (payload, None), or
    (error payload, "Unhandled") when the handler raised or timed out."""
    try:
        result = call()
    except FunctionTimeoutError as exc:
        return {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out: {exc}"}, "Unhandled"
    except FunctionError as exc:
        return {"errorType": type(exc.error).__name__, "errorMessage": str(exc.error)}, "Unhandled"
    return json.loads(json.dumps(result, default=str)), None


def _stash_function_modules(*, exclude: str | None = None, only: str | None = None) -> dict[str, ModuleType]:
    """Remove and return modules loaded from a functions/ folder (all but `exclude`, or just `only`)."""
    taken: dict[str, ModuleType] = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        if f"{os.sep}functions{os.sep}" not in file:
            continue
        in_only = only is not None and file.startswith(only + os.sep)
        in_other = exclude is not None and not file.startswith(exclude + os.sep)
        if in_only or in_other:
            taken[name] = sys.modules.pop(name)
    return taken
