"""The benchmark's statistics: percentiles of the timings, app / empty ratios, the table."""

from __future__ import annotations

from typing import Any

TARGET_RATIO = 1.2


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no data."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarize(values: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "mean_ms": sum(ms) / len(ms) if ms else None,
        "max_ms": max(ms) if ms else None,
    }


METRICS = (
    ("page_load", "page load"),
    ("answer_total", "answer→total"),
    ("answer_done", "answer→done"),
)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt(x: float | None, spec: str = "7.1f") -> str:
    return "      -" if x is None else format(x, spec)


def print_table(results: dict[str, Any]) -> None:
    phases = results["phases"]
    names = results["apps"]
    both = "app" in names and "empty" in names
    header = f"{'metric':<14}{'sessions':>9}"  # N, or N~T: N sessions pausing 0..T ms
    for name in names:
        header += f"  {name + ' p50':>10}{name + ' p95':>10}"
    if both:
        header += f"  {'ratio p50':>10}{'ratio p95':>10}"
    print()
    print(f"latency in ms (ratio = app / empty; target ≤ {TARGET_RATIO:.1f}×)")
    if any("~" in tag for tag in results["sessions"]):
        print("sessions N: back-to-back; N~T: each pauses a random 0..T ms before every action")
    print(header)
    print("-" * len(header))
    for key, label in METRICS:
        for n in results["sessions"]:
            line = f"{label:<14}{n:>9}"
            for name in names:
                s = phases.get(f"{name}@{n}", {}).get(key, {})
                line += f"  {fmt(s.get('p50_ms')):>10}{fmt(s.get('p95_ms')):>10}"
            if both:
                r = results["ratios"].get(f"{key}@{n}", {})
                line += f"  {fmt(r.get('p50'), '9.2f')}×{fmt(r.get('p95'), '9.2f')}×"
            print(line)
    print()
    print("server CPU per operation in ms (less sensitive to other load on the machine)")
    for key, label in (("cpu_ms_per_page_load", "page load"), ("cpu_ms_per_answer", "answer")):
        for n in results["sessions"]:
            line = f"{label:<14}{n:>9}"
            for name in names:
                line += f"  {fmt(phases.get(f'{name}@{n}', {}).get(key)):>20}"
            if both:
                r = results["ratios"].get(f"{key}@{n}", {})
                line += f"  {fmt(r.get('value'), '9.2f')}×"
            print(line)
    print()
    for phase, data in phases.items():
        extra = (
            f"wall {data['wall_s']:.1f}s, server CPU {fmt(data['server_cpu_s'], '.1f')}s, "
            f"{data['fragment_reruns']}/{data['answer_done']['n']} answers were fragment reruns, "
            f"{data['keys_answered']} widgets answered, total changed {data['total_changes']}×, "
            f"page {fmt(data['page_kib'], '.0f')} KiB, answer {fmt(data['answer_kib'], '.1f')} KiB"
        )
        print(f"{phase:<10} {extra}")
        if data["page_not_found"]:
            print(
                f"  warning: {data['page_not_found']} page loads also sent page_not_found "
                "(the browser shows a 'page not found' notice)"
            )
        for err in data["errors"][:5]:
            print(f"  error: {err}")
