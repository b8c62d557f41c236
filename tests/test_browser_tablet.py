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

from jiguan.scoring import Answer
from tests.browser_support import TIMEOUT, UNIT, AppServer, _settle, served_store, wait_still

pytestmark = pytest.mark.browser

TOTAL = '[data-testid="stSidebar"] [data-testid="stMetricValue"]'
SIZES = [(768, 1024), (390, 844)]
TOUCH = 44  # px
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'  # the menu (on a narrow screen), the total, links


def _seed(app_server: AppServer, answers: dict[str, Answer]) -> int:
    store = served_store(app_server)
    aid = store.create_assessment(UNIT, "第一次自评").id
    for cid, a in answers.items():
        store.save_answer(aid, cid, a, expected_version=0, user="测试")
    store.close()
    return aid


def _saved(app_server: AppServer, aid: int) -> dict[str, Answer]:
    store = served_store(app_server)
    try:
        return store.answers(aid)
    finally:
        store.close()


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
    page.screenshot(path=str(shots / "keyboard_chosen.png"))
    assert total.inner_text() == "4 / 100"  # 2.1's 2 and now 1.1's 2
    assert _saved(app_server, aid)["1.1"].value == "yes"
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
_SMALL = """([min, root]) => [...document.querySelectorAll(
    [' button', ' [data-testid="stRadio"] label', ' a[data-testid="stPageLink-NavLink"]',
     ' a[data-testid="stSidebarNavLink"]']
      .map(s => root + s).join(', '))]
  .filter(el => el.offsetParent !== null)
  .filter(el => !el.closest('[data-testid="stElementToolbar"], [data-testid="stToolbar"]'))
  .map(el => { const r = el.getBoundingClientRect();
    const owner = el.closest('[data-testid]');
    return {text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 30),
            in: owner ? owner.dataset.testid : '',
            w: Math.round(r.width), h: Math.round(r.height)}; })
  .filter(b => b.w > 0 && (b.w < min || b.h < min))"""


def _check_page(page, shots: Path, name: str, height: int) -> tuple[list, list]:
    _settle(page)
    # Drawn: a chart or table still loading is a placeholder, not what the user will touch
    # (CI, a busy machine: 汇总 at 390×844 was looked at as placeholders).
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=TIMEOUT
    )
    wait_still(page.locator('[data-testid="stMainBlockContainer"]'))
    page.screenshot(path=str(shots / f"{name}.png"))
    overflow, small = [], []
    counts = page.locator(".st-key-ans-17-1")
    if counts.count():  # a count criterion's number input, to look at
        counts.evaluate("el => el.scrollIntoView({block: 'center'})")
        wait_still(counts)
        page.screenshot(path=str(shots / f"{name}_count.png"))
        page.locator("h1").first.evaluate("el => el.scrollIntoView()")
    for n in range(6):  # the page, screen by screen (the checks read the whole page)
        if page.evaluate(_OVERFLOW) > 0:
            overflow.append(f"{name}@{n}: {page.evaluate(_OVERFLOW)} px")
        small += page.evaluate(_SMALL, [TOUCH, MAIN])
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
    pages = (
        ("panel-review", "评审录入"),
        ("item1", "组织管理"),
        ("item3", "标准体系与标准制定"),  # counts: number inputs
        ("results", "汇总"),
    )
    for path, title in pages:
        page.goto(f"{app_server.url}/{path}?a={aid}")
        page.get_by_role("heading", level=1, name=re.compile(title)).wait_for()
        o, s = _check_page(page, shots, f"{width}x{height}_{title}", height)
        overflow += o
        small += [{**b, "page": title} for b in s]
    # the sidebar starts collapsed on a narrow screen; opened, its controls are touchable too
    assert page.locator('[data-testid="stSidebar"][data-collapsed="true"]').count() == 1
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.locator('[data-testid="stSidebar"][data-collapsed="false"]').wait_for()
    wait_still(page.locator(SIDEBAR))
    page.screenshot(path=str(shots / f"{width}x{height}_侧栏.png"))
    small += [{**b, "page": "侧栏"} for b in page.evaluate(_SMALL, [TOUCH, SIDEBAR])]
    if width < 768:  # the menu moved into the sidebar: every page listed, no 「View N more」
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.get_by_role("link", name=re.compile("七、实施效果")).count() == 1
        assert page.locator('[data-testid="stSidebarNavViewButton"]').count() == 0
    context.close()
    assert not overflow, overflow
    assert not small, small[:20]
