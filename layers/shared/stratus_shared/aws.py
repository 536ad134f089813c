"""boto3 clients created once per container.

Endpoints follow AWS_ENDPOINT_URL (boto3 reads it natively), which is how the local cloud points
functions at moto. Retry settings are explicit because several callers sit under tight quotas.
"""

import random
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Cognito waits 5 s for a trigger, cold start included; a trigger's AWS calls must fit in what is left.
COGNITO_TRIGGER_CALL_BUDGET_SECONDS = 3.5

_DEFAULT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@cache
def client(
    service: str,
    max_attempts: int | None = None,
    *,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> Any:
    """A cached boto3 client; `max_attempts` is the number of attempts in all, first one included, and
    the timeouts shorten the defaults for callers with a hard deadline (Cognito triggers answer within
    5 s)."""
    config = _DEFAULT_CONFIG
    if max_attempts is not None:
        # botocore's own `max_attempts` counts retries only (one more call than the name says).
        config = config.merge(Config(retries={"mode": "standard", "total_max_attempts": max_attempts}))
    if connect_timeout is not None:
        config = config.merge(Config(connect_timeout=connect_timeout))
    if read_timeout is not None:
        config = config.merge(Config(read_timeout=read_timeout))
    return boto3.session.Session().client(service, config=config)  # type: ignore[call-overload]


def full_jitter(attempt: int, *, base: float, cap: float) -> float:
    """Seconds to wait before retry `attempt` (0-based) of work botocore does not retry itself
    (unprocessed batch items, refused Firehose records, cancelled transactions): full jitter, capped."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - jitter, not security


def worst_case_seconds(max_attempts: int, connect_timeout: float, read_timeout: float) -> float:
    """How long one call can take with these settings: every attempt timing out, plus botocore's
    standard-mode back-off between attempts (at most 2 ** (n - 1) s before retry n, capped at 20 s)."""
    backoff = sum(min(2.0 ** (retry - 1), 20.0) for retry in range(1, max_attempts))
    return max_attempts * (connect_timeout + read_timeout) + backoff


def require_within_trigger_budget(seconds: float, settings: str) -> None:
    """Refuse (ValueError) retry and timeout settings that could outlast a Cognito trigger's deadline:
    Cognito would then fail the sign-in the trigger meant to let through."""
    if seconds > COGNITO_TRIGGER_CALL_BUDGET_SECONDS:
        raise ValueError(
            f"{settings} retry settings allow {seconds:.2f} s of AWS calls; "
            f"a Cognito trigger has {COGNITO_TRIGGER_CALL_BUDGET_SECONDS} s"
        )


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials between cases)."""
    client.cache_clear()
