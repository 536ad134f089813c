"""The template's APIs served on a loopback port by SAM's own local API Gateway service.

`sam local start-api` serves with `samcli.local.apigw.local_apigw_service.LocalApigwService`; here the
same service reads the routes samcli's `CfnApiProvider` finds in the translated template (the swagger SAM
generates, so `DefaultAuthorizer`, `Authorizer: NONE` and stages come out as API Gateway sees them) and
invokes functions through the local cloud's runner instead of Docker. SAM's local API skips Cognito
authorizers; `StratusApigwService` adds that check (see `authorizer.py`) before the request reaches
samcli and hands the verified claims on in `requestContext.authorizer.claims`.

The API answers both at its root (as `sam local start-api` does) and under its stage name, so the URL
printed by `make local` works like the deployed stack's `.../v1/` URL.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from flask import g, request
from samcli.lib.providers.api_collector import ApiCollector
from samcli.lib.providers.cfn_api_provider import CfnApiProvider
from samcli.lib.providers.provider import Api, Stack
from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.route import Route
from samcli.local.lambdafn.exceptions import FunctionNotFound
from werkzeug.datastructures import Headers
from werkzeug.serving import BaseWSGIServer, make_server

from stratus_local.authorizer import (
    CognitoAuthorizer,
    TokenVerifier,
    Unauthorized,
    api_gateway_claims,
    pool_id_from_arn,
)
from stratus_local.runner import FunctionError, FunctionTimeoutError

if TYPE_CHECKING:
    from stratus_local.deployer import DeployedStack
    from stratus_local.template import Resolver, Translated

LOG = logging.getLogger("stratus_local.apigw")
_API_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
# Authorizer types samcli runs itself (Lambda TOKEN/REQUEST authorizers).
_LAMBDA_AUTHORIZER_TYPES = {"token", "request"}

_SAMCLI_SKIP_LOGGERS = ("samcli.commands.local.lib.swagger.parser", "samcli.lib.providers.api_collector")

Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True)
class RouteAuth:
    """The Cognito check one route's method needs (scopes empty: an ID token)."""

    authorizer: CognitoAuthorizer
    scopes: tuple[str, ...] = ()


@dataclass
class ApiRoutes:
    """Everything the service needs from the template: routes, their Cognito checks, what is not checked."""

    api: Api
    cognito: dict[tuple[str, str], RouteAuth] = field(default_factory=dict)
    unenforced: list[str] = field(default_factory=list)


def api_routes(translated: Translated, resolver: Resolver) -> ApiRoutes:
    """The routes of every REST/HTTP API whose condition holds, with the Cognito authorizers they use."""
    resources = {
        lid: res
        for lid, res in translated.resources.items()
        if "Condition" not in res or resolver.condition(res["Condition"])
    }
    # SAM wraps the routes of conditional functions in Fn::If inside the swagger; samcli reads only
    # plain swagger, so conditions are decided here (other intrinsics stay for samcli to parse).
    resources = {lid: _decide_conditions(res, resolver) for lid, res in resources.items()}
    template = {**copy.deepcopy(translated.template), "Resources": copy.deepcopy(resources)}
    template.pop("Conditions", None)
    for res in template["Resources"].values():
        res.pop("Condition", None)
    stack = Stack("", "", str(translated.source_dir / "template.yaml"), None, template)
    collector = ApiCollector()
    with _quiet_samcli():
        CfnApiProvider().extract_resources([stack], collector, cwd=str(translated.source_dir))

    found = ApiRoutes(api=Api())
    for api_id, routes in collector:
        body = resources.get(api_id, {}).get("Properties", {}).get("Body") or {}
        authorizers, unenforced = _authorizers(api_id, body.get("securityDefinitions", {}), resolver)
        found.unenforced.extend(unenforced)
        for route in routes:
            if route.authorizer_name not in authorizers:
                continue
            for method in route.methods:
                scopes = _scopes(body, route.path, method, route.authorizer_name)
                found.cognito[(route.path, method)] = RouteAuth(authorizers[route.authorizer_name], scopes)
    with _quiet_samcli():  # linking routes to authorizers is where samcli warns
        found.api = collector.get_api()
    return found


_DROP = object()


def _decide_conditions(value: Any, resolver: Resolver) -> Any:
    """`Fn::If` replaced by the branch its condition picks; `Ref: AWS::NoValue` removed."""
    if isinstance(value, list):
        items = [_decide_conditions(v, resolver) for v in value]
        return [v for v in items if v is not _DROP]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "AWS::NoValue"}:
        return _DROP
    if len(value) == 1 and "Fn::If" in value:
        name, when_true, when_false = value["Fn::If"]
        return _decide_conditions(when_true if resolver.condition(name) else when_false, resolver)
    decided = {k: _decide_conditions(v, resolver) for k, v in value.items()}
    return {k: v for k, v in decided.items() if v is not _DROP}


