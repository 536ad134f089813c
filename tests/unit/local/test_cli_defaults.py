"""`make local` (`stratus_local up`) lets webhook endpoints point at loopback receivers and runs document
chat offline, unless told otherwise."""

from __future__ import annotations

import argparse
from pathlib import Path

from stratus_local.cli import _local_defaults

ROOT = Path(__file__).resolve().parents[3]


def _args(template: Path, *overrides: str) -> argparse.Namespace:
    return argparse.Namespace(template=str(template), parameter_overrides=list(overrides))


def test_up_allows_loopback_webhook_targets_by_default() -> None:
    args = _args(ROOT / "template.yaml", "LogLevel=DEBUG")

    _local_defaults(args)

    assert args.parameter_overrides == [
        "LogLevel=DEBUG",
        "WebhookAllowLoopbackTargets=true",
        "DocumentChatMode=offline",
    ]


def test_an_explicit_value_is_kept() -> None:
    args = _args(ROOT / "template.yaml", "WebhookAllowLoopbackTargets=false", "DocumentChatMode=bedrock")

    _local_defaults(args)

    assert args.parameter_overrides == ["WebhookAllowLoopbackTargets=false", "DocumentChatMode=bedrock"]


def test_a_template_without_the_parameter_gets_nothing(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Parameters:\n  Other: {Type: String}\nResources: {}\n")
    args = _args(template)

    _local_defaults(args)

    assert args.parameter_overrides == []
