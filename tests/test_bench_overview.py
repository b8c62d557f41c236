"""The overview benchmark runs (`make bench-smoke`); speed is not asserted here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jiguan import PROJECT_ROOT

pytestmark = pytest.mark.bench


def test_overview_benchmark_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "bench/bench_overview.py", "--units", "20", "--repeat", "1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "总览 20 个单位" in proc.stdout
