"""The latency benchmark's harness works: it starts a Streamlit server, speaks the websocket
protocol, and measures page loads and answers. Speed is not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jiguan import PROJECT_ROOT

pytestmark = pytest.mark.bench  # run by `make bench-smoke`, not `make test`

BENCH = PROJECT_ROOT / "bench" / "bench_app.py"


def run_bench(tmp_path, *args: str, timeout: float) -> dict:
    """Run the benchmark in --quick mode with `args`; its JSON results."""
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", *args, f"--out={tmp_path}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "latency in ms" in proc.stdout
    (result_file,) = tmp_path.glob("bench_app-*.json")
    return json.loads(result_file.read_text(encoding="utf-8"))


def test_bench_harness_measures_the_empty_app(tmp_path):
    results = run_bench(tmp_path, "--apps=empty", "--sessions=1,3~200", "--timeout=20", timeout=120)

    assert results["sessions"] == ["1", "3~200"]
    for tag, n, loads, answers in (("1", 1, 3, 5), ("3~200", 3, 1, 3)):
        phase = results["phases"][f"empty@{tag}"]
        assert phase["errors"] == []
        assert (phase["sessions"], phase["think_ms"]) == (n, 200 if "~" in tag else 0)
        assert phase["page_load"]["n"] == n * loads
        assert phase["answer_total"]["n"] == phase["answer_done"]["n"] == n * answers
        for metric in ("page_load", "answer_total", "answer_done"):
            assert phase[metric]["p50_ms"] > 0
            assert phase[metric]["p95_ms"] >= phase[metric]["p50_ms"]
        # Every toggle of the checkbox changed what the page shows.
        assert phase["total_changes"] == n * (answers - 1)


def test_bench_harness_drives_the_app(tmp_path):
    """The harness still finds the app's answer widgets and its total, and every answer was a
    fragment rerun that moved the total (what the latency numbers rest on)."""
    results = run_bench(tmp_path, "--apps=app", "--sessions=1", "--timeout=30", timeout=180)
    phase = results["phases"]["app@1"]
    assert phase["errors"] == []
    answers = phase["answer_done"]["n"]
    assert answers == 5
    assert phase["fragment_reruns"] == answers
    assert phase["total_changes"] >= 1
    assert phase["cpu_ms_per_answer"] > 0


def test_the_floor_app_draws_what_the_item_page_draws(tmp_path):
    """bench/floor_app.py (Streamlit's cost for the item page's elements, no logic) still runs
    under the harness: its answers are fragment reruns that move its total, as the app's are."""
    results = run_bench(
        tmp_path,
        "--apps=app",
        "--app-script=bench/floor_app.py",
        "--sessions=1",
        "--timeout=30",
        timeout=180,
    )
    phase = results["phases"]["app@1"]
    assert phase["errors"] == []
    assert phase["fragment_reruns"] == phase["answer_done"]["n"] == 5
    assert phase["total_changes"] >= 1
