"""End-to-end tests run on the local cloud (template.yaml on moto, functions in this process).

With AWS_SAM_STACK_NAME set they run against that deployed stack instead: clients are real boto3
clients, outputs come from CloudFormation, and `drain()` waits for the cloud to settle. Tests that
need what only the local cloud offers (moving the clock, re-delivering a stream) are marked
`local_only(...)` and are skipped there with the reason; `clock.advance` on AWS still raises, so an
unmarked test that moves the clock fails loudly rather than pretending to pass.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any, Protocol

import boto3
import pytest

from stratus_local.cloud import LocalCloud

STACK_NAME_VARIABLE = "AWS_SAM_STACK_NAME"
ON_DEPLOYED_STACK = bool(os.environ.get(STACK_NAME_VARIABLE))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests may reach only loopback (pyproject's --allow-hosts), except e2e tests aimed at AWS."""
    if ON_DEPLOYED_STACK:
        for item in items:
            if item.path.is_relative_to(os.path.dirname(__file__)):
                item.add_marker(pytest.mark.enable_socket)


def local_only(why: str) -> pytest.MarkDecorator:
    """Skip on a deployed stack: the test needs `why`, which only the local cloud can do."""
    return pytest.mark.skipif(
        ON_DEPLOYED_STACK, reason=f"local cloud only ({STACK_NAME_VARIABLE} is set): {why}"
    )


# AWS's clock cannot be moved; DynamoDB TTL there deletes expired items up to two days late.
moves_the_clock = local_only("it moves the clock past a TTL expiry with clock.advance()")


class E2eClock(Protocol):
    def advance(self, seconds: float) -> None: ...

    def drain(self, max_rounds: int = ...) -> int: ...


class E2eCloud(Protocol):
    """What the end-to-end tests use: the same on the local cloud and on a deployed stack."""

    clock: E2eClock

    def client(self, service: str) -> Any: ...

    def output(self, name: str) -> Any: ...

    def parameter(self, name: str) -> Any: ...


class _DeployedClock:
    def __init__(self, settle_seconds: float) -> None:
        self.settle_seconds = settle_seconds

    def advance(self, seconds: float) -> None:
        raise NotImplementedError(
            f"cannot move AWS's clock by {seconds} s: this flow is covered by the local cloud only"
        )

    def drain(self, max_rounds: int = 0) -> int:
        time.sleep(self.settle_seconds)  # triggers and streams run on AWS's schedule, not ours
        return 0


class DeployedCloud:
    """A deployed stack seen through the E2eCloud interface."""

    def __init__(self, stack_name: str) -> None:
        self.stack_name = stack_name
        self.clock = _DeployedClock(float(os.environ.get("E2E_SETTLE_SECONDS", "20")))
        stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
        self._outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        self._parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}

    def client(self, service: str) -> Any:
        return boto3.client(service)  # type: ignore[call-overload]

    def output(self, name: str) -> Any:
        return self._outputs[name]

    def parameter(self, name: str) -> Any:
        return self._parameters[name]


@pytest.fixture(scope="module")
def local_cloud() -> Iterator[LocalCloud]:
    """template.yaml on the local cloud (a free loopback port), fresh for each test module."""
    # Self sign-up on, so the flows start the way a new user's do: SignUp, confirmation, sign-in.
    with LocalCloud(port=0, prefix_logs=False, parameters={"AllowSelfSignUp": "true"}) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def cloud(request: pytest.FixtureRequest) -> Iterator[E2eCloud]:
    """The local cloud, or the stack named by AWS_SAM_STACK_NAME."""
    stack_name = os.environ.get(STACK_NAME_VARIABLE)
    if stack_name:
        yield DeployedCloud(stack_name)
    else:
        yield request.getfixturevalue("local_cloud")
