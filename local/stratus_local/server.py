"""moto's server on a loopback port, with the hooks that make it a cloud instead of a set of stores.

moto keeps state but delivers almost nothing: it runs Lambda only in Docker, ignores filter criteria
and batch sizes in its own event source mappings, and never invokes Cognito triggers. Here:

- every Lambda invoke moto would make (the Invoke API, Step Functions tasks, S3 notifications,
  EventBridge targets) is routed to the in-process runner through a `LambdaRouter`; invokes that are
  asynchronous in AWS are queued for the cloud's scheduler, never run inside a moto request;
- moto's own event source mapping delivery is switched off, `event_sources` owns it;
- Step Functions executions are interpreted (moto's parser backend);
- a WSGI middleware (see `cognito`) wraps the server app to run Cognito triggers.

Port: 4566 by default (`STRATUS_LOCAL_PORT`), 0 picks a free one (tests).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import quote_plus, unquote_plus

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from stratus_local import stepfunctions

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def configured_port() -> int:
    return int(os.environ.get("STRATUS_LOCAL_PORT", DEFAULT_PORT))


class LambdaRouter(Protocol):
    """What the hooks need from the local cloud to run a function."""

    def knows(self, function_name: str) -> bool: ...

    def invoke_sync(
        self, function_name: str, event: Any, timeout: float | None = None
    ) -> tuple[Any, str | None]:
        """Run now; return (payload, None) or (error payload, "Unhandled")."""
        ...

    def invoke_async(self, function_name: str, event: Any, source: str) -> None:
        """Queue an asynchronous invocation (S3, EventBridge, InvocationType=Event)."""
        ...


_router: LambdaRouter | None = None
_clock_offset: Callable[[], float] | None = None
_installed = False
_install_lock = threading.Lock()


def set_router(router: LambdaRouter | None) -> None:
    global _router  # noqa: PLW0603 - one local cloud per process owns moto's backends
    _router = router


def set_clock_offset(source: Callable[[], float] | None) -> None:
    """Seconds the local cloud's clock is ahead of the wall clock (None: SQS runs on the wall clock)."""
    global _clock_offset  # noqa: PLW0603 - one local cloud per process owns moto's backends
    _clock_offset = source


