"""Deploy template.yaml into in-process moto and load its functions as Lambda would.

The template is the single source of truth: tables, queues, streams, pools and filters in tests come
from it, never retyped. `stack.function("LogicalId")` gives a handler loaded from its CodeUri with the
layer on its path and the template's environment resolved to the deployed resources.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from stratus_local import server
from stratus_local.deployer import DeployedStack, deploy
from stratus_local.runner import LoadedFunction, invoke_api_result
from stratus_local.template import Translated, translate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"
REGION = "us-east-1"

# What every local function sees besides its template environment (Lambda provides these).
LAMBDA_BASE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "false",
}


@cache
def _translated(params: frozenset[tuple[str, str]]) -> Translated:
    return translate(TEMPLATE, dict(params), region=REGION)


def translated_template(parameters: Mapping[str, str] | None = None) -> Translated:
    """The translated template (cached per parameter set)."""
    return _translated(frozenset((parameters or {}).items()))


def load_event(function: str, case: str) -> Any:
    """An event file from events/<function>/<case>.json (the same files `sam local invoke -e` takes)."""
    name = case if case.endswith(".json") else f"{case}.json"
    return json.loads((EVENTS / function / name).read_text())


def event_files() -> list[Path]:
    return sorted(EVENTS.glob("*/*.json"))


@dataclass
class StackHarness:
    """A deployed stack in in-process moto plus its functions."""

    deployed: DeployedStack
    extra_env: dict[str, str] = field(default_factory=dict)
    _loaded: dict[str, LoadedFunction] = field(default_factory=dict)

    def function(self, logical_id: str) -> LoadedFunction:
        if logical_id not in self._loaded:
            spec = self.deployed.functions[logical_id]
            self._loaded[logical_id] = LoadedFunction(spec, {**LAMBDA_BASE_ENV, **self.extra_env})
        return self._loaded[logical_id]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]

    def ref(self, logical_id: str) -> Any:
        return self.deployed.refs[logical_id]

    def attr(self, logical_id: str, attribute: str) -> Any:
        return self.deployed.attrs[f"{logical_id}.{attribute}"]

    def output(self, name: str) -> Any:
        return self.deployed.outputs[name]

    def resource(self, logical_id: str) -> dict[str, Any]:
        """A translated resource with its properties resolved to the deployed values."""
        resource = self.deployed.translated.resources[logical_id]
        return {**resource, "Properties": self.deployed.resolver.resolve(resource.get("Properties", {}))}

    @contextlib.contextmanager
    def lambda_invokes_routed(self) -> Iterator[None]:
        """Lambda invokes made inside moto (Step Functions tasks) run this stack's functions in-process,
        through the same hook the local cloud installs (moto would need Docker)."""
        server.install_hooks()
        server.set_router(_StackRouter(self))
        try:
            yield
        finally:
            server.set_router(None)

    def mappings_for(self, function_logical_id: str) -> list[dict[str, Any]]:
        """The function's event source mappings as the template declares them (resolved)."""
        return [
            m
            for m in self.deployed.event_source_mappings
            if self.deployed.function_for_arn(str(m["FunctionName"])) == function_logical_id
        ]


@dataclass
class _StackRouter:
    """`stratus_local.server.LambdaRouter` over a harness: invokes run at once, in this process."""

    harness: StackHarness

    def knows(self, function_name: str) -> bool:
        return self.harness.deployed.function_for_arn(function_name) is not None

    def invoke_sync(
        self, function_name: str, event: Any, timeout: float | None = None
    ) -> tuple[Any, str | None]:
        function = self.harness.function(str(self.harness.deployed.function_for_arn(function_name)))
        return invoke_api_result(lambda: function.invoke(event, timeout))

    def invoke_async(self, function_name: str, event: Any, source: str) -> None:
        self.invoke_sync(function_name, event)


@contextlib.contextmanager
def deployed_stack(
    parameters: Mapping[str, str] | None = None, extra_env: Mapping[str, str] | None = None
) -> Iterator[StackHarness]:
    """Start in-process moto, deploy template.yaml with `parameters`, and clean up afterwards."""
    from stratus_shared.aws import reset_clients

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in LAMBDA_BASE_ENV.items() if k.startswith("AWS_")})
    reset_clients()
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            deployed = deploy(
                translated_template(parameters), parameters=dict(parameters or {}), region=REGION
            )
            yield StackHarness(deployed, dict(extra_env or {}))
    finally:
        reset_clients()
        os.environ.clear()
        os.environ.update(saved)
