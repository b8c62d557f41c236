"""A room opening a cold server in the same second (issue 25): ``--room`` sessions (60) each open
``item1`` of their own assessment at once, on a server that has served nothing yet; prints each
page's time to its last ``script_finished`` (max, p95, median), errors, and the server's CPU.

    .venv/bin/python bench/bench_cold_room.py            # 60 at once, 3 cold servers
    .venv/bin/python bench/bench_cold_room.py --room 20 --repeat 1

Target: every page drawn within 10 s, no error box. Like the other benchmarks it reports and does
not gate; tests/test_cold_start.py checks the no-error part on every `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

from app_workload import ROOT, Samples, Server, Target, load_pages

sys.path.insert(0, str(ROOT))
from jiguan.rubric import load_rubric
from jiguan.store import Store


def one_room(room: int, tmp: Path) -> dict[str, float | int | list[str]]:
    data = tmp / "data"
    data.mkdir(parents=True)
    url = f"sqlite:///{data / 'jiguan.db'}"
    store = Store(url, load_rubric(), files_dir=data / "files")
    store.migrate()
    ids = [store.create_assessment(f"试点单位{i:02d}", "第一轮").id for i in range(room)]
    store.close()
    env = dict(os.environ, JIGUAN_DATA_DIR=str(data), JIGUAN_DATABASE_URL=url)
    server = Server("cold", ROOT / "app.py", env)
    server.start(tmp)
    try:
        target = Target(
            name="cold",
            server=server,
            page="item1",
            answer_keys=re.compile(r"^ans\."),
            answer_values=[],
            answer_mode="random",
            marker=re.compile(r"/\s*100"),
            query_strings=[f"a={i}" for i in ids],
        )
        samples = Samples()
        cpu0 = server.cpu_seconds() or 0.0

        async def open_all() -> None:
            rngs = [random.Random(i) for i in range(room)]
            opened = await asyncio.gather(
                *[
                    load_pages(target, samples, query=q, loads=1, think_s=0, timeout=120, rng=r)
                    for q, r in zip(target.claim(room), rngs, strict=True)
                ]
            )
            for session in opened:
                if session is not None:
                    await session.close()

        asyncio.run(open_all())
        cpu = (server.cpu_seconds() or 0.0) - cpu0
    finally:
        server.stop()
    times = sorted(samples.page_load)
    return {
        "loaded": len(times),
        "errors": samples.errors[:3],
        "max_s": times[-1] if times else float("nan"),
        "p95_s": times[int(0.95 * (len(times) - 1))] if times else float("nan"),
        "median_s": statistics.median(times) if times else float("nan"),
        "server_cpu_s": cpu,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--room", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    print(f"load average before: {os.getloadavg()}")
    for n in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            r = one_room(args.room, Path(tmp))
        print(
            f"room {args.room} #{n + 1}: loaded {r['loaded']}/{args.room}, "
            f"max {r['max_s']:.2f} s, p95 {r['p95_s']:.2f} s, median {r['median_s']:.2f} s, "
            f"server CPU {r['server_cpu_s']:.1f} s, errors {r['errors']}"
        )


if __name__ == "__main__":
    main()
