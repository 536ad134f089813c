"""`sam local invoke -e events/<function>/<case>.json <Function>`, without Docker.

For every function in the template: its handler is loaded from its CodeUri with the shared layer on
the path and the environment the template gives it (resolved to the resources deployed in moto), and
it is invoked with each of its event files. Every function must have an event file, and every event
file must have an expected outcome in event_cases.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus_local.runner import FunctionError
from tests.integration.event_cases import ALL_CAPABILITIES, CASES, Outcome
from tests.support.harness import EVENTS, deployed_stack, event_files, load_event, translated_template


def _function_folders() -> dict[str, str]:
    """Function folder name (events/<folder>) -> logical id, from the template's CodeUris."""
    translated = translated_template(ALL_CAPABILITIES)
    return {
        translated.code_dir(logical_id).name: logical_id
        for logical_id in translated.of_type("AWS::Lambda::Function")
    }


def test_every_function_has_an_event_file() -> None:
    missing = [folder for folder in _function_folders() if not list((EVENTS / folder).glob("*.json"))]
    assert missing == [], f"functions without events/<function>/*.json: {missing}"


def test_every_event_file_belongs_to_a_function_and_has_an_expected_outcome() -> None:
    folders = _function_folders()
    orphans = [str(p) for p in event_files() if p.parent.name not in folders]
    unchecked = [str(p) for p in event_files() if (p.parent.name, p.stem) not in CASES]
    assert orphans == [], f"event files for no function: {orphans}"
    assert unchecked == [], f"event files with no expected outcome in event_cases.py: {unchecked}"


@pytest.mark.parametrize("path", event_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_invoke_with_event_file(path: Path) -> None:
    case = CASES[(path.parent.name, path.stem)]
    logical_id = _function_folders()[path.parent.name]
    with deployed_stack(ALL_CAPABILITIES) as stack:
        event = load_event(path.parent.name, path.stem)
        if case.prepare is not None:
            event = case.prepare(stack, event)
        outcome = Outcome()
        try:
            outcome.result = stack.function(logical_id).invoke(event)
        except FunctionError as exc:
            outcome.error = exc.error
        case.check(stack, event, outcome)
