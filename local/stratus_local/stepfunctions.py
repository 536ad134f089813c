"""Step Functions on the local cloud: moto's ASL interpreter, its Lambda tasks run by the runner.

moto interprets JSONPath state machines (Pass, Choice, Map, Wait, Task, ...) when its
`execute_state_machine` option is on, each execution on a thread of its own. A Lambda task calls the
Lambda API at `localhost:$MOTO_PORT`; the server's invoke hook (`server.py`) runs the function in this
process. `drain()` waits for running executions, since their tasks can start more work (a record
written, a message sent). Wait states and Retry intervals sleep in real time: keep them short in
tests. JSONata definitions are not interpreted by moto.
"""

from __future__ import annotations

import logging
import time
from typing import Any


def enable_interpreter() -> None:
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    # moto logs each failed state with its whole parse tree; the execution history keeps the error.
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)


def running_executions(account_id: str, region: str) -> list[Any]:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[account_id][region]
    running = []
    for machine in list(backend.state_machines):
        for execution in list(getattr(machine, "executions", [])):
            status = getattr(execution, "exec_status", None)
            if status is not None and getattr(status, "value", status) == "RUNNING":
                running.append(execution)
    return running


def wait_for_executions(account_id: str, region: str, timeout: float) -> bool:
    """Wait (real time) until no execution runs; True if any was running."""
    deadline = time.monotonic() + timeout
    waited = False
    while running_executions(account_id, region):
        waited = True
        if time.monotonic() > deadline:
            raise RuntimeError(f"Step Functions executions still running after {timeout} s")
        time.sleep(0.02)
    return waited
