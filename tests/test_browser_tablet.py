"""Keyboard and tablet (issue 27.1, 27.6), 单机模式 in Chromium.

* An item page is operable by keyboard alone: Tab to a criterion's 评定, the arrow keys to an
  option, Space to choose it (the total follows), Enter on 下一部分 opens the next item.
* 评审录入, an item page and 汇总 at 768×1024 and 390×844 (portrait tablet and phone): no
  horizontal scroll, and every button, segmented-control option and radio label of ours in
  the main area at least 44 px in both directions (touch targets, WCAG 2.5.5).
Screenshots: artifacts/tablet/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiguan.rubric import load_rubric
from jiguan.scoring import Answer
from jiguan.store import Store, database_url
from tests.browser_support import TIMEOUT, UNIT, AppServer, _settle, wait_still

pytestmark = pytest.mark.browser

TOTAL = '[data-testid="stSidebar"] [data-testid="stMetricValue"]'
SIZES = [(768, 1024), (390, 844)]
TOUCH = 44  # px


def _seed(app_server: AppServer, answers: dict[str, Answer]) -> int:
    data = app_server.data_dir
    store = Store(database_url(data), load_rubric(), files_dir=data / "files")
    store.migrate()
    aid = store.create_assessment(UNIT, "第一次自评").id
    for cid, a in answers.items():
        store.save_answer(aid, cid, a, expected_version=0, user="测试")
    store.close()
    return aid


def _focused(page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement;
          const key = el && el.closest('[class*="st-key-"]');
          return {tag: el ? el.tagName : '', text: el ? el.innerText.trim() : '',
                  key: key ? [...key.classList].find(c => c.startsWith('st-key-')) : ''}; }"""
    )


def _tab_until(page, wanted, limit: int = 400) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"Tab never reached it; last focus: {now}")


def test_an_item_page_by_keyboard_alone(app_server: AppServer, browser, artifacts_dir: Path):
    aid = _seed(app_server, {"2.1": Answer("yes")})
    shots = artifacts_dir / "tablet"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{app_server.url}/item1?a={aid}")
    page.get_by_role("heading", level=1, name=re.compile("组织管理")).wait_for()
    _settle(page)
    total = page.locator(TOTAL).first
    before = total.inner_text()
    # Tab from the top of the page to 1.1's 评定; the arrow keys move between its options
    first = _tab_until(page, lambda f: f["key"] == "st-key-ans-1-1" and f["tag"] == "BUTTON")
    assert first["text"] == "符合", first
    page.keyboard.press("ArrowRight")
    assert _focused(page)["text"] == "部分符合", _focused(page)
    page.keyboard.press("ArrowLeft")
    assert _focused(page)["text"] == "符合", _focused(page)
    page.keyboard.press("Space")  # choose it: saved, and the total follows
    total.filter(has_text=re.compile(r"^(?!" + re.escape(before) + r"$)")).wait_for()
    _settle(page)
    chosen = page.locator(
        ".st-key-ans-1-1 button[aria-checked='true'], .st-key-ans-1-1 button[kind*='Active']"
    )
    page.screenshot(path=str(shots / "keyboard_chosen.png"))
    assert total.inner_text() != before
    assert chosen.count() >= 1 or "符合" in page.locator(".st-key-ans-1-1").inner_text()
    # on to 下一部分 and Enter
    _tab_until(page, lambda f: f["key"] == "st-key-nav-next")
    page.screenshot(path=str(shots / "keyboard_next_focused.png"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=re.compile("工作机制")).wait_for()
    _settle(page)
    assert "item2" in page.url


_OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"

# Our controls in the main area that are smaller than a fingertip: buttons (incl. each option
# of a segmented control, download and link buttons) and radio labels.
_SMALL = """min => [...document.querySelectorAll(
    '[data-testid="stMain"] button, [data-testid="stMain"] [data-testid="stRadio"] label,'
    + ' [data-testid="stMain"] a[data-testid="stPageLink-NavLink"]')]
  .filter(el => el.offsetParent !== null)
  .filter(el => !el.closest('[data-testid="stElementToolbar"], [data-testid="stHeader"],'
    + ' [data-testid="stToolbar"], [data-testid="stExpandSidebarButton"]'))
  .map(el => { const r = el.getBoundingClientRect();
    const owner = el.closest('[data-testid]');
    return {text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 30),
            in: owner ? owner.dataset.testid : '',
            w: Math.round(r.width), h: Math.round(r.height)}; })
  .filter(b => b.w > 0 && (b.w < min || b.h < min))"""


def _check_page(page, shots: Path, name: str, height: int) -> tuple[list, list]:
    _settle(page)
    wait_still(page.locator('[data-testid="stMainBlockContainer"]'))
    page.screenshot(path=str(shots / f"{name}.png"))
    overflow, small = [], []
    for n in range(6):  # the whole page, screen by screen
        if page.evaluate(_OVERFLOW) > 0:
            overflow.append(f"{name}@{n}: {page.evaluate(_OVERFLOW)} px")
        small += page.evaluate(_SMALL, TOUCH)
        page.mouse.move(page.viewport_size["width"] / 2, height / 2)
        page.mouse.wheel(0, height - 150)
        wait_still(page.locator('[data-testid="stMainBlockContainer"]'))
        if n < 2:
            page.screenshot(path=str(shots / f"{name}_{n + 1}.png"))
    return overflow, small


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_tablet_pages_fit_and_are_touchable(
    app_server: AppServer, browser, artifacts_dir: Path, width: int, height: int
) -> None:
    aid = _seed(
        app_server,
        {
            "1.1": Answer("yes"),
            "2.1": Answer("partial", 1.5),
            "17.1": Answer(2),
            "18.1": Answer("no"),
        },
    )
    shots = artifacts_dir / "tablet"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    overflow, small = [], []
    for path, title in (("panel-review", "评审录入"), ("item1", "组织管理"), ("results", "汇总")):
        page.goto(f"{app_server.url}/{path}?a={aid}")
        page.get_by_role("heading", level=1, name=re.compile(title)).wait_for()
        if path == "panel-review":  # the review begins with its first click
            start = page.get_by_role("button", name=re.compile("开始评审"))
            if start.count():
                start.first.click()
                page.locator(".st-key-rv-ans-1-1").wait_for()
        o, s = _check_page(page, shots, f"{width}x{height}_{title}", height)
        overflow += o
        small += [{**b, "page": title} for b in s]
    context.close()
    assert not overflow, overflow
    assert not small, small[:20]
