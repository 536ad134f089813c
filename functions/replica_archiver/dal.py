"""The archiver's only boto3 code: PutRecordBatch, resending only what Firehose refused."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from models import ArchiveLine

from stratus_shared import aws
from stratus_shared.observability import logger


class FirehoseSink:
    def __init__(
        self,
        delivery_stream_name: str,
        firehose: Any | None = None,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._name = delivery_stream_name
        self._firehose = firehose if firehose is not None else aws.client("firehose")
        self._max_attempts = max_attempts
        self._sleep = sleep

    def put_batch(self, lines: Sequence[ArchiveLine]) -> list[ArchiveLine]:
        pending = list(lines)
        for attempt in range(self._max_attempts):
            response = self._firehose.put_record_batch(
                DeliveryStreamName=self._name, Records=[{"Data": line.data} for line in pending]
            )
            if not response.get("FailedPutCount"):
                return []
            # RequestResponses is positional: keep only the entries Firehose reports failed.
            pending = [
                line
                for line, result in zip(pending, response["RequestResponses"], strict=True)
                if "ErrorCode" in result
            ]
            logger.warning("firehose refused records", count=len(pending), attempt=attempt + 1)
            if attempt + 1 < self._max_attempts:
                self._sleep(aws.full_jitter(attempt, base=0.1, cap=2.0))
        return pending
