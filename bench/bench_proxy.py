"""200 people on one server: the app behind nginx with 1 and 2 processes (deploy/cluster.py).

Reuses bench_app.py's protocol client (no browser). On one PostgreSQL schema created for the run
(dropped after), every setup in 共享模式 (behind nginx it always is; the direct process is put in
it with JIGUAN_MODE=shared, so the setups do the same work): each session is a 填报人 of its own
unit, signed in by its login cookie (jiguan/store/logins.py), as a browser is after its login. It
measures:

* **paced** — N sessions each pausing a random 0..T ms before every page load and answer
  (``200~3000``): answer→total and page load p50/p95, errors, and *lost answers*: answers the
  client saw confirmed minus the answer-history rows in the database afterwards;
* **saturation** — S sessions answering back to back: answers per second, 2 processes / 1;
* **idle memory** — on a fresh process of its own: resident memory before and after opening M
  sessions that then sit idle, and the CPU they cost while idle.

    python bench/bench_proxy.py                       # the issue's levels
    python bench/bench_proxy.py --quick               # a short run
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app_stats import summarize  # noqa: E402
from app_workload import Samples, Target, answer, load_pages, prepare_assessments  # noqa: E402

from deploy.cluster import Cluster  # noqa: E402

PG_URL = os.environ.get("JIGUAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RESULTS_DIR = ROOT / "bench" / "results"


def _cpu(stat: str) -> float:
    """User + system CPU seconds from the text of a /proc/<pid>/stat."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ClusterServer:
    """What bench_app's Target needs of a server: a websocket URL and CPU seconds (all apps)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    @property
    def ws_url(self) -> str:
        return self.cluster.url.replace("http://", "ws://") + "/_stcore/stream"

    def cpu_seconds(self) -> float:
        return sum(_cpu(Path(f"/proc/{pid}/stat").read_text()) for pid in self.cluster.pids())

    def others_cpu(self) -> dict[str, float]:
        """CPU seconds so far of what shares the machine with the app processes: this client,
        PostgreSQL (all its processes) and nginx (master and workers)."""
        out = {"client": sum(os.times()[:2]), "postgres": 0.0, "nginx": 0.0}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            key = "postgres" if name.startswith("postgres") else "nginx" if name == "nginx" else ""
            if key:
                out[key] += _cpu(text)
        return out

    def rss_mib(self) -> list[float]:
        out = []
        for pid in self.cluster.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) / 1024)
        return out


def sign_in(env: dict[str, str], ids: list[int]) -> dict[str, dict[str, str]]:
    """An administrator (共享模式 refuses to start without one) and a 填报人 per assessment's
    unit, signed in: the cookie header each session sends, by its query string."""
    from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER
    from jiguan.rubric import load_rubric
    from jiguan.store import LOGIN_COOKIE, Store, default_files_dir
    from jiguan.store.schema import users_t

    store = Store(env["JIGUAN_DATABASE_URL"], load_rubric(), files_dir=default_files_dir(env))
    users, logins = store.users, store.logins
    password = "基准测试的密码0123456789"
    if not users.has_admin():
        users.add("基准管理员", ADMIN, password, by=COMMAND_LINE)
    headers = {}
    for aid in ids:
        unit = store.get_assessment(aid).unit_name
        who = users.add(f"填报{aid:04d}", FILLER, password, unit=unit, by=COMMAND_LINE)
        token = logins.bind_cookie(logins.open(who.caller()).code)  # as the cookie route does
        headers[f"a={aid}"] = {"Cookie": f"{LOGIN_COOKIE}={token}"}
    with store.engine.begin() as conn:  # as if each had changed the first password already
        conn.execute(sa.update(users_t).values(must_change=False))
    store.close()
    return headers


def target_for(cluster: Cluster, env: dict[str, str], count: int) -> Target:
    ids = prepare_assessments(env, count)
    return Target(
        name=f"{cluster.processes}p",
        server=ClusterServer(cluster),  # type: ignore[arg-type]
        page="item1",
        answer_keys=re.compile(r"^ans\."),
        answer_values=[],
        answer_mode="random",
        marker=re.compile(r"/\s*100"),
        query_strings=[f"a={i}" for i in ids],
        headers=sign_in(env, ids),
    )


async def sessions_phase(
    target: Target, n: int, answers: int, think_s: float, timeout: float, seed: int
) -> dict[str, Any]:
    samples = Samples()
    rng = random.Random(seed)
    queries = target.claim(n)
    rngs = [random.Random(rng.random()) for _ in range(n)]
    server: ClusterServer = target.server  # type: ignore[assignment]
    cpu0 = server.cpu_seconds()
    opened = await asyncio.gather(
        *[
            load_pages(target, samples, query=q, loads=1, think_s=think_s, timeout=timeout, rng=r)
            for q, r in zip(queries, rngs, strict=True)
        ]
    )
    cpu1, t1 = server.cpu_seconds(), time.perf_counter()
    others1 = server.others_cpu()
    await asyncio.gather(
        *[
            answer(target, samples, s, query=q, answers=answers, think_s=think_s, rng=r)
            for s, q, r in zip(opened, queries, rngs, strict=True)
            if s is not None
        ]
    )
    wall, cpu2 = time.perf_counter() - t1, server.cpu_seconds()
    others2 = server.others_cpu()
    # Cores each part of the machine used while the sessions answered: on 2 cores the client,
    # PostgreSQL and nginx take their share from what a second app process could use.
    cores = {k: round((others2[k] - others1[k]) / wall, 2) for k in others2} if wall else {}
    cores["app"] = round((cpu2 - cpu1) / wall, 2) if wall else 0
    for s in opened:
        if s is not None:
            await s.close()
    done = len(samples.answer_done)
    return {
        "sessions": n,
        "think_ms": think_s * 1000,
        "page_load": summarize(samples.page_load),
        "answer_total": summarize(samples.answer_total),
        "answers": done,
        "answers_per_s": done / wall if wall else None,
        "cpu_ms_per_page_load": 1000 * (cpu1 - cpu0) / max(1, len(samples.page_load)),
        "cpu_ms_per_answer": 1000 * (cpu2 - cpu1) / max(1, done),
        "cores_used_answering": cores,
        "errors": samples.errors[:5],
        "error_count": len(samples.errors),
        "ids": [int(q.split("=")[1]) for q in queries],
    }


def lost_answers(url: str, ids: list[int], confirmed: int) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT count(*) FROM answer_history WHERE event = 'answer' "
                "AND assessment_id = ANY(:ids)"
            ),
            {"ids": ids},
        ).scalar()
    engine.dispose()
    return confirmed - int(rows)


async def idle_memory(
    target: Target, n: int, idle_s: float, timeout: float, settle_s: float = 0.0
) -> dict[str, Any]:
    """On a process that has served only its warm-up: resident memory before and after opening
    ``n`` sessions that then sit idle (one page load each, websocket kept open), and the server
    CPU they cost while idle (the sidebar's poll, every 5 s per session)."""
    server: ClusterServer = target.server  # type: ignore[assignment]
    await asyncio.sleep(1)
    before = server.rss_mib()
    samples = Samples()
    rng = random.Random(7)
    opened = []
    queries = target.claim(n)
    for q in queries:  # one at a time: this measures memory, not a rush
        opened.append(
            await load_pages(target, samples, query=q, loads=1, think_s=0, timeout=timeout, rng=rng)
        )
    await asyncio.sleep(2)
    after = server.rss_mib()
    stop = asyncio.Event()
    live = [s for s in opened if s is not None]
    polled_at: list[float] = []
    polls = [
        asyncio.create_task(s.poll(q, stop, random.Random(i), log=polled_at))
        for i, (s, q) in enumerate(
            zip(live, [q for q, s in zip(queries, opened, strict=True) if s], strict=True)
        )
    ]
    await asyncio.sleep(settle_s)  # tabs idle past the app's IDLE_AFTER poll more slowly
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    await asyncio.sleep(idle_s)
    cpu1, t1 = server.cpu_seconds(), time.perf_counter()
    stop.set()
    await asyncio.gather(*polls, return_exceptions=False)
    polled = sum(1 for at in polled_at if t0 <= at <= t1)
    for s in live:
        await s.close()
    return {
        "sessions": n,
        "open": sum(s is not None for s in opened),
        "rss_before_mib": before,
        "rss_after_mib": after,
        "mib_per_session": (sum(after) - sum(before)) / n,
        "idle_s": t1 - t0,
        "idle_cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0),
        "polls": polled,
        "cpu_ms_per_poll": 1000 * (cpu1 - cpu0) / polled if polled else None,
        # the measure: an idle tab's CPU per second (target ≤ 0.25 ms)
        "cpu_ms_per_tab_s": 1000 * (cpu1 - cpu0) / (t1 - t0) / max(1, len(live)),
        "errors": samples.errors[:3],
    }


def fresh_schema(admin: sa.Engine) -> tuple[str, str, dict[str, str]]:
    schema = f"jiguan_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_s = url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "JIGUAN_DATABASE_URL": url_s,
        "JIGUAN_DATA_DIR": f"/tmp/{schema}",
        "JIGUAN_MODE": "shared",
    }
    return schema, url_s, env


