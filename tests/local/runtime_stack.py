"""The local cloud's own test stack (tests/local/fixtures/runtime) and how to read what it recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratus_local.cloud import LocalCloud

TEMPLATE = Path(__file__).parent / "fixtures" / "runtime" / "template.yaml"


@dataclass(frozen=True)
class Call:
    """One invocation the fixture functions recorded."""

    at: int
    source: str
    names: list[str]
    event: Any


def start_runtime_cloud() -> Iterator[LocalCloud]:
    with LocalCloud(TEMPLATE, port=0, stack_name="runtime-test", prefix_logs=False) as cloud:
        yield cloud


def calls(cloud: LocalCloud, source: str) -> list[Call]:
    """Invocations whose event source ARN (or trigger source) contains `source`, oldest first."""
    pages = cloud.client("dynamodb").get_paginator("scan").paginate(TableName=cloud.output("CallsTableName"))
    found = [
        Call(
            at=int(item["at"]["N"]),
            source=item["source"]["S"],
            names=[n["S"] for n in item["names"]["L"]],
            event=json.loads(item["records"]["S"]),
        )
        for page in pages
        for item in page["Items"]
        if source in item["source"]["S"]
    ]
    return sorted(found, key=lambda c: c.at)


def calls_with(cloud: LocalCloud, source: str, tag: str) -> list[Call]:
    """Invocations that carried at least one record named with `tag` (tests tag their records)."""
    return [c for c in calls(cloud, source) if any(n.startswith(tag) for n in c.names)]
