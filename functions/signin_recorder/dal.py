"""The inactivity table, as the recorder writes it: the only module here that touches boto3."""

from __future__ import annotations

from stratus_shared.aws import client
from stratus_shared.inactivity_store import InactivityStore


def record_table(
    table_name: str, *, attempts: int, connect_timeout: float, read_timeout: float
) -> InactivityStore:
    """The table behind a client whose retries and timeouts fit a Cognito trigger's 5 s."""
    dynamodb = client(
        "dynamodb", max_attempts=attempts, connect_timeout=connect_timeout, read_timeout=read_timeout
    )
    return InactivityStore(table_name, dynamodb)
