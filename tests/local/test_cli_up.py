"""`python -m stratus_local up` (what `make local` runs), driven as a newcomer drives it.

The command runs in a subprocess on free loopback ports; the tests read what its banner prints (the
endpoint, the API URL, the demo user's password) and use nothing else.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from stratus_local import demo

ROOT = Path(__file__).resolve().parents[2]
READY = "stops it"  # the banner's last line


@dataclass
class Up:
    process: subprocess.Popen[str]
    banner: str
    output: list[str] = field(default_factory=list)

    def value(self, pattern: str) -> str:
        match = re.search(pattern, self.banner)
        assert match is not None, f"{pattern!r} not in the banner:\n{self.banner}"
        return match.group(1)

    def cognito(self) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.value(r"AWS endpoint\s+(\S+)"),
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            assert time.monotonic() < deadline, f"{text!r} never printed"
            time.sleep(0.1)


def start_up(*options: str) -> Up:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "local"), str(ROOT / "layers/shared")])}
    command = ["up", "--port", "0", "--api-port", "0", "--interval", "0.5", *options]
    process = subprocess.Popen(  # noqa: S603 - this interpreter running the project's own entry point
        [sys.executable, "-m", "stratus_local", *command],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if READY in line:
            break
    up = Up(process, "".join(lines), lines)

    def keep_reading() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            up.output.append(line)

    threading.Thread(target=keep_reading, daemon=True).start()
    assert READY in up.banner, up.banner
    return up


def stop(up: Up) -> int:
    if up.process.poll() is None:
        up.process.send_signal(signal.SIGTERM)
    return up.process.wait(timeout=60)


@pytest.fixture(scope="module")
def running() -> Iterator[Up]:
    up = start_up()
    try:
        yield up
    finally:
        stop(up)


def sign_in(up: Up, username: str, password: str) -> str:
    result = up.cognito().initiate_auth(
        ClientId=up.value(r"app client (\S+)"),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["IdToken"]
    return token


def test_demo_user_from_the_banner_calls_the_api(running: Up) -> None:
    # Given the credentials and the URL `make local` printed
    token = sign_in(running, running.value(r"Demo user\s+(\S+)"), running.value(r"password (\S+)"))
    url = running.value(r'curl -s -H "Authorization: \$TOKEN" "(\S+)"')

    # When the example request is made with the token, and without it
    with_token = demo.http_get(url, {"Authorization": token})
    without = demo.http_get(url)

    # Then the counters come back, and the anonymous call is refused
    assert with_token[0] == 200, with_token
    assert {s["event"] for s in json.loads(with_token[1])["series"]} == {"page view", "click"}
    assert without == (401, '{"message": "Unauthorized"}')


def test_the_printed_token_and_curl_line_work_as_pasted(running: Up) -> None:
    # Given only the two lines the banner prints (no AWS CLI, no other tool)
    token = running.value(r"TOKEN='([^']+)'")
    url = running.value(r'curl -s -H "Authorization: \$TOKEN" "(\S+)"')

    status, body = demo.http_get(url, {"Authorization": token})

    assert status == 200, body


def test_typing_token_prints_a_fresh_working_token(running: Up) -> None:
    first = running.value(r"TOKEN='([^']+)'")
    seen = len(running.output)
    assert running.process.stdin is not None
    running.process.stdin.write("token\n")
    running.process.stdin.flush()

    deadline = time.monotonic() + 60
    fresh = None
    while fresh is None:
        assert time.monotonic() < deadline, "no new TOKEN line"
        for line in running.output[seen:]:
            match = re.match(r"TOKEN='([^']+)'", line)
            if match and match.group(1) != first:
                fresh = match.group(1)
        time.sleep(0.1)

    url = running.value(r'curl -s -H "Authorization: \$TOKEN" "(\S+)"')
    assert demo.http_get(url, {"Authorization": fresh})[0] == 200


def test_the_terminal_shows_one_compact_line_per_invocation(running: Up) -> None:
    # The seeded traffic runs the replicator, the archiver and the counter, each once or more.
    running.wait_for("StreamReplicatorFunction")
    lines = [line for line in running.output if re.search(r"\d+ ms  ", line)]

    replicated = [line for line in lines if "StreamReplicatorFunction" in line]
    assert replicated, running.output[-20:]
    assert re.search(r"kinesis \d+ records?\s+\d+ ms  ok", replicated[0]), replicated[0]
    # and no raw log or metric JSON from the functions
    assert not [line for line in running.output if line.lstrip().startswith("{")]


def test_verbose_brings_the_functions_own_logs_back() -> None:
    up = start_up("--verbose")
    try:
        up.wait_for('"_aws"')  # a Powertools metrics document, as a function prints it
        assert any(line.startswith("[") and '"level"' in line for line in up.output)
    finally:
        stop(up)


def test_seeded_traffic_moves_the_counters(running: Up) -> None:
    token = sign_in(running, running.value(r"Demo user\s+(\S+)"), running.value(r"password (\S+)"))
    url = running.value(r'curl -s -H "Authorization: \$TOKEN" "(\S+)"')

    deadline = time.monotonic() + 30
    total = 0
    while total == 0 and time.monotonic() < deadline:
        status, body = demo.http_get(url, {"Authorization": token})
        assert status == 200, body
        total = sum(series["total"] for series in json.loads(body)["series"])
        time.sleep(0.5)

    assert total > 0


def test_typed_advance_runs_the_inactivity_flow(running: Up) -> None:
    # Given a user who signs in (the PostAuthentication recorder runs as a Cognito trigger)
    pool_id = running.value(r"User pool\s+(\S+)")
    username, password = "traveller@example.com", demo.generate_password()
    cognito = running.cognito()
    cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    sign_in(running, username, password)

    # When the local cloud's clock is moved past the inactivity threshold from the console
    assert running.process.stdin is not None
    running.process.stdin.write("advance 91d\n")
    running.process.stdin.flush()
    running.wait_for("clock advanced by 91d")

    # Then the TTL sweep, the filtered stream and the disabler have run: the next sign-in fails
    with pytest.raises(ClientError, match="User is disabled"):
        sign_in(running, username, password)


def test_sigterm_stops_it_cleanly() -> None:
    up = start_up()

    code = stop(up)

    assert code == 0
    up.wait_for("stopped cleanly")