def drop_schema(admin: sa.Engine, schema: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    results: dict[str, Any] = {}
    for processes, proxy in args.setups:
        schema, url_s, env = fresh_schema(admin)
        label = f"{processes}p{'+nginx' if proxy else ''}"
        try:
            with Cluster(processes, env=env, proxy=proxy) as cluster:
                need = 2 + args.paced + args.saturation * 2
                target = target_for(cluster, env, need)
                await sessions_phase(target, 2, 2, 0, args.timeout, 0)  # warm-up
                out: dict[str, Any] = {}
                if args.saturation:
                    out["saturation"] = await sessions_phase(
                        target, args.saturation, args.answers, 0, args.timeout, 1
                    )
                if args.paced:
                    paced = await sessions_phase(
                        target, args.paced, args.answers, args.think_ms / 1000, args.timeout, 2
                    )
                    paced["lost_answers"] = lost_answers(url_s, paced["ids"], paced["answers"])
                    out["paced"] = paced
                results[label] = out
                print(label, json.dumps(_brief(out), ensure_ascii=False), flush=True)
        finally:
            drop_schema(admin, schema)
    if args.idle:
        # A process of its own: in one that has served the other phases, the new sessions
        # reuse the heap those freed, and the probe reads ~0 MiB per session.
        schema, _, env = fresh_schema(admin)
        try:
            with Cluster(1, env=env, proxy=False) as cluster:
                target = target_for(cluster, env, 2 + args.idle)
                await sessions_phase(target, 2, 2, 0, args.timeout, 0)  # imports, caches
                idle = await idle_memory(
                    target, args.idle, args.idle_seconds, args.timeout, args.idle_settle
                )
                results["idle"] = idle
                print("idle", json.dumps(_brief({"idle": idle}), ensure_ascii=False), flush=True)
        finally:
            drop_schema(admin, schema)
    admin.dispose()
    sat = {k: v.get("saturation", {}).get("answers_per_s") for k, v in results.items()}
    if sat.get("2p+nginx") and sat.get("1p+nginx"):
        results["scaling_2_over_1"] = sat["2p+nginx"] / sat["1p+nginx"]
    return results


def _brief(out: dict[str, Any]) -> dict[str, Any]:
    brief = {}
    for phase, data in out.items():
        if phase == "idle":
            brief[phase] = {
                "MiB/session": round(data["mib_per_session"], 2),
                "rss": [round(data["rss_before_mib"][0]), round(data["rss_after_mib"][0])],
                "idle cpu %": round(data["idle_cpu_pct"], 1),
                "polls": data["polls"],
                "cpu ms/tab/s": round(data["cpu_ms_per_tab_s"], 3),
                "cpu/poll": data["cpu_ms_per_poll"] and round(data["cpu_ms_per_poll"], 2),
                "open": data["open"],
            }
            continue
        brief[phase] = {
            "total_p95": data["answer_total"].get("p95_ms"),
            "load_p95": data["page_load"].get("p95_ms"),
            "ans/s": round(data["answers_per_s"] or 0, 1),
            "cpu/ans": round(data["cpu_ms_per_answer"], 1),
            "cpu/load": round(data["cpu_ms_per_page_load"], 1),
            "errors": data["error_count"],
            "lost": data.get("lost_answers"),
            "cores": data.get("cores_used_answering"),
        }
    return brief


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--paced", type=int, default=200, help="paced sessions")
    p.add_argument("--think-ms", type=float, default=3000)
    p.add_argument("--saturation", type=int, default=40, help="back-to-back sessions")
    p.add_argument("--answers", type=int, default=6, help="answers per session")
    p.add_argument("--idle", type=int, default=200, help="idle sessions for the memory probe")
    p.add_argument("--idle-seconds", type=float, default=20, help="how long they sit idle")
    p.add_argument(
        "--idle-settle",
        type=float,
        default=0,
        help="seconds before the idle CPU is measured (with JIGUAN_POLL_IDLE_AFTER below it: "
        "the tabs have slowed their poll)",
    )
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument(
        "--setups",
        default="1,1+nginx,2+nginx",
        help="comma list of N or N+nginx for the saturation and paced phases ('' for none)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.paced, args.saturation, args.answers, args.idle = 10, 4, 2, 5
        args.idle_seconds = 2
    args.setups = [
        (int(part.split("+")[0]), part.endswith("+nginx"))
        for part in args.setups.split(",")
        if part.strip()
    ]
    results = asyncio.run(run(args))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"bench_proxy-{stamp}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print(f"scaling 2p/1p (answers/s at saturation): {results.get('scaling_2_over_1')}")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
