"""The top menu at widths where it does not fit (issue 27.2): Streamlit folds the last sections
into a menu it titles "N more"; the page says 「更多（N）」 instead (pages/js/nav_text.js)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import TIMEOUT, UNIT, _settle

pytestmark = pytest.mark.browser


def test_the_folded_top_menu_is_chinese(server: str, browser, artifacts_dir: Path) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 900}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(server)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    _settle(page)
    nav = page.locator('[data-testid="stTopNav"]')
    nav.wait_for()
    page.wait_for_function(
        "() => /更多（\\d+）/.test(document.querySelector('[data-testid=\"stTopNav\"]').innerText)"
    )
    assert not re.search(r"[A-Za-z]", nav.inner_text())
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "nav_folded_800.png"))
    page.close()


def test_the_menu_in_the_sidebar_of_a_narrow_screen_is_chinese(
    server: str, browser, artifacts_dir: Path
) -> None:
    """Below Streamlit's tablet breakpoint the top menu moves into the sidebar, where Streamlit
    names it "App pages" (read out by screen readers) and folds long lists behind "View N
    more": both in Chinese here."""
    page = browser.new_page(viewport={"width": 600, "height": 900}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(server)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    _settle(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    if not nav.is_visible():
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    nav.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebarNav\"]')"
        ".getAttribute('aria-label') === '页面导航'"
    )
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count():
        page.wait_for_function(
            "() => !/[A-Za-z]/.test("
            "document.querySelector('[data-testid=\"stSidebarNavViewButton\"]').innerText)"
        )
        more.click()
        page.wait_for_function(
            "() => /收起/.test("
            "document.querySelector('[data-testid=\"stSidebarNavViewButton\"]').innerText)"
        )
    nav.wait_for()  # still open: the screenshot shows the menu
    words = nav.evaluate(  # the text a reader sees, without the icons' ligature names
        "el => { const c = el.cloneNode(true);"
        " c.querySelectorAll('[data-testid=stIconMaterial]').forEach(i => i.remove());"
        " return c.textContent; }"
    )
    assert "一、组织管理" in words and not re.search(r"[A-Za-z]", words)
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "nav_sidebar_600.png"))
    page.close()
