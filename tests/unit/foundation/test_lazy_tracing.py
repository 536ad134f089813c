"""The shared tracer: the X-Ray SDK is loaded by the first sampled invocation, never by an import.

Each case runs a tiny handler in a fresh interpreter with the environment Lambda gives a traced
function, and an X-Ray daemon stand-in (a UDP socket on loopback) that receives what the SDK emits.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

HANDLER = textwrap.dedent(
    """
    import json, sys
    from stratus_shared.observability import tracer

    @tracer.capture_lambda_handler
    def handler(event, context):
        return {"xray_loaded": "aws_xray_sdk.core" in sys.modules}

    class Context:
        function_name = "fn"
        aws_request_id = "req"

    print(json.dumps({"after_import": "aws_xray_sdk.core" in sys.modules}))
    for header in sys.argv[1:]:
        import os
        os.environ["_X_AMZN_TRACE_ID"] = header
        print(json.dumps(handler({}, Context())))
    """
)
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={}"


@pytest.fixture
def daemon() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)
    yield sock
    sock.close()


def _run(daemon: socket.socket, *samples: int, disabled: bool = False) -> list[dict[str, bool]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "shared"),
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
        "POWERTOOLS_SERVICE_NAME": "stratus",
        "POWERTOOLS_TRACE_DISABLED": "true" if disabled else "false",
    }
    env.pop("AWS_SAM_LOCAL", None)
    args = [TRACE.format(s) for s in samples]
    done = subprocess.run(  # noqa: S603 - this interpreter running a fixed snippet
        [sys.executable, "-c", HANDLER, *args], env=env, capture_output=True, text=True, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def _emitted(daemon: socket.socket) -> list[dict[str, object]]:
    documents = []
    while True:
        try:
            data = daemon.recv(65536)
        except TimeoutError:
            return documents
        header, _, body = data.decode().partition("\n")
        assert json.loads(header)["format"] == "json"
        documents.append(json.loads(body))


def test_importing_a_traced_handler_does_not_load_the_xray_sdk(daemon: socket.socket) -> None:
    lines = _run(daemon)
    assert lines == [{"after_import": False}]


def test_unsampled_invocations_never_load_the_sdk_or_emit(daemon: socket.socket) -> None:
    lines = _run(daemon, 0, 0)
    assert lines[1:] == [{"xray_loaded": False}, {"xray_loaded": False}]
    assert _emitted(daemon) == []


def test_a_sampled_invocation_records_the_handler_subsegment(daemon: socket.socket) -> None:
    lines = _run(daemon, 1)
    assert lines[1] == {"xray_loaded": True}
    handler = [d for d in _emitted(daemon) if d.get("name") == "## handler"]
    assert len(handler) == 1
    assert handler[0]["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert handler[0]["annotations"]["ColdStart"] is True


def test_first_sampled_call_in_a_warm_container_is_not_annotated_cold(daemon: socket.socket) -> None:
    _run(daemon, 0, 1)
    handler = [d for d in _emitted(daemon) if d.get("name") == "## handler"]
    assert [d["annotations"]["ColdStart"] for d in handler] == [False]


def test_disabled_tracing_never_loads_the_sdk_even_when_sampled(daemon: socket.socket) -> None:
    lines = _run(daemon, 1, disabled=True)
    assert lines[1] == {"xray_loaded": False}
    assert _emitted(daemon) == []
