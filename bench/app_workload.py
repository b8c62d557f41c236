"""The benchmark's workload: the servers it drives (each a `streamlit run` through
deploy/process.py), the assessments it prepares, and the page loads and answers it times."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app_client import BenchError, Session  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from deploy.process import (  # noqa: E402
    LOOPBACK,
    STREAMLIT,
    NotHealthy,
    free_port,
    start_streamlit,
    stop,
    wait_healthy,
)

HOST = LOOPBACK
BENCH = Path(__file__).resolve().parent
EMPTY_APP = BENCH / "empty_app.py"

# Streamlit 1.67 binds its listening socket with proto 0, so asyncio's _set_nodelay() skips the
# accepted sockets and Nagle's algorithm meets the client's delayed ACK: a reply of several small
# frames stalls ~40 ms. --tcp-nodelay starts the servers through this launcher to measure without
# that stall (the default measures Streamlit as shipped, i.e. as `make run` serves users).
NODELAY_LAUNCHER = """
import asyncio.base_events, socket, sys
def _set_nodelay(sock):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
asyncio.base_events._set_nodelay = _set_nodelay
from streamlit.web.cli import main
sys.argv = ["streamlit", *sys.argv[1:]]
main()
"""


@dataclass
class Server:
    """One ``streamlit run`` subprocess on a loopback port (deploy/process.py starts it)."""

    name: str
    script: Path
    env: dict[str, str]
    port: int = 0
    log_path: Path | None = None
    extra_args: list[str] = field(default_factory=list)
    tcp_nodelay: bool = False
    proc: subprocess.Popen[bytes] | None = None
    startup_s: float = 0.0

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}/_stcore/stream"

    def start(self, log_dir: Path, timeout: float = 90.0) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"{self.name}.log"
        self.proc = start_streamlit(
            self.port,
            self.log_path,
            script=self.script,
            env=self.env,
            args=[
                "--browser.gatherUsageStats=false",
                "--global.developmentMode=false",
                *self.extra_args,
            ],
            launcher=["-c", NODELAY_LAUNCHER] if self.tcp_nodelay else STREAMLIT,
        )
        try:
            self.startup_s = wait_healthy(
                f"http://{HOST}:{self.port}", self.proc, self.log_path, timeout=timeout
            )
        except NotHealthy as exc:
            raise BenchError(f"{self.name}: {exc}") from None

    def stop(self) -> None:
        stop(self.proc)

    def log_tail(self, n: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def cpu_seconds(self) -> float | None:
        """User+system CPU time of the server process so far (Linux /proc), or None."""
        if self.proc is None:
            return None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running(servers: list[Server], log_dir: Path) -> Iterator[list[Server]]:
    try:
        for s in servers:
            s.start(log_dir)
        yield servers
    finally:
        for s in servers:
            s.stop()


def next_answer(
    session: Session, j: int, rng: random.Random, *, mode: str, wanted: list[str]
) -> tuple[str, Any]:
    """The j-th answer of a session: which widget, and its new (always different) value.

    ``random``: a random answer widget on the page and a random other value for it, so the
    sequence of score states differs between sessions (a result-keyed cache gets no free hits).
    ``toggle``: the first answer widget, alternating between two values.
    """
    keys = list(session.widgets)
    if not keys:
        raise BenchError("no answer widget on the page")
    key = keys[0] if mode == "toggle" else rng.choice(keys)
    w = session.widgets[key]
    current = session.values.get(key)
    # 部分符合 alone saves nothing until its points are chosen, and 未评 on a criterion that was
    # never answered changes nothing (this harness does not read seeded values): neither is an
    # answer to time.
    pool = wanted or [c for c in w.choices() if c not in ("部分符合", "未评")]
    if mode == "toggle":
        pool = pool if wanted else [pool[0], pool[-1]]
        value = pool[j % len(pool)]
        if value == current:
            value = pool[(j + 1) % len(pool)]
        return key, value
    others = [v for v in pool if v != current]
    if not others:
        raise BenchError(f"cannot pick a new value for {w.kind} widget {key}")
    return key, rng.choice(others)


# --------------------------------------------------------------------------------------------
# The app's data


def prepare_assessments(env: dict[str, str], count: int) -> list[int]:
    """Create `count` assessments in the benchmark's temporary database, one per session.

    Every benchmark session works on its own assessment (``?a=<id>``), as trainees in a room
    would; sharing one would measure write conflicts, not latency.
    """
    sys.path.insert(0, str(ROOT))
    from jiguan.rubric import load_rubric
    from jiguan.store import Store, default_files_dir

    store = Store(env["JIGUAN_DATABASE_URL"], load_rubric(), files_dir=default_files_dir(env))
    store.migrate()
    ids = []
    for i in range(count):
        info = store.create_assessment(
            f"基准测试单位{i + 1:02d}", "第一轮", profile={"填表人": f"学员{i + 1:02d}"}
        )
        ids.append(info.id)
    return ids


# --------------------------------------------------------------------------------------------
# Scenario


@dataclass
class Target:
    name: str
    server: Server
    page: str
    answer_keys: re.Pattern[str]
    answer_values: list[str]
    answer_mode: str
    marker: re.Pattern[str]
    query_strings: list[str] = field(default_factory=list)  # one per session, used up in order
    claimed: int = 0
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # per query string

    def claim(self, n: int) -> list[str]:
        """Query strings for `n` new sessions: each starts on an assessment nobody used yet."""
        if not self.query_strings:
            return [""] * n
        if self.claimed + n > len(self.query_strings):
            raise BenchError(f"{self.name}: not enough prepared assessments")
        out = self.query_strings[self.claimed : self.claimed + n]
        self.claimed += n
        return out


@dataclass
class Samples:
    page_load: list[float] = field(default_factory=list)
    page_script: list[float] = field(default_factory=list)
    answer_total: list[float] = field(default_factory=list)
    answer_done: list[float] = field(default_factory=list)
    answer_first_delta: list[float] = field(default_factory=list)
    answer_bytes: list[int] = field(default_factory=list)
    page_bytes: list[int] = field(default_factory=list)
    total_changes: int = 0
    fragment_reruns: int = 0
    keys_answered: set[str] = field(default_factory=set)
    page_not_found: int = 0  # loads that ran the page yet also sent a page_not_found message
    cpu_loads: float = 0.0  # server CPU seconds spent in the page-load halves
    cpu_answers: float = 0.0  # ... and in the answer halves
    errors: list[str] = field(default_factory=list)


ERRORS = (BenchError, OSError, TimeoutError, websockets.WebSocketException)


async def load_pages(
    target: Target,
    samples: Samples,
    *,
    query: str,
    loads: int,
    think_s: float,
    timeout: float,
    rng: random.Random,
) -> Session | None:
    """Load the page `loads` times, a new connection each time; the last one stays open.

    With `think_s`, every load is preceded by a random pause, so paced sessions do not act in
    step (a room of trainees does not click in the same millisecond)."""
    session: Session | None = None
    try:
        for _ in range(loads):
            if think_s:
                await asyncio.sleep(rng.uniform(0, think_s))
            if session is not None:
                await session.close()
            session = Session(
                target.server.ws_url,
                timeout=timeout,
                watch=target.answer_keys,
                headers=target.headers.get(query),
            )
            t0 = time.perf_counter()
            await session.connect()
            run = await session.rerun(query_string=query, page_name=target.page)
            samples.page_load.append(time.perf_counter() - t0)
            samples.page_script.append(run.done)
            samples.page_bytes.append(run.bytes)
            wanted = session.pages.get(target.page)
            if session.pages and wanted != session.page_script_hash:
                raise BenchError(f"{target.name}: page {target.page!r} not found")
            if session.exceptions:
                raise BenchError(f"{target.name}: the page showed an error: {session.exceptions}")
            if session.page_not_found:
                # The page ran, but the browser would also show a "page not found" notice.
                samples.page_not_found += 1
    except ERRORS as exc:
        samples.errors.append(f"{type(exc).__name__}: {exc}")
        if session is not None:
            await session.close()
        return None
    return session


async def answer(
    target: Target,
    samples: Samples,
    session: Session,
    *,
    query: str,
    answers: int,
    think_s: float,
    rng: random.Random,
) -> None:
    """Change an answer `answers` times on an open session (see `next_answer`)."""
    try:
        if not session.widgets:
            raise BenchError(
                f"{target.name}: no widget matching {target.answer_keys.pattern!r} "
                f"(alerts: {session.alerts}) "
                f"on page {target.page!r}"
            )
        last_text = None
        for j in range(answers):
            if think_s:  # before, not after: paced sessions must not answer in step
                await asyncio.sleep(rng.uniform(0, think_s))
            key, value = next_answer(
                session, j, rng, mode=target.answer_mode, wanted=target.answer_values
            )
            samples.keys_answered.add(key)
            w = session.set_widget(key, value)
            run = await session.rerun(
                query_string=query,
                page_script_hash=session.page_script_hash,
                fragment_id=w.fragment_id,
                marker=target.marker,
            )
            if run.marker is None:
                raise BenchError(
                    f"{target.name}: no element matching {target.marker.pattern!r} after an "
                    f"answer (status {run.status}, {run.messages} messages)"
                )
            samples.answer_total.append(run.marker)
            samples.answer_done.append(run.done)
            samples.answer_bytes.append(run.bytes)
            if run.first_delta is not None:
                samples.answer_first_delta.append(run.first_delta)
            if run.status == ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                samples.fragment_reruns += 1
            if last_text is not None and run.marker_text != last_text:
                samples.total_changes += 1
            last_text = run.marker_text
    except ERRORS as exc:
        samples.errors.append(f"{type(exc).__name__}: {exc}")


async def bounded(aws: list[Any], bound: float, samples: Samples, what: str) -> list[Any]:
    """Gather with an outer time bound (each rerun also has its own timeout)."""
    try:
        return await asyncio.wait_for(asyncio.gather(*aws), bound)
    except TimeoutError:
        samples.errors.append(f"{what} exceeded {bound:.0f}s")
        return []


async def measure(
    target: Target,
    *,
    sessions: int,
    loads: int,
    answers: int,
    think_s: float,
    timeout: float,
    seed: int,
    samples: Samples | None = None,
) -> tuple[Samples, float, float | None]:
    """`sessions` concurrent sessions load the page, then (all loaded) answer concurrently.

    The two halves are timed separately on the server's CPU clock, so the CPU cost of one page
    load and of one answer can be told apart even when other work shares the machine.
    """
    samples = Samples() if samples is None else samples
    rng = random.Random(seed)
    rngs = [random.Random(rng.random()) for _ in range(sessions)]
    queries = target.claim(sessions)
    server = target.server
    t0 = time.perf_counter()
    cpu0 = server.cpu_seconds()
    opened = await bounded(
        [
            load_pages(
                target,
                samples,
                query=queries[i],
                loads=loads,
                think_s=think_s,
                timeout=timeout,
                rng=rngs[i],
            )
            for i in range(sessions)
        ],
        timeout * (loads + 1),
        samples,
        "page loads",
    )
    cpu1 = server.cpu_seconds()
    try:
        await bounded(
            [
                answer(
                    target,
                    samples,
                    s,
                    query=queries[i],
                    answers=answers,
                    think_s=think_s,
                    rng=rngs[i],
                )
                for i, s in enumerate(opened)
                if s is not None
            ],
            timeout * (answers + 1),
            samples,
            "answers",
        )
    finally:
        cpu2 = server.cpu_seconds()
        for s in opened:
            if s is not None:
                await s.close()
    wall = time.perf_counter() - t0
    if None in (cpu0, cpu1, cpu2):
        return samples, wall, None
    samples.cpu_loads += cpu1 - cpu0
    samples.cpu_answers += cpu2 - cpu1
    return samples, wall, cpu2 - cpu0
