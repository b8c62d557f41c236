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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
EMPTY_APP = BENCH / "empty_app.py"
RESULTS_DIR = BENCH / "results"

HOST = "127.0.0.1"
TARGET_RATIO = 1.2
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR

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


class BenchError(RuntimeError):
    """Something in the benchmark set-up or protocol exchange went wrong."""


# --------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    """A TCP port on the loopback interface that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One ``streamlit run`` subprocess on a loopback port."""

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
        launcher = ["-c", NODELAY_LAUNCHER] if self.tcp_nodelay else ["-m", "streamlit"]
        cmd = [
            sys.executable,
            *launcher,
            "run",
            str(self.script),
            "--server.headless=true",
            f"--server.address={HOST}",
            f"--server.port={self.port}",
            "--browser.gatherUsageStats=false",
            "--global.developmentMode=false",
            *self.extra_args,
        ]
        t0 = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        health = f"http://{HOST}:{self.port}/_stcore/health"
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name}: streamlit exited early\n{self.log_tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=2) as r:
                if r.status == 200:
                    self.startup_s = time.perf_counter() - t0
                    return
            time.sleep(0.1)
        raise BenchError(f"{self.name}: no health answer in {timeout:.0f}s\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

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


# --------------------------------------------------------------------------------------------
# Protocol client


@dataclass
class Widget:
    """What the client knows about one widget element from the ForwardMsg deltas."""

    id: str
    kind: str
    fragment_id: str
    options: list[str]
    proto: Any

    def shown_value(self) -> Any:
        """The value the page shows for this widget, as far as the proto tells."""
        p = self.proto
        if self.kind == "button_group":
            if p.set_value:
                return p.raw_values[0] if p.raw_values else None
            return self.options[p.default[0]] if p.default else None
        if self.kind in ("checkbox", "number_input"):
            return p.value if p.set_value else p.default
        return None

    def choices(self) -> list[Any]:
        if self.kind == "checkbox":
            return [True, False]
        if self.kind == "number_input":
            return list(range(6))
        return list(self.options)


def user_key(element_id: str) -> str | None:
    """The user key in a widget id of the form ``$$ID-<hash>-<key>`` (None without a key)."""
    if not element_id.startswith("$$ID-"):
        return None
    key = element_id.split("-", 2)[2]
    return None if key == "None" else key


@dataclass
class Run:
    """Timings of one rerun, in seconds from sending the BackMsg."""

    done: float
    first_delta: float | None
    marker: float | None
    marker_text: str | None
    status: int
    messages: int
    bytes: int


def element_text(element: Any) -> str:
    """The visible text of a display element (markdown, text, metric, progress, heading, ...)."""
    kind = element.WhichOneof("type")
    if kind is None:
        return ""
    sub = getattr(element, kind)
    parts = []
    for name in ("body", "label", "text", "value"):
        f = sub.DESCRIPTOR.fields_by_name.get(name)
        if f is not None and f.type == f.TYPE_STRING and not f.is_repeated:
            value = getattr(sub, name)
            if value:
                parts.append(value)
    return " ".join(parts)


def widget_options(kind: str, proto: Any) -> list[str]:
    if kind in ("radio", "selectbox", "multiselect"):
        return list(proto.options)
    if kind == "button_group":
        return [o.content for o in proto.options]
    return []


class Session:
    """One browser-tab-equivalent: a websocket speaking BackMsg/ForwardMsg."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        watch: re.Pattern[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.headers = headers or {}  # e.g. the login cookie of 共享模式
        self.timeout = timeout
        self.watch = watch
        self.ws: Any = None
        self.cache: dict[str, bytes] = {}  # the frontend's ForwardMsg cache (by hash)
        self.widgets: dict[str, Widget] = {}  # watched widgets by user key, in page order
        self.values: dict[str, Any] = {}  # what each watched widget holds now
        self.widget_states: dict[str, WidgetState] = {}  # what the frontend would send back
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.page_script_hash = ""
        self.page_not_found = False
        # Fragments the server asked the browser to rerun on a timer (st.fragment(run_every=)):
        # fragment id -> seconds. A browser sends those reruns; `poll` does the same.
        self.auto_reruns: dict[str, float] = {}
        self.lock = asyncio.Lock()  # one rerun at a time, as the frontend queues them
        self.alerts: list[str] = []  # st.error/warning/info texts seen, for error messages
        self.exceptions: list[str] = []  # exception elements the server sent

    async def connect(self) -> None:
        # The frontend offers ["streamlit", <xsrf token>, <session id>]; with no Origin header the
        # server accepts a non-browser client without the token.
        self.ws = await websockets.connect(
            self.url,
            subprotocols=["streamlit"],
            additional_headers=self.headers,
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
        )

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None

    def _resolve(self, raw: bytes) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                raise BenchError(f"server referenced an uncached message {msg.ref_hash}")
            full = ForwardMsg()
            full.ParseFromString(cached)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = raw
        return msg

    def _on_element(self, element: Any, fragment_id: str) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":  # the page showed a traceback box: an error, whatever follows
            self.exceptions.append(element.exception.message[:200])
        if kind is None or self.watch is None:
            return
        sub = getattr(element, kind)
        id_field = sub.DESCRIPTOR.fields_by_name.get("id")
        if id_field is None or id_field.type != id_field.TYPE_STRING:
            return
        key = user_key(sub.id)
        if key is not None and self.watch.search(key):
            w = Widget(sub.id, kind, fragment_id, widget_options(kind, sub), sub)
            self.widgets[key] = w
            self.values.setdefault(key, w.shown_value())

    async def rerun(
        self,
        *,
        query_string: str = "",
        page_name: str = "",
        page_script_hash: str = "",
        fragment_id: str = "",
        marker: re.Pattern[str] | None = None,
    ) -> Run:
        async with self.lock:
            return await self._rerun(query_string, page_name, page_script_hash, fragment_id, marker)

    async def _rerun(
        self,
        query_string: str,
        page_name: str,
        page_script_hash: str,
        fragment_id: str,
        marker: re.Pattern[str] | None,
    ) -> Run:
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = query_string
        cs.page_name = page_name
        cs.page_script_hash = page_script_hash
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(self.widget_states.values())
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone = "Asia/Shanghai"
        cs.context_info.timezone_offset = -480
        cs.context_info.locale = "zh-CN"
        cs.context_info.url = self.url.replace("ws://", "http://").replace("/_stcore/stream", "/")
        payload = back.SerializeToString()

        t0 = time.perf_counter()
        deadline = t0 + self.timeout
        first_delta = marker_t = None
        marker_text = None
        n = nbytes = 0
        await self.ws.send(payload)
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise BenchError(f"no script_finished within {self.timeout:.0f}s")
            raw = await asyncio.wait_for(self.ws.recv(), remaining)
            t = time.perf_counter() - t0
            n += 1
            nbytes += len(raw)
            msg = self._resolve(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                if first_delta is None:
                    first_delta = t
                delta = msg.delta
                if delta.WhichOneof("type") == "new_element":
                    el = delta.new_element
                    self._on_element(el, delta.fragment_id)
                    if el.WhichOneof("type") == "alert":
                        self.alerts = [*self.alerts[-4:], el.alert.body[:200]]
                    if marker is not None and marker_t is None:
                        text = element_text(el)
                        if text and marker.search(text):
                            marker_t, marker_text = t, text
            elif kind == "script_finished":
                status = msg.script_finished
                if status == COMPILE_ERROR:
                    raise BenchError("the app's script failed to compile")
                if status != EARLY_FOR_RERUN:
                    return Run(t, first_delta, marker_t, marker_text, status, n, nbytes)
            elif kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash
            elif kind == "navigation":
                nav = msg.navigation
                self.pages = {p.url_pathname: p.page_script_hash for p in nav.app_pages}
                self.page_script_hash = nav.page_script_hash
            elif kind == "page_not_found":
                self.page_not_found = True
            elif kind == "auto_rerun":
                self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(fid, None)

    async def poll(self, query_string: str, stop: asyncio.Event, rng: random.Random) -> int:
        """Send the timed fragment reruns a browser would send, until ``stop``; returns how
        many ran. The first one comes after a random part of its interval (tabs opened at
        different times do not poll in step)."""
        done = 0
        due = {fid: time.perf_counter() + rng.uniform(0, t) for fid, t in self.auto_reruns.items()}
        while not stop.is_set() and due:
            fid, at = min(due.items(), key=lambda kv: kv[1])
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, at - time.perf_counter()))
            if stop.is_set():
                break
            await self.rerun(
                query_string=query_string, page_script_hash=self.page_script_hash, fragment_id=fid
            )
            done += 1
            interval = self.auto_reruns.get(fid)
            if interval is None:
                del due[fid]
            else:
                due[fid] = time.perf_counter() + interval
        return done

    def set_widget(self, key: str, value: Any) -> Widget:
        """Record a new value for a watched widget; it goes out with the next rerun."""
        w = self.widgets.get(key)
        if w is None:
            raise BenchError(f"no widget with key {key!r} on this page")
        ws = WidgetState(id=w.id)
        if w.kind == "checkbox":
            ws.bool_value = bool(value)
        elif w.kind in ("radio", "selectbox", "text_input", "text_area"):
            ws.string_value = str(value)
        elif w.kind in ("button_group", "multiselect"):
            ws.string_array_value.data.extend([str(value)])
        elif w.kind == "number_input":
            if w.proto.data_type == w.proto.INT:
                ws.int_value = int(value)
            else:
                ws.double_value = float(value)
        else:
            raise BenchError(f"don't know how to set a {w.kind} widget")
        self.widget_states[w.id] = ws
        self.values[key] = value
        return w


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


# --------------------------------------------------------------------------------------------
# Statistics and report


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


# --------------------------------------------------------------------------------------------
# Main


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