def function_name_of(name_or_arn: str) -> str:
    """`arn:aws:lambda:r:a:function:name[:qualifier]` or a bare name -> the name."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn


def install_hooks() -> None:
    """Patch moto once per process (idempotent), and switch its Step Functions interpreter on each time:
    that is configuration, which leaving an in-process `mock_aws` resets."""
    global _installed  # noqa: PLW0603
    with _install_lock:
        stepfunctions.enable_interpreter()
        if _installed:
            return
        _patch_lambda()
        _patch_s3()
        _patch_sns()
        _patch_events()
        _patch_sqs_clock()
        _patch_sqs_attribute_cost()
        _installed = True


def _patch_lambda() -> None:
    from moto.awslambda import models as lambda_models

    original_invoke = lambda_models.LambdaBackend.invoke

    def invoke(  # noqa: PLR0917 - moto's LambdaBackend.invoke signature
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> str | bytes | None:
        router = _router
        name = function_name_of(function_name)
        if router is None or not router.knows(name):
            return original_invoke(self, function_name, qualifier, body, headers, response_headers)  # type: ignore[no-any-return]
        event = json.loads(body) if body else {}
        # moto's internal deliveries pass no headers at all: in AWS they are asynchronous, and running
        # them here would hold a moto request open.
        invocation_type = (headers or {}).get("x-amz-invocation-type", "")
        if not headers or invocation_type == "Event":
            router.invoke_async(name, event, source="invoke")
            return b""
        payload, error = router.invoke_sync(name, event)
        if error:
            response_headers["x-amz-function-error"] = error
        data = json.dumps(payload).encode()
        response_headers["Content-Length"] = str(len(data))
        return data

    lambda_models.LambdaBackend.invoke = invoke  # type: ignore[method-assign]

    # event_sources delivers stream and queue records itself (filters, batch size, partial failures).
    def no_delivery(self: Any, *args: Any, **kwargs: Any) -> bool:
        return True

    for method in ("send_sqs_batch", "send_kinesis_message", "send_dynamodb_items"):
        setattr(lambda_models.LambdaBackend, method, no_delivery)


def _patch_s3() -> None:
    """S3 -> Lambda notifications are asynchronous in AWS: queue them."""
    from moto.s3 import notifications

    original = notifications._invoke_awslambda

    def invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        router = _router
        if router is None or not router.knows(function_name_of(fn_arn)):
            original(account_id, event_body, fn_arn, region_name)
            return
        for record in event_body.get("Records", []):
            _as_s3_sends(record, account_id)
        router.invoke_async(function_name_of(fn_arn), event_body, source="s3")

    notifications._invoke_awslambda = invoke_awslambda


def _as_s3_sends(record: dict[str, Any], account_id: str) -> None:
    """moto's S3 record, completed to what S3 sends (checked against `sam local generate-event s3 put`).

    moto leaves out the requester, the request's source IP and ids, the bucket owner and the object's
    sequencer; Powertools' S3Model requires most of them. Locally the requester is the account.
    """
    # S3 form-encodes keys in events but keeps "/"; moto's quote_plus encodes it too.
    s3 = record.setdefault("s3", {})
    obj = s3.setdefault("object", {})
    if "key" in obj:
        obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
    # S3's sequencer orders events for one key: a hex string that grows with each change.
    obj.setdefault("sequencer", f"{time.time_ns():X}")
    principal = {"principalId": f"AWS:{account_id}"}
    record.setdefault("userIdentity", principal)
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    request_id = uuid.uuid4().hex[:16].upper()
    record.setdefault("responseElements", {"x-amz-request-id": request_id, "x-amz-id-2": uuid.uuid4().hex})
    s3.setdefault("bucket", {}).setdefault("ownerIdentity", {"principalId": account_id})


def _patch_sns() -> None:
    """SNS -> Lambda: queue an SNS-shaped event (moto's own has placeholder values and needs Docker)."""
    from moto.sns import models as sns_models

    original = sns_models.Subscription.publish

    def publish(  # noqa: PLR0917 - moto's Subscription.publish signature
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        router = _router
        name = function_name_of(self.endpoint) if self.protocol == "lambda" else ""
        if router is None or not name or not router.knows(name):
            original(
                self, message, message_id, subject, message_attributes, group_id, deduplication_id,
                message_structure,
            )  # fmt: skip
            return
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        attributes = dict(message_attributes or {})  # moto keeps them as Lambda shows them: {Type, Value}
        event = {
            "Records": [
                {
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.arn,
                    "EventSource": "aws:sns",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": message_id,
                        "TopicArn": self.topic.arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                        "SignatureVersion": "1",
                        "Signature": "",
                        "SigningCertUrl": "",
                        "UnsubscribeUrl": "",
                        "MessageAttributes": attributes,
                    },
                }
            ]
        }
        router.invoke_async(name, event, source=f"sns:{self.topic.arn}")

    sns_models.Subscription.publish = publish  # type: ignore[method-assign]


def _patch_events() -> None:
    """EventBridge rules: queue Lambda targets (moto raises NotImplementedError for them)."""
    from moto.events import models as events_models
    from moto.events.utils import EventTemplateParser

    original = events_models.Rule.send_to_targets
    lock = threading.Lock()

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        # Lambda targets get the event as EventBridge delivers it; moto's own targets keep moto's
        # event (its archive and SQS targets read the ingestion time).
        delivered = _as_eventbridge_sends(original_event)
        router = _router
        handled = []
        for target in self.targets:
            arn = target["Arn"]
            if router is None or ":lambda:" not in arn or not router.knows(function_name_of(arn)):
                continue
            handled.append(target)
            event = delivered
            if transform_input and target.get("Input"):
                event = json.loads(target["Input"])
            elif transform_input and target.get("InputTransformer"):
                transformer = target["InputTransformer"]
                event = EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),
                    input_paths_map=transformer.get("InputPathsMap", {}),
                    event=delivered,
                )
            router.invoke_async(function_name_of(arn), event, source=f"events:{self.name}")
        if len(handled) == len(self.targets):
            return
        with lock:
            saved = self.targets
            self.targets = [t for t in saved if t not in handled]
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = saved

    events_models.Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def _patch_sqs_clock() -> None:
    """SQS DelaySeconds, visibility timeouts and retention judged on the local cloud's clock: a retry an
    application schedules with DelaySeconds=300 becomes visible when `clock.advance(300)` says so."""
    from moto.sqs import models as sqs_models

    wall_seconds = getattr(sqs_models, "unix_time")  # noqa: B009 - not re-exported for type checkers
    wall_millis = getattr(sqs_models, "unix_time_millis")  # noqa: B009

    def offset() -> float:
        source = _clock_offset
        return source() if source is not None else 0.0

    def unix_time(dt: Any = None) -> float:
        return float(wall_seconds(dt)) + (offset() if dt is None else 0.0)

    def unix_time_millis(dt: Any = None) -> float:
        return float(wall_millis(dt)) + (offset() * 1000 if dt is None else 0.0)

    setattr(sqs_models, "unix_time", unix_time)  # noqa: B010 - module globals moto's SQS models read
    setattr(sqs_models, "unix_time_millis", unix_time_millis)  # noqa: B010


