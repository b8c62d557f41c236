"""Benchmark: score 10,000 varied answer sheets (a trainer or provincial office comparing units).

Machines are noisy, so besides seconds this reports the ratio to a baseline measured in the same
run: the bare cost of reading every answer of every sheet once in a plain Python loop. The
ratio says how many "plain reads" one scoring costs and moves little between machines.

    .venv/bin/python bench/bench_scoring.py [--sheets 10000] [--repeat 5] [--no-save]

Writes bench/results/bench_scoring_<time>.json (gitignored) unless --no-save. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiguan.rubric import Rubric, load_rubric  # noqa: E402
from jiguan.scoring import NO, PARTIAL, YES, Answer, score  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def make_sheets(rubric: Rubric, n: int, seed: int = 20260501) -> list[dict[str, Answer]]:
    """Varied sheets: blank to complete, every answer kind, with and without evidence."""
    rng = random.Random(seed)
    sheets = []
    for _ in range(n):
        fill = rng.random()  # how far along this unit is
        sheet: dict[str, Answer] = {}
        for c in rubric.criteria.values():
            if rng.random() > fill:
                continue  # no row: unanswered
            evidence = "发文及文号" if rng.random() < 0.7 else ""
            attachments = 1 if rng.random() < 0.2 else 0
            if rng.random() < 0.05:
                sheet[c.id] = Answer(None, evidence=evidence, note="待补")
            elif c.kind == "count":
                sheet[c.id] = Answer(rng.randint(0, 6), evidence=evidence, attachments=attachments)
            else:
                r = rng.random()
                if r < 0.6:
                    sheet[c.id] = Answer(YES, evidence=evidence, attachments=attachments)
                elif r < 0.85 or c.points < 1:
                    sheet[c.id] = Answer(NO, evidence=evidence)
                else:
                    half = rng.randint(1, int(c.points * 2) - 1) / 2
                    sheet[c.id] = Answer(PARTIAL, half, evidence=evidence)
        sheets.append(sheet)
    return sheets


def baseline(rubric: Rubric, sheets: list[dict[str, Answer]]) -> int:
    """Read every answer of every sheet once: the floor any scorer sits on."""
    ids = tuple(rubric.criteria)
    n = 0
    for sheet in sheets:
        get = sheet.get
        for cid in ids:
            a = get(cid)
            if a is not None and a.value is not None:
                n += 1
    return n


def score_all(rubric: Rubric, sheets: list[dict[str, Answer]]) -> float:
    total = 0.0
    for sheet in sheets:
        total += score(rubric, sheet).total
    return total


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)

    rubric = load_rubric()
    sheets = make_sheets(rubric, args.sheets)
    answered = sum(1 for s in sheets for a in s.values() if a.value is not None)
    score(rubric, sheets[0])  # build the scoring plan outside the timing

    t_base, n_read = best_of(args.repeat, lambda: baseline(rubric, sheets))
    t_score, checksum = best_of(args.repeat, lambda: score_all(rubric, sheets))
    assert n_read == answered
    ratio = t_score / t_base
    per_sheet_us = t_score / len(sheets) * 1e6

    print(f"sheets            {len(sheets):>10,}   ({len(rubric.criteria)} criteria each)")
    print(f"answers read      {n_read:>10,}")
    print(f"baseline (read)   {t_base:>10.4f} s   best of {args.repeat}")
    print(f"score()           {t_score:>10.4f} s   {per_sheet_us:.1f} µs/sheet")
    print(f"ratio             {ratio:>10.1f} x   score / baseline")
    print(f"checksum          {checksum:>10.1f}   sum of totals (must not change)")

    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = RESULTS / f"bench_scoring_{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "when": stamp,
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "sheets": len(sheets),
                    "repeat": args.repeat,
                    "baseline_s": t_base,
                    "score_s": t_score,
                    "ratio": ratio,
                    "per_sheet_us": per_sheet_us,
                    "checksum": checksum,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"saved             {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
