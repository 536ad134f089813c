"""What the template promises every function, checked on the translated template with every capability on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.event_cases import ALL_CAPABILITIES
from tests.support.harness import translated_template

TRANSLATED = translated_template(ALL_CAPABILITIES)
FUNCTIONS = TRANSLATED.of_type("AWS::Lambda::Function")


def _mentions(value: Any, logical_id: str) -> bool:
    """`value` refers to `logical_id` (Ref, GetAtt or ${...} in a Sub)."""
    text = json.dumps(value)
    return (
        f'"Ref": "{logical_id}"' in text
        or f'"Fn::GetAtt": ["{logical_id}"' in text
        or "${" + logical_id + "}" in text
        or "${" + logical_id + "." in text
    )


def test_the_template_has_functions() -> None:
    assert len(FUNCTIONS) >= 8


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_logs_to_its_own_group_with_retention(function: str) -> None:
    target = FUNCTIONS[function]["Properties"]["LoggingConfig"]["LogGroup"]
    assert set(target) == {"Ref"}, f"{function}: LoggingConfig.LogGroup must Ref a log group"
    group = TRANSLATED.resources[target["Ref"]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert group.get("Condition") == FUNCTIONS[function].get("Condition")
    others = [n for n, fn in FUNCTIONS.items() if fn["Properties"]["LoggingConfig"]["LogGroup"] == target]
    assert others == [function], f"log group {target['Ref']} shared by {others}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_log_group_is_created_before_its_function(function: str) -> None:
    # The function's Ref makes CloudFormation create the group first; the group must not wait for the
    # function in turn (a name built from the function's, or a DependsOn).
    group_id = FUNCTIONS[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    group = TRANSLATED.resources[group_id]
    assert not _mentions(group.get("Properties", {}), function)
    assert function not in (group.get("DependsOn") or [])


def test_log_group_names_are_never_ones_lambda_would_create_itself() -> None:
    names = {json.dumps(TRANSLATED.resources[g]["Properties"]["LogGroupName"]) for g in _groups()}
    assert len(names) == len(FUNCTIONS)
    for name in names:
        assert "${AWS::StackName}/" in name, name


def _groups() -> list[str]:
    return [fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for fn in FUNCTIONS.values()]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_is_traced_and_never_copies_responses_into_traces(function: str) -> None:
    props = FUNCTIONS[function]["Properties"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Environment"]["Variables"]["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
