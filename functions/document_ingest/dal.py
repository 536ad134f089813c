"""The ingest function's own boto3 code: the index request queue (documents go through stratus_shared)."""

from __future__ import annotations

from models import IndexRequest

from stratus_shared import aws


def send_index_request(queue_url: str, request: IndexRequest) -> None:
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=request.model_dump_json(exclude_none=True))
