"""Nothing a user typed is lost: the sequences of the data-safety issue, in a real Chromium."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import (
    TIMEOUT,
    UNIT,
    VIEWPORT,
    AppServer,
    _settle,
    _wait_total,
    stalled,
)

pytestmark = pytest.mark.browser

EVIDENCE = "关于成立标准化试点工作领导小组的通知（某机关发〔2025〕1号）"


def _new_assessment(page, server: str) -> None:
    page.goto(server)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    page.get_by_role("button", name=re.compile("开始填写")).click()
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()


def _answer_first_three(page) -> None:
    for n, total in enumerate(("2 / 100", "4 / 100", "6 / 100")):
        page.get_by_role("radio", name="符合", exact=True).nth(n).click()
        _wait_total(page, total)
    _settle(page)


def _type_evidence_unblurred(page) -> None:
    block = page.locator('[data-testid="stExpander"]').first
    block.locator("summary").click()
    field = block.get_by_label(re.compile("佐证材料"))
    field.wait_for()
    field.click()
    page.keyboard.type(EVIDENCE)


@pytest.mark.parametrize("via", ["top", "sidebar", "next"])
@pytest.mark.parametrize("stall", [False, True], ids=["", "stalled"])
def test_navigating_from_a_focused_field_saves_it_and_wipes_nothing(
    app_server: AppServer, browser, artifacts_dir: Path, via: str, stall: bool
) -> None:
    """Leaving by a link right after typing (the field still focused): the link's page change
    carries none of the page's fields, so had it reached the server before the run the
    field's blur commit asked for had begun, Streamlit would have merged the two requests and
    dropped the typed value. The stall makes both arrive together."""
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    _new_assessment(page, app_server.url)
    _answer_first_three(page)
    _type_evidence_unblurred(page)
    if via == "top":
        link = page.locator('[data-testid="stTopNavLink"]').filter(has_text="汇总").first
        heading = "汇总"
    elif via == "sidebar":
        side = page.locator('[data-testid="stSidebar"]')
        link = side.get_by_role("link", name=re.compile("二、工作机制"))
        heading = "二、工作机制"
    else:
        link = page.get_by_role("button", name=re.compile("下一部分"))
        heading = "二、工作机制"
    link.wait_for()
    if stall:
        with stalled(app_server):
            link.click()
            page.wait_for_timeout(800)  # the browser sends what the click sends
    else:
        link.click()
    # One click: the new page opens.
    page.get_by_role("heading", level=1, name=heading).wait_for(timeout=TIMEOUT)
    _settle(page)
    page.screenshot(path=str(artifacts_dir / "screenshots" / f"safety_nav_{via}.png"))
    assert "?a=" in page.url or "&a=" in page.url
    # Back on the item page: the three answers and the evidence are there, and a fourth
    # answer adds to them (the wipe set them to null).
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "link", name=re.compile("一、组织管理")
    ).click()
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    _settle(page)
    page.get_by_role("radio", name="符合", exact=True).nth(3).click()
    _wait_total(page, "7 / 100")
    _settle(page)
    block = page.locator('[data-testid="stExpander"]').first
    field = block.get_by_label(re.compile("佐证材料（"))
    if not field.is_visible():
        block.locator("summary").click()
        _settle(page)
    page.screenshot(path=str(artifacts_dir / "screenshots" / f"safety_back_{via}.png"))
    # The field is drawn empty and takes its value one frame later (~10 ms, Streamlit's
    # front end): a read at once, after a settle that came before the run, could see ''.
    expect(field).to_have_value(EVIDENCE)
    page.close()


def _two_assessments(data: Path) -> tuple[int, int]:
    from jiguan.rubric import load_rubric
    from jiguan.scoring import Answer
    from jiguan.store import Store, database_url

    store = Store(database_url(data), load_rubric(), files_dir=data / "files")
    store.migrate()
    first = store.create_assessment(UNIT, "第一次自评").id
    second = store.create_assessment("另一单位", "第一次自评").id
    store.save_answer(
        second, "13.1", Answer("yes", evidence="体系表"), expected_version=0, user="t"
    )
    store.close()
    return first, second


def test_reload_keeps_the_assessment_and_the_page(app_server, browser) -> None:
    """F5, a bookmark or a link sent to a colleague opens the same assessment on the same page."""
    _, second = _two_assessments(app_server.data_dir)
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(app_server.url)
    page.get_by_role("button", name="继续").nth(0).wait_for()
    page.locator(f'[class*="st-key-open-{second}"] button').click()
    _wait_total(page, "2 / 100")
    page.locator('[data-testid="stTopNavLink"]').filter(has_text="汇总").first.click()
    page.get_by_role("heading", level=1, name="汇总").wait_for()
    _settle(page)
    assert f"a={second}" in page.url
    page.reload()
    page.get_by_role("heading", level=1, name="汇总").wait_for()
    _wait_total(page, "2 / 100")
    other = browser.new_page(viewport=VIEWPORT, locale="zh-CN")  # the link sent to a colleague
    other.goto(page.url)
    other.get_by_role("heading", level=1, name="汇总").wait_for(timeout=TIMEOUT)
    _wait_total(other, "2 / 100")
    other.close()
    page.close()


def test_deep_link_as_first_request_has_no_english_notice_or_module_names(
    app_server, browser, artifacts_dir: Path
) -> None:
    _, second = _two_assessments(app_server.data_dir)
    app_server.stop()
    app_server.start()  # a fresh process: the bookmark is its very first request
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{app_server.url}/item3?a={second}")
    page.get_by_role("heading", level=1, name="三、标准体系与标准制定").wait_for()
    _wait_total(page, "2 / 100")
    _settle(page)
    page.screenshot(path=str(artifacts_dir / "screenshots" / "deep_link_first_request.png"))
    body = page.locator("body").inner_text()
    assert "Page not found" not in body
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.count() == 0 or "evidence_block" not in nav.inner_text()
    assert not page.get_by_role("dialog").count()
    page.close()


def test_to_do_link_lands_on_the_indicator(server: str, browser, artifacts_dir: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(server)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    page.locator('[data-testid="stTopNavLink"]').filter(has_text="佐证检查").first.click()
    page.get_by_role("heading", level=1, name="佐证检查").wait_for()
    page.locator('a[href*="at=37"]').first.click()
    page.get_by_role("heading", level=1, name="七、实施效果").wait_for()
    target = page.locator(".st-key-indicator-37")
    target.wait_for()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        box = target.bounding_box()
        if box and 40 <= box["y"] < VIEWPORT["height"] / 2:
            break
        time.sleep(0.2)
    page.screenshot(path=str(artifacts_dir / "screenshots" / "to_do_indicator_37.png"))
    box = target.bounding_box()
    assert box and 40 <= box["y"] < VIEWPORT["height"] / 2, box  # below the top navigation
    assert "a=" in page.url
    page.close()


def test_a_colleagues_saved_change_appears_without_reload(server: str, browser) -> None:
    a = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    a.set_default_timeout(TIMEOUT)
    _new_assessment(a, server)
    url = a.url
    b = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    b.set_default_timeout(TIMEOUT)
    b.goto(url)
    b.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    b.locator('[data-testid="stSidebar"]').get_by_label("当前填写人", exact=True).fill("李四")
    b.locator('[data-testid="stSidebar"]').get_by_label("当前填写人", exact=True).press("Enter")
    _settle(b)
    b.get_by_role("radio", name="符合", exact=True).nth(3).click()
    _wait_total(b, "1 / 100")
    started = time.monotonic()
    a.get_by_text("李四 刚更新了 指标 4").wait_for(timeout=15_000)
    _wait_total(a, "1 / 100")
    assert time.monotonic() - started < 12
    a.close()
    b.close()


def test_connection_lost_notice_is_chinese(app_server, browser, artifacts_dir: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(app_server.url)
    page.get_by_role("heading", level=1).first.wait_for()
    _settle(page)
    app_server.kill()
    page.get_by_text("与服务器的连接已中断").wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts_dir / "screenshots" / "connection_lost.png"))
    shown = page.get_by_role("dialog").inner_text()
    assert "Connection error" not in shown and "not responding" not in shown
    page.close()


def test_name_typed_in_the_sidebar_then_a_link_clicked_is_kept(server: str, browser) -> None:
    """The name is kept. (The page may stay where it was: a known limit of the sidebar field,
    see the closing note; answers and evidence follow the link, tested above.)"""
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    _new_assessment(page, server)
    name = page.locator('[data-testid="stSidebar"]').get_by_label("当前填写人", exact=True)
    name.click()
    page.keyboard.type("王五")
    page.locator('[data-testid="stTopNavLink"]').filter(has_text="汇总").first.click()
    _settle(page)
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "link", name=re.compile("二、工作机制")
    ).click()
    page.get_by_role("heading", level=1, name="二、工作机制").wait_for()
    _settle(page)
    assert name.input_value() == "王五"
    page.get_by_role("radio", name="符合", exact=True).first.click()
    _wait_total(page, "2 / 100")
    page.close()
