"""Command line for the local cloud and the template tooling around it.

python -m stratus_local up        # what `make local` runs: the whole application, until Ctrl-C
python -m stratus_local check     # start it, sign the demo user in, call the API with and without a token
python -m stratus_local translate template.yaml --output .build/t.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from stratus_local import template

if TYPE_CHECKING:
    from stratus_local.apigw import LocalApi
    from stratus_local.cloud import LocalCloud
    from stratus_local.demo import DemoUser
    from stratus_local.webapp import LocalWebApp

DEFAULT_API_PORT = 3000  # what `sam local start-api` uses
API_PORT_VARIABLE = "STRATUS_API_PORT"
DEFAULT_WEB_PORT = 8080
WEB_PORT_VARIABLE = "STRATUS_WEB_PORT"
# A valid counters query (the demo stream's event names); other protected routes are called bare.
CHECK_QUERIES = {"/counters": "?events=page%20view,click&hours=1&resolution=minute"}


def _translate(args: argparse.Namespace) -> int:
    translated = template.translate(args.template)
    Path(args.output).write_text(json.dumps(translated.template, indent=1, default=str))
    print(f"translated {args.template} -> {args.output}")
    return 0


@dataclass
class Running:
    """A started local cloud with its API and demo user."""

    cloud: LocalCloud
    api: LocalApi
    user: DemoUser
    started_in: float
    web: LocalWebApp | None = None
    web_missing: str = ""


def _parameters(pairs: Sequence[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--parameter-overrides takes Name=Value, not {pair!r}")
        values[name] = value
    return values


@contextmanager
def _web(
    args: argparse.Namespace, cloud: LocalCloud, api: LocalApi, port: int | None
) -> Iterator[LocalWebApp | str]:
    """The built web app and the API on one port (as CloudFront serves them), or why it is not served."""
    from stratus_local import webapp

    dist = Path(args.template).resolve().parent / "frontend" / "dist"
    if port is None:
        yield "not requested"
    elif webapp.HEADERS_POLICY not in cloud.stack.translated.resources:
        yield "EnableWebApp is false"
    elif not (dist / "index.html").is_file():
        yield f"{dist} is not built (make web-build)"
    else:
        app = webapp.WebApp(
            dist,
            api.wsgi_app,
            webapp.app_config(cloud.stack, cloud.endpoint_url),
            webapp.security_headers(cloud.stack, cloud.endpoint_url),
        )
        with webapp.LocalWebApp(app, port=port) as web:
            yield web


@contextmanager
def _started(
    args: argparse.Namespace,
    *,
    moto_port: int | None,
    api_port: int,
    background: bool,
    compact: bool = False,
    web_port: int | None = None,
) -> Iterator[Running]:
    """Local cloud + local API + web app + demo user; everything stopped again on the way out.

    `compact`: one line per invocation on the terminal instead of the functions' own logs."""
    from stratus_local import demo
    from stratus_local.apigw import LocalApi
    from stratus_local.cloud import LocalCloud
    from stratus_local.invocations import InvocationLog

    began = time.perf_counter()
    parameters = _parameters(args.parameter_overrides)
    cloud = LocalCloud(
        args.template,
        parameters=parameters,
        port=moto_port,
        background=background,
        function_logs=not compact,
        invocation_log=InvocationLog(sys.stdout) if compact else None,
    )
    with cloud, LocalApi(cloud.stack, cloud.invoke, endpoint_url=cloud.endpoint_url, port=api_port) as api:
        user = demo.create_demo_user(cloud.client("cognito-idp"), cloud.stack.outputs)
        admins = cloud.stack.outputs.get("AdminGroupName")
        if admins:  # the demo user sees every page of the web app, the admin view included
            cloud.client("cognito-idp").admin_add_user_to_group(
                UserPoolId=user.pool_id, Username=user.username, GroupName=str(admins)
            )
        with _web(args, cloud, api, web_port) as web:
            served = web if not isinstance(web, str) else None
            missing = web if isinstance(web, str) else ""
            yield Running(cloud, api, user, time.perf_counter() - began, served, missing)


def _protected_get_path(api: LocalApi) -> str | None:
    """The route the banner's example and the check call: a GET behind a Cognito authorizer with no path
    parameters, the ones with a known query (the counters) first, then the first in path order."""
    paths = sorted(
        route.path
        for route in api.routes.api.routes
        if "{" not in route.path and (route.path, "GET") in api.routes.cognito
    )
    preferred = [path for path in CHECK_QUERIES if path in paths]
    chosen = (preferred or paths or [None])[0]
    return None if chosen is None else chosen + CHECK_QUERIES.get(chosen, "")


