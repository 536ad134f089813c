"""Cold import of every function in the template beside its floor, and each function's built size.

Figures, not asserts. For each function (every capability switched on) a fresh interpreter imports its
handler module the way Lambda's runtime does at init, and another fresh interpreter imports the floor:
`import boto3, pydantic` with Powertools' `Logger` and `Metrics`, plus the other Powertools utilities
that this handler ended up importing (its batch, parser, event handler ...; tracing excluded, since
what tracing costs at import is part of what is measured): every module of Powertools' utilities
and event handler the handler's import loaded, so the floor pays for exactly the same Powertools
features and nothing else. Time is the child's CPU time (`time.process_time`), which other work on
a busy machine disturbs far less than wall time. Runs alternate handler and floor,
nine of each by default, and the medians are compared in the same run. The goal is a ratio of at most 1.1.

Both run in a venv made only of what the functions ship (the layers' and the functions'
requirements.txt, host wheels; `.build/lambda-venv`), not the dev venv, whose extra packages (awscrt
among them) would slow boto3 down and flatter the ratio. The package size is the function's
`sam build` output plus its layers (unzipped; Lambda allows 250 MB for a function with its layers),
read from `.aws-sam/build` when `make build` has run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratus_local.template import load, translate

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LAMBDA_VENV = ROOT / ".build" / "lambda-venv"
BUILD = ROOT / ".aws-sam" / "build"
GOAL = 1.1
LAMBDA_LIMIT_MB = 250

# Runs in the child interpreter: import the handler module, report the time and what it pulled in.
_HANDLER_PROBE = """
import importlib, json, sys, time
started = time.process_time()
importlib.import_module(sys.argv[1])
elapsed = time.process_time() - started
names = sorted(sys.modules)
utilities = [
    n for n in names
    if n.startswith(("aws_lambda_powertools.utilities.", "aws_lambda_powertools.event_handler"))
]
print(json.dumps({"seconds": elapsed, "utilities": utilities, "xray": "aws_xray_sdk.core" in sys.modules}))
"""

# The floor, then (in the same interpreter, after timing the floor) the handler: what its own modules add.
_FLOOR_PROBE = """
import importlib, json, sys, time
started = time.process_time()
import boto3, pydantic
from aws_lambda_powertools import Logger, Metrics
for name in sys.argv[2:]:
    importlib.import_module(name)
floor = time.process_time() - started
started = time.process_time()
importlib.import_module(sys.argv[1])
print(json.dumps({"seconds": floor, "own": time.process_time() - started}))
"""


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: Path
    module: str
    layer_dirs: tuple[Path, ...]
    layer_ids: tuple[str, ...]


def _all_capabilities() -> dict[str, str]:
    """Every Enable* switch on, and strict mode, so that every function of the template is deployed."""
    parameters = load(TEMPLATE).get("Parameters", {})
    chosen = {name: "true" for name in parameters if name.startswith("Enable")}
    if "StrictInactivityMode" in parameters:
        chosen["StrictInactivityMode"] = "true"
    return chosen


def functions() -> list[Function]:
    translated = translate(TEMPLATE, _all_capabilities())
    layers = {}
    for logical_id in translated.of_type("AWS::Lambda::LayerVersion"):
        for sam_id, path in translated.artifacts.items():
            if logical_id.startswith(sam_id):
                layers[logical_id] = (sam_id, path)
    found = []
    for logical_id, resource in sorted(translated.of_type("AWS::Lambda::Function").items()):
        props = resource["Properties"]
        refs = [layer["Ref"] for layer in props.get("Layers", []) if "Ref" in layer]
        found.append(
            Function(
                logical_id=logical_id,
                code_dir=translated.code_dir(logical_id),
                module=props["Handler"].rpartition(".")[0],
                layer_dirs=tuple(layers[ref][1] for ref in refs),
                layer_ids=tuple(layers[ref][0] for ref in refs),
            )
        )
    return found


def _requirements() -> list[Path]:
    return sorted([*ROOT.glob("layers/*/requirements.txt"), *ROOT.glob("functions/*/requirements.txt")])


def ensure_lambda_venv() -> Path:
    """A venv with only what the functions ship, rebuilt when a requirements file changes."""
    files = _requirements()
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()
    stamp = LAMBDA_VENV / ".requirements-sha256"
    python = LAMBDA_VENV / "bin" / "python"
    if stamp.is_file() and stamp.read_text() == digest and python.exists():
        return python
    print(f"creating {LAMBDA_VENV.relative_to(ROOT)} from {len(files)} requirements files ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(LAMBDA_VENV)], check=True)  # noqa: S603
    args = [str(python), "-m", "pip", "install", "--quiet"]
    for path in files:
        args += ["-r", str(path)]
    # No dev constraints: `sam build` resolves these files alone, and so does this venv.
    subprocess.run(args, check=True)  # noqa: S603 - pip in the venv just made
    stamp.write_text(digest)
    return python


def _env(function: Function) -> dict[str, str]:
    variables = load(TEMPLATE)["Globals"]["Function"]["Environment"]["Variables"]
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update({k: v for k, v in variables.items() if isinstance(v, str)})
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(str(p) for p in (function.code_dir, *function.layer_dirs)),
            "PYTHONDONTWRITEBYTECODE": "1",
            "LAMBDA_TASK_ROOT": str(function.code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
    )
    return env


def _probe(python: Path, script: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - the bench venv's interpreter running a fixed probe
        [str(python), "-c", script, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "probe failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _warm_bytecode(python: Path, function: Function, env: dict[str, str]) -> None:
    """Lambda's runtime finds compiled bytecode for its packages; compile once so neither side pays it."""
    dirs = [str(function.code_dir), *(str(p) for p in function.layer_dirs)]
    subprocess.run([str(python), "-m", "compileall", "-q", *dirs], env=env, check=False)  # noqa: S603


