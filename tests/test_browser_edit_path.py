"""Two editors on one field, and the name of the person filling in, in a real Chromium (issue
20.1, 20.5). Screenshots: artifacts/screenshots/edit_*.png."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiguan.scoring import Answer
from jiguan.store import Store
from tests.browser_support import AppServer, _settle, open_page

pytestmark = pytest.mark.browser


def _page(browser, url: str, name: str):
    page = open_page(browser, url)
    _sign(page, name)
    return page


def _sign(page, name: str) -> None:
    who = _name_field(page)
    who.wait_for(timeout=60_000)  # a first page of a fresh server on a busy machine
    who.fill(name)
    who.press("Tab")
    _settle(page)
    # the name is kept in the browser by the run that follows (a cookie; pages/sidebar.py)
    page.wait_for_function("() => document.cookie.includes('jiguan_filler=')", timeout=20_000)


def _until(condition, seconds: float = 20.0) -> bool:
    """Wait for what the server holds (a save arrives after the page's event)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _name_field(page):
    return page.get_by_placeholder("当前填写人的姓名")


def _evidence_box(page):
    """指标 2's 佐证材料与备注, opened."""
    box = page.locator(".st-key-indicator-2")
    if not box.get_by_label(re.compile("佐证材料（每行一条")).count():
        box.locator('[data-testid="stExpander"] summary').click()
        _settle(page)
    return box.get_by_label(re.compile("佐证材料（每行一条"))


def test_two_editors_on_one_evidence_field_lose_nothing(
    standalone_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    app_server, store = standalone_app
    aid = store.create_assessment("某某市机关事务管理局", "第一次自评").id
    store.save_answer(aid, "2.1", Answer(evidence="制度文件"), expected_version=0, user="王")
    url = f"{app_server.url}/item1?a={aid}"
    a = _page(browser, url, "张三")
    b = _page(browser, url, "李强")
    a_box, b_box = _evidence_box(a), _evidence_box(b)
    expect(a_box).to_have_value("制度文件")
    expect(b_box).to_have_value("制度文件")

    b_box.fill("制度文件\n会议纪要")
    b_box.press("Tab")
    assert _until(lambda: store.answers(aid)["2.1"].evidence == "制度文件\n会议纪要")
    a.get_by_text("李强 刚更新了 指标 2").wait_for(timeout=20_000)  # the sidebar's poll
    _settle(a)
    a.screenshot(path=str(shots / "edit_stale_field_told.png"))

    a_box.fill("制度文件\n培训记录")
    a_box.press("Tab")
    a.get_by_text(re.compile("李强 在您编辑时保存了此项的佐证材料")).wait_for()
    _settle(a)
    a.locator(".st-key-indicator-2").scroll_into_view_if_needed()
    a.screenshot(path=str(shots / "edit_conflict_offered.png"))
    assert store.answers(aid)["2.1"].evidence == "制度文件\n会议纪要"  # nothing overwritten

    a.get_by_role("button", name=re.compile("^合并")).click()
    assert _until(lambda: store.answers(aid)["2.1"].evidence == "制度文件\n会议纪要\n培训记录")
    _settle(a)  # the run that redraws the field is over (no stale copy of it left in the page)
    expect(_evidence_box(a)).to_have_value("制度文件\n会议纪要\n培训记录")
    a.screenshot(path=str(shots / "edit_merged.png"))


def test_the_name_of_the_person_filling_in_survives_reload_new_tab_and_restart(
    standalone_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    app_server, store = standalone_app
    aid = store.create_assessment("某某市机关事务管理局", "第一次自评").id
    page = _page(browser, f"{app_server.url}/item1?a={aid}", "张三")
    page.reload()
    expect(_name_field(page)).to_have_value("张三", timeout=60_000)
    page.locator(".st-key-indicator-1").get_by_role("radio", name="符合", exact=True).click()
    assert _until(lambda: "1.1" in store.load_answers(aid))
    assert store.load_answers(aid)["1.1"].updated_by == "张三"

    tab = page.context.new_page()
    tab.goto(f"{app_server.url}/?a={aid}")
    expect(_name_field(tab)).to_have_value("张三", timeout=60_000)

    app_server.kill()
    app_server.start()
    page.goto(f"{app_server.url}/item1?a={aid}")
    expect(_name_field(page)).to_have_value("张三", timeout=60_000)
    page.locator(".st-key-indicator-1").get_by_role("radio", name="不符合", exact=True).click()
    assert _until(lambda: store.load_answers(aid)["1.1"].answer.value == "no")
    assert store.load_answers(aid)["1.1"].updated_by == "张三"
    _settle(page)
    page.screenshot(path=str(shots / "edit_name_after_restart.png"))
