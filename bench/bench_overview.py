"""Benchmark: the overview of all units (总览) for 300 assessments, server CPU per page draw.

The issue's target: the page's data (read every assessment, score each, status counts, the
workbook) in under 1 s of server CPU for 300 units. Machines are noisy, so besides CPU seconds
(time.process_time, this process only) this reports the ratio to a baseline in the same run:
reading the same 300 assessments one by one (`Store.answers` per assessment, no scoring), the
way a page that looped over the store would.

    .venv/bin/python bench/bench_overview.py [--units 300] [--repeat 5] [--database URL]

SQLite in a temporary folder unless --database is given. Not a test (`make bench-smoke` runs it
with --units 20).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scoring import make_sheets  # noqa: E402
from jiguan.overview import overview_rows, overview_workbook, status_counts  # noqa: E402
from jiguan.rubric import load_rubric  # noqa: E402
from jiguan.store import Store  # noqa: E402


def _cpu(action: Callable[[], object], repeat: int) -> list[float]:
    spent = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        spent.append(time.process_time() - start)
    return spent


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description="总览 for many units: server CPU per draw")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="")
    args = parser.parse_args(argv)
    rubric = load_rubric()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        store = Store(url, rubric, files_dir=Path(tmp) / "files")
        store.migrate()
        for n, sheet in enumerate(make_sheets(rubric, args.units)):
            aid = store.create_assessment(f"单位{n:03d}", "2026年").id
            store.replace_answers(aid, sheet, user="bench")
        infos = store.list_assessments()

        def draw() -> None:
            rows = overview_rows(rubric, infos, store.sheets([i.id for i in infos]))
            status_counts(rows)
            overview_workbook(rows)

        def one_by_one() -> None:
            for info in infos:
                store.answers(info.id)

        draw()  # warm: imports, statement caches
        baseline = statistics.median(_cpu(one_by_one, args.repeat))
        page = statistics.median(_cpu(draw, args.repeat))
        store.close()
    out = {"units": args.units, "draw_cpu_s": page, "baseline_cpu_s": baseline}
    out["ratio"] = page / baseline if baseline else float("nan")
    print(
        f"总览 {args.units} 个单位：每次绘制 CPU {page * 1000:.0f} ms（中位数，{args.repeat} 次）；"
        f"基线（逐个读取答案）{baseline * 1000:.0f} ms；比值 {out['ratio']:.2f}"
    )
    return out


if __name__ == "__main__":
    main()