@contextlib.contextmanager
def _quiet_samcli() -> Iterator[None]:
    """samcli warns that it skips Cognito authorizers; they are checked here, so the warning misleads."""
    loggers = [logging.getLogger(name) for name in _SAMCLI_SKIP_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _authorizers(
    api_id: str, definitions: dict[str, Any], resolver: Resolver
) -> tuple[dict[str, CognitoAuthorizer], list[str]]:
    cognito: dict[str, CognitoAuthorizer] = {}
    unenforced: list[str] = []
    for name, definition in definitions.items():
        spec = definition.get("x-amazon-apigateway-authorizer") or {}
        kind = str(spec.get("type", definition.get("x-amazon-apigateway-authtype", ""))).lower()
        if kind == "cognito_user_pools":
            arns = resolver.resolve(spec.get("providerARNs", []))
            cognito[name] = CognitoAuthorizer(
                name=name,
                pool_ids=tuple(pool_id_from_arn(str(arn)) for arn in arns),
                header=str(definition.get("name", "Authorization")),
            )
        elif kind not in _LAMBDA_AUTHORIZER_TYPES:
            unenforced.append(f"{api_id}.{name} ({kind or 'unknown type'}): requests pass unchecked")
    return cognito, unenforced


def _scopes(body: dict[str, Any], path: str, method: str, authorizer: str | None) -> tuple[str, ...]:
    operations = body.get("paths", {}).get(path, {})
    operation = operations.get(method.lower()) or operations.get("x-amazon-apigateway-any-method") or {}
    for requirement in operation.get("security", []):
        if authorizer in requirement:
            return tuple(requirement[authorizer])
    return ()


class RunnerAdapter:
    """What samcli's service expects of a `LocalLambdaRunner`, backed by the local cloud's runner.

    samcli writes the event as JSON and reads the function's JSON result from `stdout`; an unhandled
    error is written as Lambda's error document, which samcli answers with 502, as API Gateway does.
    """

    def __init__(self, invoke: Invoke, function_for: Callable[[str], str | None]) -> None:
        self._invoke = invoke
        self._function_for = function_for

    def is_debugging(self) -> bool:
        return False

    def invoke(
        self,
        function_name: str,
        event: str,
        tenant_id: str | None = None,
        stdout: StreamWriter | None = None,
        stderr: StreamWriter | None = None,
    ) -> None:
        logical_id = self._function_for(function_name)
        if logical_id is None:
            raise FunctionNotFound(f"function {function_name} is not in the template")
        try:
            result = self._invoke(logical_id, json.loads(event))
            output = json.dumps(result)
        except (FunctionError, FunctionTimeoutError) as exc:
            error = exc.error if isinstance(exc, FunctionError) else exc
            LOG.error("%s failed behind the API: %s", logical_id, exc)
            output = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__})
        if stdout is not None:
            stdout.write_str(output)


class StratusApigwService(LocalApigwService):  # type: ignore[misc]
    """samcli's service with API Gateway's Cognito authorizer check in front of each route."""

    def __init__(
        self, routes: ApiRoutes, runner: RunnerAdapter, verifier: TokenVerifier, **kwargs: Any
    ) -> None:
        super().__init__(routes.api, runner, **kwargs)
        self._cognito = routes.cognito
        self._verifier = verifier

    def _request_handler(self, **kwargs: Any) -> Any:
        route: Route = self._get_current_route(request)
        needs = self._cognito.get((route.path, request.method))
        preflight = request.method == "OPTIONS" and (route.cors or self.api.cors)
        if needs is not None and not preflight:
            try:
                claims = self._verifier.verify(
                    needs.authorizer, request.headers.get(needs.authorizer.header), needs.scopes
                )
            except Unauthorized as exc:
                LOG.info("401 %s %s: %s", request.method, request.path, exc.reason)
                headers = Headers({"Content-Type": "application/json"})
                return self.service_response(json.dumps({"message": exc.message}), headers, 401)
            g.stratus_claims = api_gateway_claims(claims)
        return super()._request_handler(**kwargs)

    def _generate_lambda_event(self, flask_request: Any, route: Route, method: str, endpoint: str) -> Any:
        event = super()._generate_lambda_event(flask_request, route, method, endpoint)
        if "httpMethod" in event:  # REST API / payload 1.0 (HTTP API 2.0 events are samcli's as-is)
            _as_api_gateway_sends(event, flask_request, self.api.stage_name)
        claims = g.get("stratus_claims")
        if claims is not None:
            event.setdefault("requestContext", {})["authorizer"] = {"claims": claims}
        return event


