"""Archiver logic without AWS: flattening, 500-record / 4 MiB grouping, resending only refused records."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

FUNCTION = "replica_archiver"


@pytest.fixture
def logic(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "logic")


@pytest.fixture
def dal(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "dal")


@pytest.fixture
def models(function_module: Callable[[str, str], ModuleType]) -> ModuleType:
    return function_module(FUNCTION, "models")


def test_flatten_keeps_numbers_numbers(logic: ModuleType) -> None:
    value = {
        "n": Decimal("3"),
        "f": Decimal("2.5"),
        "nested": [Decimal("1"), {"x": Decimal("-7")}],
        "s": {"b", "a"},
    }

    assert logic.flatten(value) == {"n": 3, "f": 2.5, "nested": [1, {"x": -7}], "s": ["a", "b"]}
    assert isinstance(logic.flatten(Decimal("3")), int)


def test_new_images_become_ndjson_lines_and_removals_are_skipped(logic: ModuleType, event: Any) -> None:
    records = event(FUNCTION, "new_items")["Records"]
    removal = json.loads(json.dumps(records[0]))
    removal["eventName"] = "REMOVE"
    del removal["dynamodb"]["NewImage"]

    lines = logic.lines_for([removal, *records])

    assert len(lines) == len(records)
    first = json.loads(lines[0].data)
    assert lines[0].data.endswith(b"\n")
    assert first["sequenceNumber"] == records[0]["dynamodb"]["NewImage"]["sequenceNumber"]["S"]
    assert first["nanotimestamp"] == int(records[0]["dynamodb"]["NewImage"]["nanotimestamp"]["N"])


def test_batches_hold_at_most_500_records_and_4_mib(logic: ModuleType, models: ModuleType) -> None:
    small = [models.ArchiveLine(str(i), b"x" * 100) for i in range(1203)]
    big = [models.ArchiveLine(str(i), b"y" * 1_000_000) for i in range(9)]

    assert [len(b) for b in logic.batches(small)] == [500, 500, 203]
    groups = list(logic.batches(big))
    assert [len(b) for b in groups] == [4, 4, 1]
    assert all(sum(len(line.data) for line in b) <= 4 * 1024 * 1024 for b in groups)


class FakeFirehose:
    """Refuses the records at `refuse` positions of the first call (of every call with `always`)."""

    def __init__(self, refuse: set[int], always: bool = False) -> None:
        self.calls: list[list[bytes]] = []
        self.refuse = refuse
        self.always = always
        self.refused: set[bytes] = set()

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:
        data = [r["Data"] for r in Records]
        self.calls.append(data)
        if len(self.calls) == 1:
            self.refused = {data[i] for i in self.refuse}
        refuse = self.refused if (len(self.calls) == 1 or self.always) else set()
        results = [
            {"ErrorCode": "ServiceUnavailableException"} if d in refuse else {"RecordId": str(i)}
            for i, d in enumerate(data)
        ]
        return {"FailedPutCount": sum("ErrorCode" in r for r in results), "RequestResponses": results}


def test_only_refused_records_are_resent(dal: ModuleType, models: ModuleType) -> None:
    lines = [models.ArchiveLine(str(i), f"{i}\n".encode()) for i in range(6)]
    firehose = FakeFirehose(refuse={1, 4})

    left = dal.FirehoseSink("archive", firehose, sleep=lambda _: None).put_batch(lines)

    assert left == []
    assert firehose.calls[1] == [b"1\n", b"4\n"]


def test_records_still_refused_are_reported_for_retry(logic: ModuleType, dal: ModuleType, event: Any) -> None:
    records = event(FUNCTION, "new_items")["Records"]
    firehose = FakeFirehose(refuse={2}, always=True)
    sink = dal.FirehoseSink("archive", firehose, max_attempts=3, sleep=lambda _: None)

    result = logic.archive(records, sink)

    assert result.failed_sequence_numbers == [records[2]["dynamodb"]["SequenceNumber"]]
    assert result.delivered == len(records) - 1
    assert len(firehose.calls) == 3


def test_a_line_over_firehoses_record_limit_is_reported_not_sent(
    logic: ModuleType, dal: ModuleType, event: Any
) -> None:
    # Given an item whose flattened line exceeds 1,000 KiB (escaped control characters grow sixfold)
    records = json.loads(json.dumps(event(FUNCTION, "new_items")["Records"][:3]))
    records[1]["dynamodb"]["NewImage"]["blob"] = {"S": "\x01" * 180_000}
    firehose = FakeFirehose(refuse=set())

    # When the batch is archived
    result = logic.archive(records, dal.FirehoseSink("archive", firehose, sleep=lambda _: None))

    # Then the other lines go out in one call, and the oversized one is reported, never sent or retried
    assert result.oversized_sequence_numbers == [records[1]["dynamodb"]["SequenceNumber"]]
    assert result.failed_sequence_numbers == []
    assert result.delivered == 2
    assert [len(call) for call in firehose.calls] == [2]
    assert all(len(data) <= 1000 * 1024 for call in firehose.calls for data in call)


def test_non_ascii_text_is_written_as_utf8_not_escapes(logic: ModuleType, event: Any) -> None:
    records = json.loads(json.dumps(event(FUNCTION, "new_items")["Records"][:1]))
    records[0]["dynamodb"]["NewImage"]["page"] = {"S": "/charité/日本"}

    (line,) = logic.lines_for(records)

    assert "/charité/日本".encode() in line.data
    assert json.loads(line.data)["page"] == "/charité/日本"
