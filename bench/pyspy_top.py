"""Summarise a py-spy profile of the app's server: where the samples go, ours against libraries.

    py-spy record --pid <streamlit pid> --gil --nonblocking -r 250 --format raw -o answer.raw
    python bench/pyspy_top.py answer.raw            # while bench_app.py drives the server

py-spy names files relative to ``sys.path``: ``jiguan/…`` for the domain package, a bare
``sidebar.py`` for a module of ``pages/`` (the running script's folder). Prints the share of
samples by the library the sampled (innermost) frame is in, then the functions with the most
samples below them (inclusive), ours marked with ``*``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

PAGES = {p.name for p in (Path(__file__).resolve().parent.parent / "pages").glob("*.py")}
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")
SKIP = re.compile(r"threading\.py|<frozen runpy>|click/|uvicorn/|asyncio/|starlette|cli\.py")


def where(file: str) -> str:
    """``ours`` or the top-level package (or stdlib module) a frame's file belongs to."""
    if file.startswith(("jiguan/", "pages/")) or file in PAGES or file == "app.py":
        return "ours"
    return file.split("/", 1)[0].removesuffix(".py")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("raw", type=Path, help="py-spy --format raw output")
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    leaf: Counter[str] = Counter()
    inclusive: Counter[tuple[str, str]] = Counter()
    total = 0
    for line in args.raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [m for f in stack.split(";") if (m := FRAME.match(f))]
        if not frames:
            continue
        leaf[where(frames[-1]["file"])] += n
        for key in {(m["func"], m["file"]) for m in frames}:
            inclusive[key] += n
    print(f"{total} samples\n\nsampled frame in (self time):")
    for name, n in leaf.most_common(12):
        print(f"  {n / total:6.1%}  {name}")
    print("\ninclusive (* = ours):")
    shown = 0
    for (func, file), n in inclusive.most_common():
        if SKIP.search(file):
            continue
        mark = "*" if where(file) == "ours" else " "
        print(f"  {n / total:6.1%} {mark} {func} ({file})")
        shown += 1
        if shown == args.top:
            break


if __name__ == "__main__":
    main()
