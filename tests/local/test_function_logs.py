"""A function's output is printed with its name in front; everything else passes through untouched."""

from __future__ import annotations

import io
import threading

from stratus_local.cloud import _PrefixedOutput


def _write_from(thread_name: str, stream: _PrefixedOutput, *chunks: str) -> None:
    def write() -> None:
        for chunk in chunks:
            stream.write(chunk)

    worker = threading.Thread(target=write, name=thread_name)
    worker.start()
    worker.join()


def test_lines_a_function_prints_carry_its_name_even_when_written_in_pieces() -> None:
    target = io.StringIO()
    stream = _PrefixedOutput(target, {"RecorderFunction": "stratus-local-RecorderFunction"})

    _write_from("lambda-RecorderFunction", stream, '{"level":', '"INFO"}\nsecond line\n')

    assert target.getvalue() == (
        '[stratus-local-RecorderFunction] {"level":"INFO"}\n[stratus-local-RecorderFunction] second line\n'
    )


def test_output_outside_functions_is_not_prefixed() -> None:
    target = io.StringIO()
    stream = _PrefixedOutput(target, {"RecorderFunction": "stratus-local-RecorderFunction"})

    _write_from("MainThread-ish", stream, "cloud started\n")

    assert target.getvalue() == "cloud started\n"
