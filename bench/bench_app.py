"""Latency benchmark: this app against an empty one-checkbox Streamlit app.

Both apps are started with ``streamlit run`` (headless, loopback, each on its own free port, the
real app on a temporary database) and driven through Streamlit's own websocket protocol
(``/_stcore/stream``, protobuf ``BackMsg`` up and ``ForwardMsg`` down), the way the browser frontend
does it. No browser is involved, so 30 sessions cost the client almost nothing.

Two latencies, each as p50 and p95, at 1 and at 30 concurrent sessions:

* **page load** — open the websocket, send ``rerun_script`` for the page, wait for the final
  ``script_finished``;
* **answer** — change one widget (for the app a criterion's answer, for the empty app the checkbox),
  wait for the message that carries the updated total (``answer→total``) and for the end of the
  rerun (``answer→done``). If the widget lives in a ``st.fragment`` the change is sent with the
  fragment's id, as the frontend does, so a fragment rerun is measured as a fragment rerun.

The ratio app / empty is printed per metric; the issue's target is at most 1.2x. JSON results go to
``bench/results/``. Run ``python bench/bench_app.py --help`` for the knobs, ``--quick`` for a short
run. Everything stays on 127.0.0.1; every loop is bounded and the run stops by itself.

This file is the command line (phases, rounds, the JSON results); the rest is in
``app_client.py`` (the websocket client), ``app_workload.py`` (servers, prepared assessments,
page loads and answers) and ``app_stats.py`` (percentiles, ratios, the table).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit
from app_client import BenchError
from app_stats import METRICS, TARGET_RATIO, print_table, ratio, summarize
from app_workload import (
    EMPTY_APP,
    ROOT,
    Samples,
    Server,
    Target,
    measure,
    prepare_assessments,
    running,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="few iterations (smoke test)")
    p.add_argument("--apps", default="empty,app", help="comma list of: empty, app")
    p.add_argument(
        "--sessions",
        default="1,30,1~3000,30~3000",
        help="comma list of levels: N sessions back-to-back, or N~T sessions each pausing a "
        "random 0..T ms before every page load and answer (a user reading, a room of trainees)",
    )
    p.add_argument("--app-script", default="app.py", help="the app's entry point (repo-relative)")
    p.add_argument("--page", default="item1", help="url path of the item page to load")
    p.add_argument(
        "--answer-keys",
        default=r"^ans\.",
        help="regex for the keys of the answer widgets on the page (default: every ans.*)",
    )
    p.add_argument(
        "--answer-mode",
        choices=("random", "toggle"),
        default="random",
        help="random: a random answer widget and a random new value each time; "
        "toggle: the first one, alternating two values",
    )
    p.add_argument(
        "--answer-values",
        default="",
        help="comma list of values to choose from (default: the widget's options)",
    )
    p.add_argument(
        "--total-pattern",
        default=r"/\s*100",
        help="regex for the text of the element that shows the updated total",
    )
    p.add_argument("--loads", type=int, help="page loads per session and round")
    p.add_argument("--answers", type=int, help="answers per session and round")
    p.add_argument("--rounds", type=int, help="rounds per level, apps alternating (3; quick 1)")
    p.add_argument("--think-ms", type=float, default=0.0, help="pause for levels given without ~T")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for one rerun")
    p.add_argument(
        "--tcp-nodelay",
        action="store_true",
        help="set TCP_NODELAY on the servers' sockets (Streamlit 1.67 leaves Nagle on)",
    )
    p.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra `streamlit run` option for both servers, "
        "e.g. --server-arg=--runner.postScriptGC=false",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="directory for the JSON results")
    return p.parse_args(argv)


def rounds(args: argparse.Namespace) -> int:
    return args.rounds or (1 if args.quick else 3)


@dataclass(frozen=True)
class Level:
    """How many sessions run at once, and the longest random pause before each action."""

    sessions: int
    think_ms: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.sessions}~{self.think_ms:g}" if self.think_ms else str(self.sessions)


def parse_levels(text: str, think_ms: float = 0.0) -> list[Level]:
    levels = []
    for part in (x.strip() for x in text.split(",")):
        if not part:
            continue
        n, _, pause = part.partition("~")
        try:
            level = Level(int(n), float(pause) if pause else think_ms)
        except ValueError:
            raise BenchError(f"bad level {part!r}: use N or N~T (sessions, pause in ms)") from None
        if level.sessions < 1 or level.think_ms < 0:
            raise BenchError(f"bad level {part!r}")
        levels.append(level)
    return levels


def iterations(args: argparse.Namespace, level: Level) -> tuple[int, int]:
    """Page loads and answers per session and round."""
    one = level.sessions == 1
    if args.quick:
        loads, answers = (3, 5) if one else (1, 3)
    elif level.think_ms:
        loads, answers = (2, 8) if one else (1, 4)
    else:
        loads, answers = (7, 14) if one else (1, 4)
    return (args.loads or loads, args.answers or answers)


async def run_all(
    args: argparse.Namespace, levels: list[Level], targets: dict[str, Target]
) -> dict[str, Any]:
    phases: dict[str, Any] = {}
    warm: dict[str, Any] = {}
    for name, target in targets.items():
        # Warm-up: first imports, cache_resource, database migration; reported, not measured.
        samples, wall, _ = await measure(
            target, sessions=1, loads=2, answers=2, think_s=0, timeout=args.timeout, seed=0
        )
        if samples.page_not_found:
            print(
                f"warning: {name}: the first page load(s) after start-up also sent "
                "page_not_found (a browser shows a 'page not found' notice)",
                file=sys.stderr,
            )
        warm[name] = {
            "first_page_load_ms": samples.page_load[0] * 1000 if samples.page_load else None,
            "page_not_found": samples.page_not_found,
            "wall_s": wall,
            "errors": samples.errors,
        }
        if samples.errors:
            raise BenchError(f"{name}: warm-up failed: {samples.errors[0]}")
    for level in levels:
        n, tag = level.sessions, level.label
        loads, answers = iterations(args, level)
        n_rounds = rounds(args)
        collected = {name: Samples() for name in targets}
        wall = dict.fromkeys(targets, 0.0)
        cpu: dict[str, float | None] = dict.fromkeys(targets, 0.0)
        # Rounds alternate the apps so that a change in background load hits both alike.
        for r in range(n_rounds):
            for name, target in targets.items():
                _, w, c = await measure(
                    target,
                    sessions=n,
                    loads=loads,
                    answers=answers,
                    think_s=level.think_ms / 1000,
                    timeout=args.timeout,
                    seed=args.seed + 1000 * r + n,
                    samples=collected[name],
                )
                wall[name] += w
                prev = cpu[name]
                cpu[name] = None if prev is None or c is None else prev + c
        for name in targets:
            samples = collected[name]
            phase = {key: summarize(getattr(samples, key)) for key, _ in METRICS}
            phase["page_script"] = summarize(samples.page_script)
            phase["answer_first_delta"] = summarize(samples.answer_first_delta)
            phase.update(
                sessions=n,
                think_ms=level.think_ms,
                rounds=n_rounds,
                loads_per_session=loads,
                answers_per_session=answers,
                wall_s=wall[name],
                server_cpu_s=cpu[name],
                cpu_ms_per_page_load=1000 * samples.cpu_loads / len(samples.page_load)
                if samples.page_load and cpu[name] is not None
                else None,
                cpu_ms_per_answer=1000 * samples.cpu_answers / len(samples.answer_done)
                if samples.answer_done and cpu[name] is not None
                else None,
                fragment_reruns=samples.fragment_reruns,
                keys_answered=len(samples.keys_answered),
                page_not_found=samples.page_not_found,
                total_changes=samples.total_changes,
                page_kib=(sum(samples.page_bytes) / len(samples.page_bytes) / 1024)
                if samples.page_bytes
                else None,
                answer_kib=(sum(samples.answer_bytes) / len(samples.answer_bytes) / 1024)
                if samples.answer_bytes
                else None,
                errors=samples.errors,
            )
            phases[f"{name}@{tag}"] = phase
    ratios = {}
    tags = [level.label for level in levels]
    if "app" in targets and "empty" in targets:
        for tag in tags:
            for key, _ in METRICS:
                a, e = phases[f"app@{tag}"][key], phases[f"empty@{tag}"][key]
                ratios[f"{key}@{tag}"] = {
                    "p50": ratio(a["p50_ms"], e["p50_ms"]),
                    "p95": ratio(a["p95_ms"], e["p95_ms"]),
                }
            for key in ("cpu_ms_per_page_load", "cpu_ms_per_answer"):
                ratios[f"{key}@{tag}"] = {
                    "value": ratio(phases[f"app@{tag}"][key], phases[f"empty@{tag}"][key])
                }
    return {"sessions": tags, "warmup": warm, "phases": phases, "ratios": ratios}


def git_rev() -> str | None:
    """HEAD's short hash, with "+dirty" when the app's files differ from it."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "app.py",
                "pages",
                "jiguan",
                ".streamlit",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return (rev + ("+dirty" if dirty else "")) or None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [x.strip() for x in args.apps.split(",") if x.strip()]
    unknown = set(names) - {"app", "empty"}
    if unknown:
        print(f"unknown app(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    app_script = (ROOT / args.app_script).resolve()
    if "app" in names and not app_script.exists():
        print(f"{app_script} does not exist; use --apps empty", file=sys.stderr)
        return 2
    values = [v for v in args.answer_values.split(",") if v]
    try:
        levels = parse_levels(args.sessions, args.think_ms)
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="jiguan-bench-") as tmp:
        tmpdir = Path(tmp)
        env = dict(os.environ)
        env.update(
            JIGUAN_DATA_DIR=str(tmpdir),
            JIGUAN_DATABASE_URL=f"sqlite:///{tmpdir}/bench.db",
            STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        )
        opts = {"extra_args": args.server_arg, "tcp_nodelay": args.tcp_nodelay}
        servers = {
            "empty": Server("empty", EMPTY_APP, env, **opts),
            "app": Server("app", app_script, env, **opts),
        }
        chosen = [servers[n] for n in names]
        targets = {}
        for name in names:
            if name == "empty":
                targets[name] = Target(
                    "empty",
                    servers["empty"],
                    "",
                    re.compile(r"^x$"),
                    [],
                    args.answer_mode,
                    re.compile(r"True|False"),
                )
            else:
                targets[name] = Target(
                    "app",
                    servers["app"],
                    args.page,
                    re.compile(args.answer_keys),
                    values,
                    args.answer_mode,
                    re.compile(args.total_pattern),
                )
        load_before = os.getloadavg()
        if load_before[0] > 1.0:
            print(
                f"warning: load average {load_before[0]:.1f} before the run; other work on this "
                "machine will distort the numbers",
                file=sys.stderr,
            )
        t0 = time.perf_counter()
        try:
            if "app" in targets:
                # warm-up + every session of every round
                needed = 1 + rounds(args) * sum(level.sessions for level in levels)
                ids = prepare_assessments(env, needed)
                targets["app"].query_strings = [f"a={aid}" for aid in ids]
            with running(chosen, tmpdir):
                results = asyncio.run(run_all(args, levels, targets))
                startup = {s.name: s.startup_s for s in chosen}
        except BenchError as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            for s in chosen:
                print(f"--- {s.name} log ---\n{s.log_tail()}", file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - t0

    results["apps"] = names
    results["config"] = {
        "quick": args.quick,
        "page": args.page,
        "app_script": str(app_script),
        "answer_keys": args.answer_keys,
        "answer_mode": args.answer_mode,
        "total_pattern": args.total_pattern,
        "levels": [
            {"label": lv.label, "sessions": lv.sessions, "think_ms": lv.think_ms} for lv in levels
        ],
        "tcp_nodelay": args.tcp_nodelay,
        "server_args": args.server_arg,
        "target_ratio": TARGET_RATIO,
    }
    results["environment"] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "git": git_rev(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "server_startup_s": startup,
        "elapsed_s": elapsed,
    }
    print_table(results)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.out / f"bench_app-{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"results: {path}  ({elapsed:.0f}s)")
    errors = [e for p in results["phases"].values() for e in p["errors"]]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
