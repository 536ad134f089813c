"""AdminDisableUser rate of the disabler over 500 expired users, against Cognito's 25 requests/s quota.

A figure, not an assert. The template is deployed into in-process moto, 500 users get an inactivity
record that TTL then deletes, and the REMOVE records go through the mapping's filter and batch size to
the real handler (rate limiter included). Every AdminDisableUser that reaches Cognito is timestamped.
Baseline, in the same run: the same 500 AdminDisableUser calls made directly, without the limiter, which
shows how far above the quota the calls would go if nothing held them back.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from typing import Any

from tests.integration.remediation.support import Pool, deliver, expired_removals, timed_disables
from tests.support.harness import StackHarness, deployed_stack

USERS = 500
QUOTA = 25.0


def _expired_users(
    stack: StackHarness, count: int
) -> tuple[Pool, list[dict[str, str]], list[dict[str, Any]]]:
    pool = Pool(stack)
    users = []
    for i in range(count):
        user = pool.idp.admin_create_user(UserPoolId=pool.id, Username=f"user{i:04d}@example.com")["User"]
        sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
        users.append({"username": user["Username"], "sub": sub})
    return pool, users, expired_removals(stack, users, pool.id)


def _rates(calls: list[float]) -> tuple[float, int]:
    """Mean requests/s over the run, and the most requests in any one-second window."""
    span = calls[-1] - calls[0]
    mean = (len(calls) - 1) / span if span > 0 else float("inf")
    left, busiest = 0, 0
    for right, t in enumerate(calls):
        while t - calls[left] >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    return mean, busiest


def _quietly(action: Callable[[], Any]) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        return action()


def main() -> None:
    with deployed_stack({"LogLevel": "WARNING"}) as stack:
        pool, users, removals = _expired_users(stack, USERS)
        with timed_disables() as calls:
            started = time.perf_counter()
            outcome = _quietly(lambda: deliver(stack, removals))
            elapsed = time.perf_counter() - started
        still_enabled = sum(pool.enabled(u["username"]) for u in users)
        mean, busiest = _rates(calls)

        for user in users:
            pool.idp.admin_enable_user(UserPoolId=pool.id, Username=user["username"])
        with timed_disables() as raw_calls:
            for user in users:
                pool.idp.admin_disable_user(UserPoolId=pool.id, Username=user["username"])
        raw_mean, raw_busiest = _rates(raw_calls)

    failed = len(outcome["batchItemFailures"])
    print(f"expired users delivered        {outcome['delivered']} (failed items: {failed})")
    print(f"users still enabled afterwards {still_enabled}")
    print(f"AdminDisableUser calls         {len(calls)} in {elapsed:.1f} s")
    print(f"disabler mean rate             {mean:.2f} req/s  ({mean / QUOTA:.0%} of the {QUOTA:.0f}/s quota)")
    print(f"disabler busiest 1 s window    {busiest} requests (quota {QUOTA:.0f})")
    print(f"baseline, no limiter           {raw_mean:.0f} req/s mean, {raw_busiest} in the busiest second")


if __name__ == "__main__":
    main()
