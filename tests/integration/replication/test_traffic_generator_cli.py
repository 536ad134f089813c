"""The traffic generator's command puts events into the deployed stack's stream at the chosen rate."""

from __future__ import annotations

import json

import pytest

from tests.integration.replication.conftest import KinesisPump
from tests.support.harness import StackHarness
from tools import traffic_generator


def test_the_command_puts_the_requested_events(
    stack: StackHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = stack.output("WebAnalyticsStreamName")

    assert (
        traffic_generator.main(["--stream-name", stream, "--rate", "500", "--count", "1200", "--seed", "4"])
        == 0
    )

    records = KinesisPump(stack).read()
    assert len(records) == 1200
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"stream": stream, "sent": 1200}
