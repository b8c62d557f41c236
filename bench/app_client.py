"""The benchmark's websocket client: one browser-tab equivalent speaking Streamlit's own protocol
(``/_stcore/stream``, protobuf ``BackMsg`` up and ``ForwardMsg`` down) as the frontend does,
keeping what it needs of the page (widgets, their values, the text the benchmark watches)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR


class BenchError(RuntimeError):
    """Something in the benchmark set-up or protocol exchange went wrong."""


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

    async def poll(
        self,
        query_string: str,
        stop: asyncio.Event,
        rng: random.Random,
        log: list[float] | None = None,
    ) -> int:
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
            now = time.perf_counter()
            if log is not None:
                log.append(now)
            # The rerun may have declared the timers anew (the app's poll slows down in an
            # idle tab: a new interval, maybe a new fragment id): follow what the server said.
            due = {
                f: (now + t if f == fid or f not in due else due[f])
                for f, t in self.auto_reruns.items()
            }
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
