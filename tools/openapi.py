"""The REST API's OpenAPI document, generated from the handlers themselves (Powertools' event handler).

Every function in the template with an `Api` event is imported in its own interpreter (functions'
modules share names such as `logic`), and its resolver's schema is merged into one document. The web
app's TypeScript types are generated from that document (`make web-types`), so requests and responses
are typed from one source and never retyped by hand.

    python tools/openapi.py --output frontend/src/api/openapi.json
    python tools/openapi.py --check frontend/src/api/openapi.json   # non-zero when out of date
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_DUMP = """
import json, sys
import app
resolver = getattr(app, "app", None)
if resolver is None or not hasattr(resolver, "get_openapi_json_schema"):
    raise SystemExit(0)
print(resolver.get_openapi_json_schema(title="Stratus", version="1"))
"""


def api_functions(template: Path) -> list[tuple[str, Path]]:
    """(logical id, code dir) of every function with an Api event, whatever the conditions say."""
    from stratus_local.template import load  # noqa: PLC0415 - needs PYTHONPATH=local, set by make

    resources = load(template)["Resources"]
    found = []
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        events = resource.get("Properties", {}).get("Events", {}) or {}
        if any(e.get("Type") == "Api" for e in events.values()):
            found.append((logical_id, template.parent / resource["Properties"]["CodeUri"]))
    return found


def function_schema(code_dir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(code_dir), str(ROOT / "layers" / "shared")]),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "stratus",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, "-c", _DUMP], cwd=code_dir, env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out) if out.strip() else {}


def document(template: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Stratus REST API", "version": "1"},
        "paths": {},
        "components": {"schemas": {}},
    }
    for _logical_id, code_dir in api_functions(template):
        schema = function_schema(code_dir)
        for path, operations in schema.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(operations)
        merged["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(merged["components"]["schemas"].items()))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--template", default=str(ROOT / "template.yaml"))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--output")
    group.add_argument("--check")
    args = parser.parse_args(argv)
    text = json.dumps(document(Path(args.template)), indent=2, sort_keys=False) + "\n"
    if args.output:
        Path(args.output).write_text(text)
        return 0
    if Path(args.check).read_text() != text:
        print(f"{args.check} is out of date: run make web-types", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
