"""`python -m stratus_local check`, run as a user runs it: a subprocess on free loopback ports.

It starts the local cloud, signs the demo user in through the Cognito API at the local endpoint and
calls a protected route with the token (200), without one (401) and with a tampered one (401).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "apigw" / "template.yaml"


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "local"), str(ROOT / "layers/shared")])}
    return subprocess.run(  # noqa: S603 - this interpreter running the project's own CLI
        [sys.executable, "-m", "stratus_local", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_passes_when_the_route_is_protected() -> None:
    done = run_check("--template", str(FIXTURE), "--path", "/hello/ada")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   signed demo@example.com in through Cognito" in done.stdout
    assert "ok   signed-in request: expected 200, got 200" in done.stdout
    assert "ok   request without a token: expected 401, got 401" in done.stdout
    assert "ok   request with a tampered token: expected 401, got 401" in done.stdout


def test_check_fails_when_the_route_lets_anyone_in() -> None:
    # /public opts out of the authorizer: the check must notice that a request without a token got in.
    done = run_check("--template", str(FIXTURE), "--path", "/public")

    assert done.returncode == 1
    assert "FAIL request without a token: expected 401, got 200" in done.stdout
    assert "check FAILED" in done.stdout


def test_check_passes_on_the_application_template() -> None:
    # What `make local` serves: the counters API behind the stack's Cognito authorizer.
    done = run_check()

    assert done.returncode == 0, done.stdout + done.stderr
    assert "signed-in request: expected 200, got 200" in done.stdout
    assert "GET /counters?" in done.stdout
    assert "check passed" in done.stdout
