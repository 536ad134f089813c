"""How long `make local` takes to be ready, and how long the end-to-end tests take on the local cloud.

Figures, not asserts. Each is printed beside a baseline measured in the same run on the same machine:
- `python -m stratus_local up` (what `make local` runs) from process launch until its banner says the
  cloud is up (moto server, template deployed, functions loaded, API serving, demo user created),
  beside a process that only starts a bare moto server: the floor any moto-based local cloud pays;
- the end-to-end suite (`pytest tests/e2e` in a subprocess) beside pytest only collecting it
  (interpreter, imports and collection).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
READY_TIMEOUT = 180.0
BARE_MOTO = (
    "from moto.server import ThreadedMotoServer\n"
    "s = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)\n"
    "s.start()\n"
    "print('Stratus local cloud is up', flush=True)\n"
    "s.stop()\n"
)


def _env() -> dict[str, str]:
    paths = [str(ROOT / "local"), str(ROOT / "layers/shared")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


def _seconds_until_ready(command: list[str]) -> float:
    """Launch `command`, time until it prints that it is up, then stop it with SIGINT (Ctrl-C)."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - this interpreter running the project's own entry points
        command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Stratus local cloud is up" in line:
                return time.perf_counter() - started
            if time.perf_counter() - started > READY_TIMEOUT:
                break
        raise RuntimeError(f"{' '.join(command)} never said it was up (exit {process.poll()})")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _median(command: list[str]) -> tuple[float, list[float]]:
    runs = [_seconds_until_ready(command) for _ in range(RUNS)]
    return statistics.median(runs), runs


def _pytest(*args: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this interpreter running pytest on the repository's own tests
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args, "tests/e2e"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return time.perf_counter() - started, done.returncode, last


def main() -> None:
    up = [
        sys.executable,
        "-m",
        "stratus_local",
        "up",
        "--port",
        "0",
        "--api-port",
        "0",
        "--seed-events",
        "0",
        "--traffic-rate",
        "0",
    ]
    print(f"`make local` start-up, launch to ready, median of {RUNS} runs")
    floor, floor_runs = _median([sys.executable, "-c", BARE_MOTO])
    whole, whole_runs = _median(up)
    print(f"  bare moto server process (baseline)  {floor:7.2f} s   runs {[round(t, 2) for t in floor_runs]}")
    print(f"  python -m stratus_local up           {whole:7.2f} s   runs {[round(t, 2) for t in whole_runs]}")
    print(f"  local cloud over the bare server     {whole - floor:7.2f} s")

    print("end-to-end tests: pytest tests/e2e in a subprocess")
    collect, collect_rc, collect_last = _pytest("--collect-only")
    run, run_rc, run_last = _pytest()
    print(f"  collect only (baseline)              {collect:7.2f} s   exit {collect_rc}: {collect_last}")
    print(f"  full e2e run                         {run:7.2f} s   exit {run_rc}: {run_last}")
    print(f"  time spent running the tests         {run - collect:7.2f} s")


if __name__ == "__main__":
    main()
