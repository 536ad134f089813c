"""Command line for the local cloud and the template tooling around it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stratus_local import template


def _translate(args: argparse.Namespace) -> int:
    translated = template.translate(args.template)
    Path(args.output).write_text(json.dumps(translated.template, indent=1, default=str))
    print(f"translated {args.template} -> {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stratus_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    translate = commands.add_parser("translate", help="translate a SAM template offline (for cfn-lint)")
    translate.add_argument("template")
    translate.add_argument("--output", required=True)
    translate.set_defaults(run=_translate)
    args = parser.parse_args(argv)
    return int(args.run(args))