_uncounted = threading.local()


def _patch_sqs_attribute_cost() -> None:
    """moto reads `queue.attributes` for one setting when it sends a message (ContentBasedDeduplication)
    and for each message a receive looks at (MessageRetentionPeriod), and that property also counts
    every message in the queue, several times: O(n) per send and O(n^2) per receive, so a fan-out of
    2,000 tasks took minutes. Those paths never read the counts, so there they answer 0;
    GetQueueAttributes still counts."""
    from moto.sqs import models as sqs_models

    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    ):
        count = getattr(sqs_models.Queue, name).fget

        def counted(queue: Any, _count: Callable[[Any], int] = count) -> int:
            return 0 if getattr(_uncounted, "active", False) else _count(queue)

        setattr(sqs_models.Queue, name, property(counted))
    for owner, method in (
        (sqs_models.SQSBackend, "send_message"),
        (sqs_models.SQSBackend, "_validate_message"),
        (sqs_models.Queue, "add_message"),
        (sqs_models.SQSBackend, "is_message_valid_based_on_retention_period"),
    ):
        original = getattr(owner, method)

        def uncounted(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            outer = getattr(_uncounted, "active", False)
            _uncounted.active = True
            try:
                return _original(*args, **kwargs)
            finally:
                _uncounted.active = outer

        setattr(owner, method, uncounted)


def _as_eventbridge_sends(event: Any) -> Any:
    """moto's event, as EventBridge delivers it (checked against `sam local generate-event cloudwatch`).

    moto keeps `time` as epoch seconds and adds its own `ingestion-time`; targets receive `time` as
    an ISO-8601 string (`2026-01-01T12:00:00Z`) and no ingestion time.
    """
    if not isinstance(event, dict):
        return event
    delivered = {k: v for k, v in event.items() if k != "ingestion-time"}
    stamp = delivered.get("time")
    if isinstance(stamp, int | float):
        delivered["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
    return delivered


class _QuietHandler(MotoRequestHandler):  # type: ignore[misc]
    """No access log line per request: the function logs are what a developer reads."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class LocalMotoServer(ThreadedMotoServer):  # type: ignore[misc]
    """ThreadedMotoServer whose WSGI app can be wrapped (Cognito triggers)."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int | None = None,
        middleware: Callable[[WsgiApp], WsgiApp] | None = None,
    ) -> None:
        super().__init__(ip_address=host, port=configured_port() if port is None else port, verbose=False)
        self._middleware = middleware

    def _server_entry(self) -> None:
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        if self._middleware is not None:
            app = self._middleware(app)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=_QuietHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"
