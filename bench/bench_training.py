"""Benchmark: the trainer's room view and the unit comparison for 60 trainees / 60 sheets.

Reports server CPU (process time) per operation and its ratio to the baseline measured in the
same run: scoring those 60 sheets once with the one scoring engine. The room view includes
what the page builds besides scoring: the room's results, the export rows, and the two
figures serialised to JSON as Streamlit sends them; the comparison likewise (ranking, spreads,
overlaid radar). Database reads are not included (see bench_app.py for the store).

    .venv/bin/python bench/bench_training.py [--sheets 60] [--repeat 7]

Target (issue 11): each view under 1 s of CPU. Not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiguan.charts import apart_heatmap, radar_overlay, totals_histogram  # noqa: E402
from jiguan.compare import compare_units  # noqa: E402
from jiguan.rubric import Rubric, load_rubric  # noqa: E402
from jiguan.samples import Sample, load_samples  # noqa: E402
from jiguan.scoring import NO, YES, Answer, score  # noqa: E402
from jiguan.training import Practice, room_results  # noqa: E402


def trainee_sheets(rubric: Rubric, samples: tuple[Sample, ...], n: int) -> list[Practice]:
    """Each trainee starts from their sample's key and gets some criteria wrong."""
    rng = random.Random(20261201)
    practices = []
    for t in range(n):
        sample = samples[t % len(samples)]
        sheet = dict(sample.key_sheet)
        for cid, c in rubric.criteria.items():
            if rng.random() < 0.15:
                sheet[cid] = (
                    Answer(rng.randint(0, 4))
                    if c.kind == "count"
                    else Answer(rng.choice((YES, NO, None)))
                )
        practices.append(Practice(sample.id, sheet, submitted=rng.random() < 0.8))
    return practices


def cpu(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds of one call."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rubric = load_rubric()
    samples = load_samples(rubric)
    by_id = {s.id: s for s in samples}
    practices = trainee_sheets(rubric, samples, args.sheets)

    def baseline() -> None:
        for p in practices:
            score(rubric, p.answers)

    def room_view() -> None:
        room = room_results(rubric, practices, by_id)
        room.export_rows(rubric, by_id)
        groups: dict[str, list[float]] = {}
        for sid, total in zip(room.sample_ids, room.totals, strict=True):
            groups.setdefault(by_id[sid].unit, []).append(total)
        keys = {by_id[sid].unit: by_id[sid].key_total for sid in set(room.sample_ids)}
        totals_histogram(groups, keys).to_json()
        apart_heatmap(room.indicator_ids, room.labels, room.apart).to_json()

    def comparison() -> None:
        cmp = compare_units(rubric, [(f"单位 {n}", p.answers) for n, p in enumerate(practices)])
        cmp.ranking_rows()
        cmp.spreads()
        radar_overlay(list(zip(cmp.labels, cmp.results, strict=True))).to_json()

    room_view(), comparison()  # warm-up: imports, plotly's validators
    base = cpu(baseline, args.repeat)
    print(f"{args.sheets} sheets, median of {args.repeat} runs, process CPU time")
    print(f"  baseline: score {args.sheets} sheets once   {base * 1000:8.1f} ms")
    for name, fn in (("trainer's room view", room_view), ("unit comparison", comparison)):
        t = cpu(fn, args.repeat)
        print(f"  {name:<28}{t * 1000:8.1f} ms  = {t / base:6.1f} x baseline")


if __name__ == "__main__":
    main()