def _utility_names(modules: list[str]) -> str:
    """`batch, parser` from the utility modules the handler imported (their top packages)."""
    tops = {m.split(".")[1] if m.split(".")[1] == "event_handler" else m.split(".")[2] for m in modules}
    return ", ".join(sorted(tops))


def _size_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return total / 1e6


def package_size(function: Function) -> str:
    code = BUILD / function.logical_id
    if not code.is_dir():
        return "n/a (make build)"
    total = _size_mb(code) + sum(_size_mb(BUILD / layer) for layer in function.layer_ids)
    return f"{total:7.1f} MB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of the handler and of its floor")
    parser.add_argument("--only", nargs="*", default=None, help="logical ids to measure")
    args = parser.parse_args(argv if argv is not None else [])
    python = ensure_lambda_venv()
    chosen = [f for f in functions() if not args.only or f.logical_id in args.only]
    print(f"{len(chosen)} functions, {args.runs} runs each (medians); goal: ratio <= {GOAL}")
    header = (
        f"{'function':<32} {'import ms':>9} {'floor ms':>9} {'ratio':>6} {'own ms':>7}  {'X-Ray':<6} package"
    )
    print(header)
    print("-" * len(header))
    ratios = []
    for function in chosen:
        env = _env(function)
        _warm_bytecode(python, function, env)
        handler_runs, floor_runs, own_runs = [], [], []
        utilities: list[str] = []
        xray = False
        for _ in range(args.runs):
            measured = _probe(python, _HANDLER_PROBE, [function.module], env)
            utilities, xray = measured["utilities"], measured["xray"]
            handler_runs.append(measured["seconds"])
            floor = _probe(python, _FLOOR_PROBE, [function.module, *utilities], env)
            floor_runs.append(floor["seconds"])
            own_runs.append(floor["own"])
        handler_ms = statistics.median(handler_runs) * 1000
        floor_ms = statistics.median(floor_runs) * 1000
        own_ms = statistics.median(own_runs) * 1000
        ratio = handler_ms / floor_ms
        ratios.append(ratio)
        mark = "" if ratio <= GOAL else "  over goal"
        print(
            f"{function.logical_id:<32} {handler_ms:9.0f} {floor_ms:9.0f} {ratio:6.2f} {own_ms:7.1f}  "
            f"{'yes' if xray else 'no':<6} {package_size(function)}{mark}",
            flush=True,
        )
        print(f"{'':<32} floor utilities: {_utility_names(utilities) or '-'}")
    if ratios:
        within = sum(r <= GOAL for r in ratios)
        print(f"\n{within} of {len(ratios)} functions within {GOAL}x; worst ratio {max(ratios):.2f}")
    print("own ms = the handler's own modules imported after the floor in one interpreter: the stable part")
    print("         of the difference (the ratio compares two interpreters and carries the machine's noise)")
    print("X-Ray  = whether importing the handler loaded the X-Ray SDK")
    print(f"package = function code + its layers, unzipped (Lambda's limit: {LAMBDA_LIMIT_MB} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