def _as_api_gateway_sends(event: dict[str, Any], flask_request: Any, stage: str | None) -> None:
    """Correct what samcli's proxy event gets wrong, checked against `sam local generate-event`.

    samcli evaluates `requestId`, `requestTime` and `requestTimeEpoch` once, as default arguments, so
    every request would share them (idempotency keys and log correlation would collide); it puts the
    resource template in `requestContext.path`, where API Gateway puts `/<stage><path>`; and it sends
    a constant user agent and leaves out the payload `version` and two identity fields API Gateway
    always sends (Powertools' APIGatewayProxyEvent.version reads the first).
    """
    event.setdefault("version", "1.0")
    context = event.setdefault("requestContext", {})
    now = datetime.now(UTC)
    context["requestId"] = str(uuid.uuid4())
    context["extendedRequestId"] = context.get("extendedRequestId") or uuid.uuid4().hex[:16]
    context["requestTimeEpoch"] = int(now.timestamp() * 1000)
    context["requestTime"] = now.strftime("%d/%b/%Y:%H:%M:%S +0000")
    context["path"] = f"/{stage}{event['path']}" if stage else event["path"]
    identity = context.setdefault("identity", {})
    identity["userAgent"] = flask_request.headers.get("User-Agent")
    identity.setdefault("cognitoIdentityId", None)
    identity.setdefault("accessKey", None)


class _StagePrefix:
    """Serve `/<stage>/...` as `/...` (API Gateway strips the stage before the route is matched)."""

    def __init__(self, app: Any, stage: str | None) -> None:
        self.app = app
        self.prefix = f"/{stage}" if stage else ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
            environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
        return self.app(environ, start_response)


class LocalApi:
    """The stack's APIs on `http://<host>:<port>` until `stop()` (or the end of a `with` block)."""

    def __init__(
        self,
        stack: DeployedStack,
        invoke: Invoke,
        *,
        endpoint_url: str,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], float] | None = None,
    ) -> None:
        self.stack = stack
        self.host = host
        self.routes = api_routes(stack.translated, stack.resolver)
        cognito = boto3.client(
            "cognito-idp",
            endpoint_url=endpoint_url,
            region_name=stack.region,
            aws_access_key_id="testing",  # moto accepts any credentials
            aws_secret_access_key="testing",  # noqa: S106
        )

        def app_clients(pool_id: str) -> Iterable[str]:
            pages = cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id)
            return [c["ClientId"] for page in pages for c in page["UserPoolClients"]]

        verifier_args: dict[str, Any] = {"now": now} if now is not None else {}
        self.verifier = TokenVerifier(endpoint_url, stack.region, app_clients, **verifier_args)
        self._runner = RunnerAdapter(invoke, stack.function_for_arn)
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.wsgi_app: Any = None

    @property
    def stage(self) -> str | None:
        stage: str | None = self.routes.api.stage_name
        return stage

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the API is not started")
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        """Root URL, as `sam local start-api` serves it."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Stage URL, shaped like the deployed API's (`.../v1`)."""
        return f"{self.base_url}/{self.stage}" if self.stage else self.base_url

    def start(self) -> LocalApi:
        if self._server is not None:
            return self
        # samcli reports feature use; nothing may leave this machine.
        os.environ.setdefault("SAM_CLI_TELEMETRY", "0")
        for line in self.routes.unenforced:
            LOG.warning("authorizer not emulated: %s", line)
        service = StratusApigwService(
            self.routes,
            self._runner,
            self.verifier,
            port=self._requested_port,
            host=self.host,
            stderr=StreamWriter(sys.stderr),
        )
        service.create()
        # Also reachable in-process: the web app's server hands it /api/... (stratus_local.webapp).
        self.wsgi_app = _StagePrefix(service._app, self.stage)
        self._server = make_server(self.host, self._requested_port, self.wsgi_app, threaded=True)
        # samcli puts the port into each event (X-Forwarded-Port); give it the one actually bound.
        service.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> list[str]:
        """One line per route: method, path, function and the check in front of it."""
        lines = []
        for route in sorted(self.routes.api.routes, key=lambda r: (r.path, r.methods)):
            for method in route.methods:
                auth = self.routes.cognito.get((route.path, method))
                if auth is not None:
                    check = f"Cognito authorizer {auth.authorizer.name}"
                elif route.authorizer_object is not None:
                    check = f"Lambda authorizer {route.authorizer_name}"
                elif route.authorizer_name in (None, "NONE"):
                    check = "open"
                else:
                    check = f"{route.authorizer_name}: not checked locally"
                lines.append(f"{method:7} {route.path}  -> {route.function_name}  [{check}]")
        return lines
