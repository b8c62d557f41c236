"""The idle poll (adversarial pass): a user who comes back to an idle tab and goes on answering
on the same page (click answers rerun only their fragments, no full page) is no longer idle:
the poll returns to its 5-s pace, so colleagues' saves do not arrive 20 s late while they work."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jiguan.rubric import load_rubric
from jiguan.store import Store
from tests.browser_support import TIMEOUT, VIEWPORT, AppServer, _settle

pytestmark = pytest.mark.browser


def _sent_during(page, sent: list[float], seconds: float) -> int:
    start = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    return sum(1 for at in sent if start <= at < start + seconds)


def test_answering_on_the_same_page_brings_the_5_second_pace_back(tmp_path: Path, browser) -> None:
    srv = AppServer(
        tmp_path / "data",
        tmp_path / "server.log",
        env={"JIGUAN_POLL_IDLE_AFTER": "25"},  # > the slow poll's 20 s
    )
    srv.start()
    store = Store(
        f"sqlite:///{(srv.data_dir / 'jiguan.db').as_posix()}",
        load_rubric(),
        files_dir=srv.data_dir / "files",
    )
    try:
        store.migrate()
        aid = store.create_assessment("某某市机关事务管理局", "第一次自评").id
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        sent: list[float] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.monotonic())))
        page.goto(f"{srv.url}/item1?a={aid}")
        _settle(page)
        page.wait_for_timeout(32_000)  # idle: the poll slows down to 20 s
        assert _sent_during(page, sent, 20) <= 2
        # back at work on the same page: a click answer (its indicator's fragment only)
        page.locator(".st-key-ans-1-1").get_by_text("符合", exact=True).first.click()
        _settle(page)
        for _ in range(50):  # the click's fragment run has saved it
            if "1.1" in store.answers(aid):
                break
            page.wait_for_timeout(100)
        assert store.answers(aid)["1.1"].value == "yes"
        page.wait_for_timeout(22_000)  # the slow poll's next run notices the user is back
        assert _sent_during(page, sent, 15) >= 2  # 5 s pace: 3; 20 s pace: 0 or 1
    finally:
        store.close()
        srv.stop()
