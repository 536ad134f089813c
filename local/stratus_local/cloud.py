"""The local cloud: template.yaml deployed on moto's server, its functions run in this process.

    with LocalCloud() as cloud:                       # moto on 127.0.0.1:4566, template deployed
        cognito = cloud.client("cognito-idp")         # boto3 at the local endpoint
        ...                                           # triggers, streams, queues run as in AWS
        cloud.clock.advance(91 * 86400)               # TTL, schedules, retries fall due and run
        cloud.clock.drain()                           # run every pending event until none is left

Deliveries are driven by the cloud's clock: tests call `drain()` (deterministic, nothing runs behind
their back except Step Functions executions, which moto interprets on its own threads and `drain()`
waits for); `make local` starts a background pump that does the same every half second.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import boto3

from stratus_local import server, stepfunctions
from stratus_local.clock import Clock
from stratus_local.cognito import CognitoTriggers
from stratus_local.deployer import DeployedStack, deploy
from stratus_local.event_sources import MappingConfig, Poller, poller_for
from stratus_local.invocations import Invocation
from stratus_local.runner import FunctionError, FunctionTimeoutError, LoadedFunction, invoke_api_result
from stratus_local.scheduler import OneTimeSchedules
from stratus_local.template import translate
from stratus_local.ttl import TtlSweeper

log = logging.getLogger("stratus_local.cloud")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = ROOT / "template.yaml"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
# Lambda retries a failed asynchronous invocation twice, about one and then two minutes later.
ASYNC_RETRY_DELAYS = (60.0, 120.0)
# How long drain() waits for moto's Step Functions threads (real seconds; they run real code).
EXECUTION_WAIT_SECONDS = 60.0

# What Lambda itself puts in every function's environment (moto accepts any credentials).
LAMBDA_BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


class CloudClock(Clock):
    """The clock tests hold: `advance` runs what falls due, `drain` runs everything pending."""

    def __init__(self, cloud: LocalCloud) -> None:
        super().__init__()
        self._cloud = cloud

    def advance(self, seconds: float) -> None:
        # What was pending before the jump would have run before it in AWS.
        self._cloud.run_due()
        super().advance(seconds)
        self._cloud.run_due()

    def drain(self, max_rounds: int = 1000) -> int:
        return self._cloud.drain(max_rounds)


@dataclass(order=True)
class _AsyncInvocation:
    due: float
    order: int
    function: str = field(compare=False)
    event: Any = field(compare=False)
    source: str = field(compare=False)
    attempt: int = field(default=1, compare=False)


@dataclass
class _Schedule:
    rule: str
    arn: str
    period: float
    targets: list[dict[str, Any]]
    next_at: float


class _PrefixedOutput(io.TextIOBase):
    """stdout that prefixes lines written by a function's thread with the function's name, or drops
    them (`hide`: `make local` shows one line per invocation instead, unless --verbose)."""

    def __init__(self, target: TextIO, names: Mapping[str, str], hide: bool = False) -> None:
        self.target = target
        self.names = names
        self.hide = hide
        self._partial: dict[int, bool] = {}

    def write(self, text: str) -> int:
        thread = threading.current_thread()
        logical_id = thread.name.removeprefix("lambda-") if thread.name.startswith("lambda-") else None
        if logical_id is None:
            return self.target.write(text)
        if self.hide:
            return len(text)
        prefix = f"[{self.names.get(logical_id, logical_id)}] "
        at_line_start = not self._partial.get(thread.ident or 0, False)
        out = []
        for line in text.splitlines(keepends=True):
            out.append((prefix if at_line_start else "") + line)
            at_line_start = line.endswith("\n")
        self._partial[thread.ident or 0] = not at_line_start
        return self.target.write("".join(out))

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()


class LocalCloud:
    """Stratus on one machine: moto's server, the deployed template, the runner and the event wiring."""

    def __init__(
        self,
        template: str | Path = DEFAULT_TEMPLATE,
        *,
        parameters: Mapping[str, str] | None = None,
        host: str = server.DEFAULT_HOST,
        port: int | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        stack_name: str = "stratus-local",
        background: bool = False,
        prefix_logs: bool = True,
        function_logs: bool = True,
        invocation_log: Callable[[Invocation], None] | None = None,
    ) -> None:
        self.template = Path(template)
        self.parameters = dict(parameters or {})
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.background = background
        self.prefix_logs = prefix_logs
        self.function_logs = function_logs
        self.invocation_log = invocation_log
        self.clock = CloudClock(self)
        self._server = server.LocalMotoServer(host, port, middleware=self._cognito_middleware)
        self._stack: DeployedStack | None = None
        self._functions: dict[str, LoadedFunction] = {}
        self._names: dict[str, str] = {}
        self._pollers: list[Poller] = []
        self._async: list[_AsyncInvocation] = []
        self._order = itertools.count()
        self._schedules: list[_Schedule] = []
        self._sweeper = TtlSweeper(self.clock, account_id, region)
        self._one_time = OneTimeSchedules(account_id, region, self.client, self.invoke_async, self.knows)
        self._lock = threading.RLock()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._async_lock = threading.Lock()
        self._stop = threading.Event()
        self._pump: threading.Thread | None = None
        self._saved_env: dict[str, str | None] = {}
        self._saved_stdout: TextIO | None = None
        self.not_emulated: list[str] = []
        self.failed_async: list[tuple[str, Any, str]] = []
        self._started = False

    # ---- lifecycle ----------------------------------------------------------------------------
    def _cognito_middleware(self, app: server.WsgiApp) -> server.WsgiApp:
        return CognitoTriggers(app, account_id=self.account_id, region=self.region, router=lambda: self)

    @property
    def endpoint_url(self) -> str:
        return str(self._server.endpoint_url)

    @property
    def stack(self) -> DeployedStack:
        if self._stack is None:
            raise RuntimeError("the local cloud is not started")
        return self._stack

    def start(self) -> LocalCloud:
        if self._started:
            return self
        server.install_hooks()
        self._server.start()
        self._started = True
        self._install_clock(self.clock.offset_source)
        try:
            # moto's backends are process-wide: start from nothing, as a fresh account would.
            self._reset_moto()
            self._set_process_env()
            translated = translate(self.template, self.parameters, region=self.region)
            self._stack = deploy(
                translated,
                parameters=self.parameters,
                endpoint_url=self.endpoint_url,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
            )
            base_env = {
                **LAMBDA_BASE_ENV,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_ENDPOINT_URL": self.endpoint_url,
            }
            for logical_id, spec in self._stack.functions.items():
                self._functions[logical_id] = LoadedFunction(spec, base_env)
                self._names[logical_id] = spec.function_name
            if self.prefix_logs:
                self._saved_stdout = sys.stdout
                sys.stdout = _PrefixedOutput(  # type: ignore[assignment]
                    sys.stdout, self._names, hide=not self.function_logs
                )
            server.set_router(self)
            self._wire()
            self._report_not_emulated()
        except BaseException:
            self.stop()
            raise
        if self.background:
            self._pump = threading.Thread(target=self._pump_loop, name="stratus-local-pump", daemon=True)
            self._pump.start()
        return self

    def stop(self) -> None:
        if not self._started:
            return
        self._stop.set()
        if self._pump is not None:
            self._pump.join(timeout=10)
        server.set_router(None)
        self._install_clock(None)
        if self._saved_stdout is not None:
            sys.stdout = self._saved_stdout
            self._saved_stdout = None
        with contextlib.suppress(OSError):  # leave no state behind for the next cloud in this process
            self._reset_moto()
        self._server.stop()
        with self._clients_lock:
            self._clients.clear()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._reset_shared_clients()
        self._started = False

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @staticmethod
    def _install_clock(source: Any) -> None:
        """SQS (delays, visibility) and functions reading stratus_shared.clock follow the cloud's clock."""
        server.set_clock_offset(source)
        try:
            from stratus_shared import clock as shared_clock
        except ImportError:  # a template without the shared layer
            return
        shared_clock.set_offset_source(source)

    def _set_process_env(self) -> None:
        """moto's Step Functions interpreter calls Lambda at localhost:$MOTO_PORT."""
        _, port = self._server.get_host_and_port()
        env = {"MOTO_PORT": str(port), "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}
        for key, value in env.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        self._reset_shared_clients()

    def _reset_moto(self) -> None:
        import urllib.request

        url = f"{self.endpoint_url}/moto-api/reset"  # always http://127.0.0.1:<port>
        request = urllib.request.Request(url, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()

    @staticmethod
    def _reset_shared_clients() -> None:
        """Functions cache boto3 clients per process; a new endpoint needs new clients."""
        module = sys.modules.get("stratus_shared.aws")
        if module is not None:
            module.reset_clients()

    # ---- clients ------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client for the local endpoint (moto accepts any credentials), one per service: creating a
        client costs tens of milliseconds, and the event sources ask for one on every poll."""
        with self._clients_lock:
            found = self._clients.get(service)
            if found is None:
                found = boto3.client(  # type: ignore[call-overload]
                    service,
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",  # noqa: S106
                )
                self._clients[service] = found
            return found

    def output(self, name: str) -> Any:
        return self.stack.outputs[name]

    def parameter(self, name: str) -> Any:
        """A template parameter as deployed (the value given, else its default)."""
        return self.stack.resolver.parameter(name)

    # ---- functions ----------------------------------------------------------------------------
    def function(self, logical_id: str) -> LoadedFunction:
        return self._functions[logical_id]

    def invoke(self, logical_id: str, event: Any, timeout: float | None = None) -> Any:
        """Run a function as Lambda would (raises FunctionError / FunctionTimeoutError)."""
        started = time.perf_counter()
        try:
            result = self._functions[logical_id].invoke(event, timeout)
        except FunctionError as exc:
            self._log_invocation(logical_id, event, started, error=exc.error)
            raise
        except FunctionTimeoutError as exc:
            self._log_invocation(logical_id, event, started, error=exc)
            raise
        self._log_invocation(logical_id, event, started, result=result)
        return result

    def _log_invocation(
        self, logical_id: str, event: Any, started: float, result: Any = None, error: Any = None
    ) -> None:
        if self.invocation_log is not None:
            seconds = time.perf_counter() - started
            self.invocation_log(Invocation(logical_id, event, seconds, result, error))

    def _logical_id(self, name: str) -> str | None:
        return self.stack.function_for_arn(name)

    # LambdaRouter (server hooks and Cognito triggers)
    def knows(self, function_name: str) -> bool:
        return self._stack is not None and self._logical_id(function_name) is not None

    def invoke_sync(
        self, function_name: str, event: Any, timeout: float | None = None
    ) -> tuple[Any, str | None]:
        logical_id = self._logical_id(function_name)
        if logical_id is None:
            raise KeyError(function_name)
        return invoke_api_result(lambda: self.invoke(logical_id, event, timeout))

    def invoke_async(self, function_name: str, event: Any, source: str) -> None:
        logical_id = self._logical_id(function_name)
        if logical_id is None:
            raise KeyError(function_name)
        with self._async_lock:
            heapq.heappush(
                self._async, _AsyncInvocation(self.clock.now(), next(self._order), logical_id, event, source)
            )

    # ---- wiring -------------------------------------------------------------------------------
    def _wire(self) -> None:
        stack = self.stack
        for mapping in stack.event_source_mappings:
            logical_id = stack.function_for_arn(str(mapping["FunctionName"]))
            if logical_id is None:
                self.not_emulated.append(f"{mapping['LogicalId']}: event source for unknown function")
                continue
            props = {**mapping, "FunctionName": logical_id}
            for prop in sorted(set(props) - MappingConfig.HONOURED - _ESM_HARMLESS):
                self.not_emulated.append(f"{mapping['LogicalId']}: {prop} is ignored")
            config = MappingConfig.from_properties(props, stack.functions[logical_id].arn)
            if config.kind not in {"dynamodb", "kinesis", "sqs"}:
                self.not_emulated.append(f"{mapping['LogicalId']} (event source {config.source_arn})")
                continue
            self._pollers.append(poller_for(config, self.invoke, self.client, self.clock, self.region))
        self._wire_rules()
        self._wire_buckets()

    def _wire_rules(self) -> None:
        events = self.client("events")
        for rule in self.stack.rules:
            targets = rule.get("Targets", [])
            lambdas = [t for t in targets if ":lambda:" in t["Arn"]]
            for target in targets:
                if ":states:" in target["Arn"]:
                    self.not_emulated.append(f"{rule['LogicalId']}: Step Functions target {target['Id']}")
            if rule.get("State", "ENABLED") != "ENABLED" or not lambdas:
                continue
            if "ScheduleExpression" in rule:
                period = _rate_seconds(rule["ScheduleExpression"])
                if period is None:
                    self.not_emulated.append(f"{rule['LogicalId']}: schedule {rule['ScheduleExpression']}")
                    continue
                arn = self.stack.attrs[f"{rule['LogicalId']}.Arn"]
                self._schedules.append(
                    _Schedule(rule["Name"], arn, period, lambdas, self.clock.now() + period)
                )
            if "EventPattern" in rule:
                keep = {"Id", "Arn", "Input", "InputPath", "InputTransformer"}
                events.put_targets(
                    Rule=rule["Name"],
                    EventBusName=rule["EventBusName"],
                    Targets=[{k: v for k, v in t.items() if k in keep} for t in lambdas],
                )

    def _wire_buckets(self) -> None:
        s3 = self.client("s3")
        for bucket, config in self.stack.bucket_notifications.items():
            for topic in config.get("TopicConfigurations", []):
                self.not_emulated.append(f"{bucket}: S3 -> SNS notification {topic.get('Topic')}")
            lambdas = config.get("LambdaConfigurations", [])
            if not lambdas:
                continue
            current = s3.get_bucket_notification_configuration(Bucket=bucket)
            current.pop("ResponseMetadata", None)
            current["LambdaFunctionConfigurations"] = [
                {"LambdaFunctionArn": c["Function"], "Events": [c["Event"]], **_key_filter(c)}
                for c in lambdas
            ]
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=current)

    def _report_not_emulated(self) -> None:
        lines = [f"{lid} ({kind})" for lid, kind in self.stack.unsupported] + self.not_emulated
        self.not_emulated = lines
        for line in lines:  # `make local` prints them too; tests read `not_emulated`
            log.warning("not emulated by the local cloud: %s", line)

    # ---- running ------------------------------------------------------------------------------
    def pending(self) -> int:
        """Records buffered or awaiting retry, plus queued asynchronous invocations."""
        return sum(p.pending() for p in self._pollers) + len(self._async)

    def run_due(self, flush: bool = False) -> int:
        """One pass over everything that is due on the clock; returns how many things ran."""
        with self._lock:
            ran = 0
            ran += self._fire_schedules()
            ran += self._one_time.fire_due(self.clock.now())
            ran += self._sweeper.sweep()
            ran += self._run_async()
            for poller in self._pollers:
                ran += int(poller.step(flush))
            return ran

    def drain(self, max_rounds: int = 1000) -> int:
        """Run every pending event (batching windows flushed) until nothing is left to run.

        Retries that wait on the clock (SQS visibility, async retries, unlimited stream retries) stay
        pending until the clock is advanced: draining never moves time.
        """
        total = 0
        for _ in range(max_rounds):
            ran = self.run_due(flush=True)
            waited = self._wait_for_executions()
            total += ran
            if not ran and not waited:
                return total
        raise RuntimeError(
            f"drain(): still busy after {max_rounds} rounds (an event loop between functions?)"
        )

    def _fire_schedules(self) -> int:
        now, fired = self.clock.now(), 0
        for schedule in self._schedules:
            while schedule.next_at <= now:
                for target in schedule.targets:
                    event = (
                        json.loads(target["Input"])
                        if "Input" in target
                        else {
                            "version": "0",
                            "id": str(uuid.uuid4()),
                            "detail-type": "Scheduled Event",
                            "source": "aws.events",
                            "account": self.account_id,
                            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(schedule.next_at)),
                            "region": self.region,
                            "resources": [schedule.arn],
                            "detail": {},
                        }
                    )
                    self.invoke_async(target["Arn"], event, source=f"schedule:{schedule.rule}")
                schedule.next_at += schedule.period
                fired += 1
        return fired

    def _run_async(self) -> int:
        ran, now = 0, self.clock.now()
        while True:
            with self._async_lock:
                if not self._async or self._async[0].due > now:
                    return ran
                item = heapq.heappop(self._async)
            ran += 1
            try:
                self.invoke(item.function, item.event)
            except (FunctionError, FunctionTimeoutError) as exc:
                if item.attempt <= len(ASYNC_RETRY_DELAYS):
                    item.due = now + ASYNC_RETRY_DELAYS[item.attempt - 1]
                    item.attempt += 1
                    with self._async_lock:
                        heapq.heappush(self._async, item)
                    log.warning(
                        "%s (%s) failed, retry %d queued: %s", item.function, item.source, item.attempt, exc
                    )
                else:
                    log.error(
                        "%s (%s) failed after %d attempts: %s", item.function, item.source, item.attempt, exc
                    )
                    self.failed_async.append((item.function, item.event, str(exc)))

    def _wait_for_executions(self) -> bool:
        return stepfunctions.wait_for_executions(self.account_id, self.region, EXECUTION_WAIT_SECONDS)

    def _pump_loop(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.run_due()
            except Exception:
                log.exception("local cloud pump failed; continuing")


# Accepted without changing what a test can observe: one batch per shard at a time is what
# ParallelizationFactor 1 gives, and concurrency limits only matter under load.
_ESM_HARMLESS = {"LogicalId", "ParallelizationFactor", "ScalingConfig", "MetricsConfig", "Tags"}

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def _rate_seconds(expression: str) -> float | None:
    match = _RATE.match(expression.strip())
    if match is None:
        return None  # cron() schedules are listed as not emulated
    unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
    return float(int(match.group(1)) * unit)


def _key_filter(config: dict[str, Any]) -> dict[str, Any]:
    rules = config.get("Filter", {}).get("S3Key", {}).get("Rules")
    return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}
