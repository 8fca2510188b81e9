"""The benchmark scripts keep working (a quick run; it checks agreement, not speed)."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_fama_macbeth_benchmark_runs_and_agrees():
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_fama_macbeth.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "the four agree to" in run.stdout
    assert "| `helpers.fama_macbeth` |" in run.stdout
    assert "batched-NumPy floor" in run.stdout


def test_information_coefficient_benchmark_runs_and_agrees():
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_ic.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert re.search(r"the (two|three) implementations agree to", run.stdout)  # three with alphalens installed
    assert "| `helpers.information_coefficient` |" in run.stdout
