"""EventBridge Scheduler one-time schedules, fired on the local cloud's clock.

moto stores schedules (CreateSchedule, GetSchedule, ...) but never fires them. Here every `at(...)`
schedule that is ENABLED fires once when the cloud's clock reaches its time (in its
ScheduleExpressionTimezone): an SQS target gets the schedule's `Input` as a message body (with the
target's MessageGroupId for FIFO queues), a Lambda target an asynchronous invocation with `Input` as
the event. With `ActionAfterCompletion: DELETE` the schedule is then deleted, as Scheduler does;
otherwise it stays, marked done. Recurring `rate()`/`cron()` schedules and other target types are
logged once as not emulated. A flexible time window fires at its start.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger("stratus_local.scheduler")

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def at_time(expression: str, timezone: str | None) -> float | None:
    """Epoch seconds of an `at(yyyy-mm-ddThh:mm:ss)` expression, or None for any other expression."""
    match = _AT.match(expression.strip())
    if match is None:
        return None
    zone = ZoneInfo(timezone or "UTC")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).timestamp()


class OneTimeSchedules:
    """Fires due one-time schedules held by moto's scheduler backend of one account and region."""

    def __init__(
        self,
        account_id: str,
        region: str,
        clients: Callable[[str], Any],
        invoke_async: Callable[[str, Any, str], None],
        knows_function: Callable[[str], bool],
    ) -> None:
        self.account_id = account_id
        self.region = region
        self._clients = clients
        self._invoke_async = invoke_async
        self._knows_function = knows_function
        self._done: set[str] = set()
        self._warned: set[str] = set()
        self.fired = 0

    def _backend(self) -> Any:
        from moto.scheduler.models import scheduler_backends

        return scheduler_backends[self.account_id][self.region]

    def pending(self) -> int:
        """Schedules that will still fire (ENABLED, one-time, not yet fired)."""
        return sum(1 for _, schedule in self._schedules() if self._fires(schedule) is not None)

    def _schedules(self) -> list[tuple[Any, Any]]:
        backend = self._backend()
        return [
            (group, s)
            for group in list(backend.schedule_groups.values())
            for s in list(group.schedules.values())
        ]

    def _fires(self, schedule: Any) -> float | None:
        if schedule.arn in self._done or (schedule.state or "ENABLED") != "ENABLED":
            return None
        when = at_time(schedule.schedule_expression, schedule.schedule_expression_timezone)
        if when is None:
            self._warn(
                schedule.arn, f"schedule {schedule.name}: {schedule.schedule_expression} is not emulated"
            )
        return when

    def fire_due(self, now: float) -> int:
        fired = 0
        for group, schedule in self._schedules():
            when = self._fires(schedule)
            if when is None or when > now:
                continue
            self._deliver(schedule)
            fired += 1
            if (schedule.action_after_completion or "NONE") == "DELETE":
                group.schedules.pop(schedule.name, None)
            else:
                self._done.add(schedule.arn)
        self.fired += fired
        return fired

    def _deliver(self, schedule: Any) -> None:
        target = schedule.target or {}
        arn = str(target.get("Arn", ""))
        payload = target.get("Input")
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "sqs":
            sqs = self._clients("sqs")
            url = sqs.get_queue_url(QueueName=arn.split(":")[5], QueueOwnerAWSAccountId=arn.split(":")[4])[
                "QueueUrl"
            ]
            message: dict[str, Any] = {
                "QueueUrl": url,
                "MessageBody": payload if payload is not None else "{}",
            }
            group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if group_id:
                message["MessageGroupId"] = group_id
            sqs.send_message(**message)
        elif service == "lambda" and self._knows_function(arn):
            event = json.loads(payload) if payload else {}
            self._invoke_async(arn, event, f"scheduler:{schedule.name}")
        else:
            self._warn(schedule.arn, f"schedule {schedule.name}: target {arn or '(none)'} is not emulated")

    def _warn(self, arn: str, text: str) -> None:
        if arn not in self._warned:
            self._warned.add(arn)
            log.warning("not emulated by the local cloud: %s", text)
