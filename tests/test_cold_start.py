"""A freshly started server that a whole room opens at once (a training after a restart, a
failover moving many browsers to a cold process) shows every page without an error box.

Found by bench/bench_proxy.py: on a cold process many first page loads in parallel made the
sidebar radar fail with "partially initialized module 'pandas'" — plotly looks pandas up in
sys.modules while another session's thread is still importing it."""

from __future__ import annotations

import asyncio
import random
import re
import sys
from pathlib import Path

from jiguan import PROJECT_ROOT
from jiguan.rubric import load_rubric
from jiguan.store import Store
from tests.browser_support import AppServer

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from app_workload import Samples, Target, load_pages

ROOM = 40


class _Served:
    def __init__(self, srv: AppServer) -> None:
        self.ws_url = srv.url.replace("http://", "ws://") + "/_stcore/stream"


def test_a_room_opening_a_cold_server_at_once_sees_no_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = Store(f"sqlite:///{data / 'jiguan.db'}", load_rubric(), files_dir=data / "files")
    store.migrate()
    ids = [store.create_assessment(f"试点单位{i:02d}", "第一轮").id for i in range(ROOM)]
    store.close()
    srv = AppServer(data, tmp_path / "server.log")
    srv.start()  # no page has run in it yet
    try:
        target = Target(
            name="cold",
            server=_Served(srv),  # type: ignore[arg-type]
            page="item1",
            answer_keys=re.compile(r"^ans\."),
            answer_values=[],
            answer_mode="random",
            marker=re.compile(r"/\s*100"),
            query_strings=[f"a={i}" for i in ids],
        )
        samples = Samples()

        async def room() -> None:
            opened = await asyncio.gather(
                *[
                    load_pages(target, samples, query=q, loads=1, think_s=0, timeout=60, rng=r)
                    for q, r in zip(
                        target.claim(ROOM), [random.Random(i) for i in range(ROOM)], strict=True
                    )
                ]
            )
            for session in opened:
                if session is not None:
                    await session.close()

        asyncio.run(room())
    finally:
        srv.stop()
    assert samples.errors == [], samples.errors
    assert len(samples.page_load) == ROOM
    assert "Traceback" not in (tmp_path / "server.log").read_text(errors="replace")
