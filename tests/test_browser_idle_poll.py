"""An idle tab polls less (issue 25): after JIGUAN_POLL_IDLE_AFTER seconds without the user
doing anything, the sidebar's poll for colleagues' saves runs every 20 s instead of every 5 s;
a colleague's save still arrives, and the user's next page brings the 5-s pace back.
Counted from the websocket messages the page sends (each poll is one)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jiguan.scoring import Answer
from tests.browser_support import TIMEOUT, VIEWPORT, AppServer, _settle, served_store

pytestmark = pytest.mark.browser


@pytest.fixture
def idle_server(tmp_path: Path) -> AppServer:
    srv = AppServer(
        tmp_path / "data", tmp_path / "server.log", env={"JIGUAN_POLL_IDLE_AFTER": "12"}
    )
    srv.start()
    yield srv
    srv.stop()


def _sent_during(page, sent: list[float], seconds: float) -> int:
    """Messages the page sent in the next ``seconds`` (Playwright delivers its events only
    while it is called: wait through it, not with time.sleep)."""
    start = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    return sum(1 for at in sent if start <= at < start + seconds)


def test_an_idle_tab_polls_every_20_seconds_and_still_hears_of_a_colleagues_save(
    idle_server: AppServer, browser, artifacts_dir: Path
) -> None:
    store = served_store(idle_server)
    aid = store.create_assessment("某某市机关事务管理局", "第一次自评").id
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    sent: list[float] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.monotonic())))
    page.goto(f"{idle_server.url}/item1?a={aid}")
    _settle(page)

    page.wait_for_timeout(18_000)  # idle past the 12 s: the next poll slows the pace down
    assert _sent_during(page, sent, 30) <= 2  # at 5 s it would be 6

    store.save_answer(aid, "2.1", Answer(evidence="会议纪要"), expected_version=0, user="李强")
    page.get_by_text("李强 刚更新了 指标 2").wait_for(timeout=30_000)

    page.get_by_role("link", name="二、工作机制").first.click()  # the user is back
    _settle(page)
    assert _sent_during(page, sent, 14) >= 2
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "idle_poll_after_return.png"))
    store.close()
