"""boto3 clients created once per container.

Endpoints follow AWS_ENDPOINT_URL (boto3 reads it natively), which is how the local cloud points
functions at moto. Retry settings are explicit because several callers sit under tight quotas.
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_DEFAULT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@cache
def client(
    service: str,
    max_attempts: int | None = None,
    *,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> Any:
    """A cached boto3 client; `max_attempts` overrides the standard retry budget and the timeouts
    shorten the defaults for callers with a hard deadline (Cognito triggers answer within 5 s)."""
    config = _DEFAULT_CONFIG
    if max_attempts is not None:
        config = config.merge(Config(retries={"mode": "standard", "max_attempts": max_attempts}))
    if connect_timeout is not None:
        config = config.merge(Config(connect_timeout=connect_timeout))
    if read_timeout is not None:
        config = config.merge(Config(read_timeout=read_timeout))
    return boto3.session.Session().client(service, config=config)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials between cases)."""
    client.cache_clear()