def _print_banner(running: Running, path: str | None, token: str | None) -> None:
    from stratus_local import demo

    cloud, api, user = running.cloud, running.api, running.user
    stack = cloud.stack
    print(f"\nStratus local cloud is up (started in {running.started_in:.1f} s; no AWS account, no Docker)\n")
    print(
        f"  AWS endpoint  {cloud.endpoint_url}   (AWS_ENDPOINT_URL; any credentials, region {stack.region})"
    )
    print(f"  API           {api.url}   (also served at {api.base_url}, as `sam local start-api` does)")
    for line in api.describe():
        print(f"                  {line}")
    print(f"  User pool     {user.pool_id}   app client {user.client_id}")
    print(f"  Demo user     {user.username}   password {user.password}")
    if running.web is not None:
        print(f"  Web app  {running.web.url}   (sign in as {user.username} with the password above; admin)")
    elif running.web_missing:
        print(f"  Web app       not served: {running.web_missing}")
    for name, value in sorted(stack.outputs.items()):
        # A deployed-style API URL output points nowhere locally; show where the local API answers.
        shown = f"{api.url}   (deployed: {value})" if "execute-api" in str(value) else value
        if name == "WebAppUrl" and running.web is not None:  # likewise the distribution's URL
            shown = f"{running.web.url}   (deployed: {value})"
        print(f"  Output        {name} = {shown}")
    for line in cloud.not_emulated:
        print(f"  NOT EMULATED  {line}")
    for line in api.routes.unenforced:
        print(f"  NOT ENFORCED  {line}")
    if token is not None:
        print(
            f"\nTry it from another terminal (the demo user's ID token, valid {TOKEN_MINUTES} min; "
            "type `token` here for a new one):\n"
        )
        print(demo.example_commands(api.url, token, path))
    print()


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
CONSOLE_HELP = (
    "type: advance <N>[s|m|h|d] (move the local cloud's clock, e.g. advance 91d), "
    "token (sign the demo user in again, print a fresh token), quit"
)
TOKEN_MINUTES = 60  # the app client's IdTokenValidity


def _duration(text: str) -> float | None:
    match = _DURATION.match(text.strip().lower())
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)] if match else None


def _console(running: Running, stop: threading.Event, path: str | None) -> None:
    """Commands typed while `make local` runs: time travel for TTL-driven flows, a new token, or quit."""
    cloud = running.cloud
    for line in sys.stdin:
        words = line.split()
        seconds = _duration(words[1]) if len(words) == 2 and words[0] == "advance" else None
        if seconds is not None:
            cloud.clock.advance(seconds)
            _drain(cloud)
            print(f"clock advanced by {words[1]}: it is now {cloud.clock.datetime():%Y-%m-%d %H:%M} UTC")
        elif words == ["token"]:
            _print_token(running, path)
        elif words and words[0] in {"quit", "exit"}:
            stop.set()
            return
        elif words:
            print(CONSOLE_HELP, flush=True)


def _demo_token(running: Running) -> str:
    """The demo user's ID token from a real sign-in (the pool's triggers run, as in AWS)."""
    from stratus_local import demo

    tokens = demo.sign_in(running.cloud.client("cognito-idp"), running.user)
    _drain(running.cloud)
    return tokens["IdToken"]


def _print_token(running: Running, path: str | None) -> None:
    from botocore.exceptions import ClientError

    from stratus_local import demo

    try:
        token = _demo_token(running)
    except ClientError as exc:
        print(f"sign-in refused: {exc.response['Error'].get('Message', exc)}", flush=True)
        return
    print(demo.example_commands(running.api.url, token, path), flush=True)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        print(f"\n{signal.Signals(signum).name}: stopping the local cloud ...", flush=True)
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


# Parameters `make local` sets unless given: the local cloud's webhook receivers listen on loopback, and
# document chat runs with no model service (the offline embedder and extractive answers).
LOCAL_PARAMETERS = {"WebhookAllowLoopbackTargets": "true", "DocumentChatMode": "offline"}


def _local_defaults(args: argparse.Namespace) -> None:
    """Add LOCAL_PARAMETERS the template declares and the command line did not set."""
    declared = template.load(args.template).get("Parameters", {})
    given = set(_parameters(args.parameter_overrides))
    for name, value in LOCAL_PARAMETERS.items():
        if name in declared and name not in given:
            args.parameter_overrides.append(f"{name}={value}")


