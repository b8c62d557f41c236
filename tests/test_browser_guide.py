"""评估指引 in Chromium (issue 26, smaller items): after a search typed in 全文搜索, a click on a
filter takes effect (it used to be ignored: the field's blur reran the page under the click).
Screenshots: artifacts/screenshots/guide_*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import TIMEOUT, VIEWPORT, AppServer, _settle, stalled

pytestmark = pytest.mark.browser


def test_a_filter_clicked_after_a_search_applies(server: str, browser, artifacts_dir: Path):
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{server}/criteria-guide")
    page.get_by_role("heading", level=1, name="评估指引").wait_for()
    _settle(page)
    page.get_by_text("显示 38 / 38 个指标").wait_for()
    for n in range(3):
        search = page.get_by_label("全文搜索")
        search.fill("培训")  # typed, not confirmed: the next click blurs the field
        page.get_by_label("评估项目").click()  # the mouse, straight to a filter
        page.get_by_role("option", name="宣贯培训").click()
        page.keyboard.press("Escape")
        page.get_by_text(re.compile(r"显示 \d+ / 38 个指标")).first.wait_for()
        _settle(page)
        shown = page.get_by_text(re.compile(r"显示 \d+ / 38 个指标")).first.inner_text()
        chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
        page.screenshot(path=str(shots / f"guide_search_then_filter_{n}.png"))
        assert "宣贯培训" in chosen, f"round {n}: the click on the filter was lost ({shown})"
        assert search.input_value() == "培训"
        # both apply: 宣贯培训's indicators that mention 培训
        count = int(re.search(r"显示 (\d+) /", shown).group(1))
        assert 0 < count < 38, shown
        page.reload()  # a new session: no search, no filter
        page.get_by_text("显示 38 / 38 个指标").wait_for()
        _settle(page)


def test_a_filter_picked_while_the_search_runs_is_kept_when_the_list_closes(
    app_server: AppServer, browser
):
    """The same, the server slower than the user (stalled: the search's run has not begun when
    the option is picked and the list closed with Escape). The pick must not wait for a list
    that is gone by then: it was held for the search's run and released onto a closed list."""
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{app_server.url}/criteria-guide")
    page.get_by_text("显示 38 / 38 个指标").wait_for()
    _settle(page)
    search = page.get_by_label("全文搜索")
    search.fill("培训")
    with stalled(app_server):
        page.get_by_label("评估项目").click()  # the search's value goes out on the blur
        page.get_by_role("option", name="宣贯培训").click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(800)
    page.wait_for_timeout(2500)  # past the longest a held click waits for a vanished target
    _settle(page)
    chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
    shown = page.get_by_text(re.compile(r"显示 \d+ / 38 个指标")).first.inner_text()
    assert "宣贯培训" in chosen, f"the pick was lost ({shown})"
    assert search.input_value() == "培训"
    assert 0 < int(re.search(r"显示 (\d+) /", shown).group(1)) < 38, shown
    page.close()