def _up(args: argparse.Namespace) -> int:
    from stratus_local import demo

    _local_defaults(args)

    api_port = (
        args.api_port
        if args.api_port is not None
        else int(os.environ.get(API_PORT_VARIABLE, DEFAULT_API_PORT))
    )
    # Free ports asked for the API (`--api-port 0`, as tests do) mean a free port for the web app too.
    web_port = (
        args.web_port
        if args.web_port is not None
        else int(os.environ.get(WEB_PORT_VARIABLE, DEFAULT_WEB_PORT if api_port else 0))
    )
    stop = _stop_on_signals()
    # The cloud's own pump runs what falls due; the loop below also flushes batching windows.
    compact = not args.verbose
    with _started(
        args, moto_port=args.port, api_port=api_port, background=True, compact=compact, web_port=web_port
    ) as running:
        cloud = running.cloud
        traffic = demo.DemoTraffic(
            Path(args.template).resolve().parent, cloud.stack.outputs, cloud.client("kinesis")
        )
        path = _protected_get_path(running.api)
        _print_banner(running, path, _demo_token(running))
        if compact:
            print("One line per invocation below (`make local ARGS=--verbose` shows the functions' logs).")
        if traffic.available and args.seed_events > 0:
            traffic.send(args.seed_events)
            print(f"seeded {args.seed_events} web events into {traffic.stream}", flush=True)
        elif not traffic.available:
            print(f"no demo traffic: {traffic.why_not()}", flush=True)
        _drain(cloud)
        per_tick = max(0, round(args.traffic_rate * args.interval)) if traffic.available else 0
        if per_tick:
            print(f"putting {per_tick} events every {args.interval:g} s; counters move as they drain")
        if running.web is not None:
            print(f"open the web app: {running.web.url}", flush=True)
        print(f"Ctrl-C (or SIGTERM) stops it; {CONSOLE_HELP}.\n", flush=True)
        console = threading.Thread(
            target=_console, args=(running, stop, path), name="stratus-console", daemon=True
        )
        console.start()
        while not stop.wait(args.interval):
            if per_tick:
                traffic.send(per_tick)
            _drain(cloud)
    print("stopped cleanly.")
    return 0


def _drain(cloud: LocalCloud) -> None:
    try:
        cloud.drain()
    except Exception as exc:  # a failing function must not take the whole local cloud down
        print(f"drain: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)


def _check(args: argparse.Namespace) -> int:
    from stratus_local import demo

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request: noise in a check
    # Free ports: the check may run beside a `make local` that holds the documented ones.
    with _started(args, moto_port=0, api_port=0, background=False) as running:
        path = args.path or _protected_get_path(running.api)
        if path is None:
            print("FAIL no GET route behind a Cognito authorizer to call", file=sys.stderr)
            return 1
        tokens = demo.sign_in(running.cloud.client("cognito-idp"), running.user)
        # What the sign-in set off (the PostAuthentication recorder's record, its stream) runs now.
        running.cloud.drain()
        print(f"ok   signed {running.user.username} in through Cognito at {running.cloud.endpoint_url}")
        results = demo.run_check(running.api.url + path, tokens["IdToken"])
        for result in results:
            print(f"{result.line()}   GET {path}")
    failed = [r for r in results if not r.ok]
    print("check passed" if not failed else f"check FAILED ({len(failed)} of {len(results)})")
    return 1 if failed else 0


def _cloud_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--template", default="template.yaml", help="SAM template (default: template.yaml)")
    command.add_argument(
        "--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE", help="template parameters"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stratus_local", description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    translate = commands.add_parser("translate", help="translate a SAM template offline (for cfn-lint)")
    translate.add_argument("template")
    translate.add_argument("--output", required=True)
    translate.set_defaults(run=_translate)

    up = commands.add_parser("up", help="run the whole application locally until Ctrl-C (make local)")
    _cloud_arguments(up)
    up.add_argument(
        "--port", type=int, default=None, help="AWS endpoint port (default 4566, STRATUS_LOCAL_PORT)"
    )
    up.add_argument(
        "--api-port",
        type=int,
        default=None,
        help=f"API port (default {DEFAULT_API_PORT}, {API_PORT_VARIABLE})",
    )
    up.add_argument(
        "--web-port",
        type=int,
        default=None,
        help=f"web app port, / the app and /api/ the API (default {DEFAULT_WEB_PORT}, {WEB_PORT_VARIABLE}; "
        "a free one with --api-port 0)",
    )
    up.add_argument("--seed-events", type=int, default=200, help="web events put into the stream at start")
    up.add_argument(
        "--traffic-rate", type=float, default=5.0, help="web events a second afterwards (0: none)"
    )
    up.add_argument("--interval", type=float, default=2.0, help="seconds between drains of pending events")
    up.add_argument(
        "--verbose", action="store_true", help="show the functions' own logs, not one line per invocation"
    )
    up.set_defaults(run=_up)

    check = commands.add_parser(
        "check", help="start, sign the demo user in, call the API with/without a token"
    )
    _cloud_arguments(check)
    check.add_argument("--path", help="route (and query) to call; default: the first protected GET route")
    check.set_defaults(run=_check)

    args = parser.parse_args(argv)
    if args.command in {"up", "check"}:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return int(args.run(args))
