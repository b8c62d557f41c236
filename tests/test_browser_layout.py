"""Projector layouts in Chromium: 首页, an item page, 汇总 and 佐证检查 at 1024×768 and
1920×1080 read fully (no cut totals, labels, buttons or tables), and the total stays in view,
sidebar open or collapsed. Screenshots: artifacts/screenshots/layout_<size>_<page>.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiguan.scoring import Answer
from tests.browser_support import TIMEOUT, UNIT, AppServer, _settle, served_store, wait_still

pytestmark = pytest.mark.browser

SIZES = [(1024, 768), (1920, 1080)]
SIDEBAR_TOTAL = '[data-testid="stSidebar"] [data-testid="stMetricValue"]'

# Elements whose text must never be cut: metric values, button and link labels, table cells.
_CUT = """() => {
  const sel = '[data-testid="stMetricValue"], [data-testid="stMetricValue"] div,'
    + ' button p, [data-testid="stPageLink"] p, [data-testid="stTable"] td,'
    + ' [data-testid="stTable"] th';
  return [...document.querySelectorAll(sel)]
    .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.innerText.trim()).filter(t => t);
}"""


def _seed(app_server: AppServer) -> int:
    store = served_store(app_server)
    aid = store.create_assessment(UNIT, "第一次自评").id
    sheet = {
        "1.1": Answer("yes"),
        "2.1": Answer("partial", 1.5),
        "17.1": Answer(1, evidence="标准文本"),
        "17.2": Answer(1),
        "37.1": Answer("yes"),
        "18.1": Answer("no"),
    }
    for cid, a in sheet.items():
        store.save_answer(aid, cid, a, expected_version=0, user="测试")
    store.close()
    return aid


def _open(page, url: str) -> None:
    """Open a page and wait until it is fully drawn (no skeletons, charts drawn)."""
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT)
    _settle(page)
    page.locator(SIDEBAR_TOTAL).filter(has_text="16.5 / 100").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]') && [...document"
        ".querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every(c => c.querySelector"
        "('.main-svg'))",
        timeout=TIMEOUT,
    )
    wait_still(page.locator('[data-testid="stMainBlockContainer"]'))  # charts laid out


def _scroll_main(page, dy: int) -> None:
    page.mouse.move(page.viewport_size["width"] * 0.7, page.viewport_size["height"] * 0.6)
    page.mouse.wheel(0, dy)
    wait_still(page.locator('[data-testid="stMainBlockContainer"]'))


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    h = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= h


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_pages_read_fully_on_a_projector(
    app_server: AppServer, browser, artifacts_dir: Path, width: int, height: int
) -> None:
    aid = _seed(app_server)
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    size = f"{width}x{height}"
    total = page.locator(SIDEBAR_TOTAL).first

    for path, name in [
        ("", "首页"),
        ("item3", "三、标准体系与标准制定"),
        ("results", "汇总"),
        ("readiness", "佐证检查"),
    ]:
        _open(page, f"{app_server.url}/{path}?a={aid}")
        page.screenshot(path=str(shots / f"layout_{size}_{name}.png"))
        assert total.inner_text() == "16.5 / 100"
        assert _in_view(page, total), f"{name}: sidebar total out of view"
        cut = page.evaluate(_CUT)
        for n in range(1, 8):  # scroll the whole page: each part must read fully
            _scroll_main(page, height - 200)
            cut += page.evaluate(_CUT)
            if n <= 3:
                page.screenshot(path=str(shots / f"layout_{size}_{name}_{n}.png"))
        assert not cut, f"{name} at {size}: cut text {cut}"
        assert _in_view(page, total), f"{name}: sidebar total scrolled away"

        if path == "":
            assert page.get_by_text("16.5 / 100").count() >= 2  # 进度一览 too, whole
        if path == "item3":
            nxt = page.get_by_role("button", name=re.compile("下一部分"))
            assert nxt.locator("p").inner_text().strip() == "下一部分：四、宣贯培训"
            prev = page.get_by_role("button", name=re.compile("上一部分"))
            assert prev.locator("p").inner_text().strip() == "上一部分：二、工作机制"
        if path == "results":
            _results_charts(page)


def _results_charts(page) -> None:
    charts = page.locator('[data-testid="stPlotlyChart"]')
    radar = charts.filter(has=page.locator(".angular-axis")).last
    box = radar.bounding_box()
    assert box["width"] >= 500 and box["height"] >= 450  # big enough to read
    # % of each item printed under its name, outside the shape; no radial tick labels over it
    labels = radar.locator(".angularaxistick text").all_text_contents()
    assert len(labels) == 7 and all(re.search(r"\d+%$", t) for t in labels), labels
    alone = [t for t in radar.locator("text").all_text_contents() if re.fullmatch(r"\d+%", t)]
    assert not alone, f"radial % labels over the shape: {alone}"
    bars = charts.filter(has=page.locator(".ytick")).first
    left = bars.bounding_box()["x"]
    ticks = bars.locator(".ytick text")
    assert ticks.count() == 20
    for i in range(ticks.count()):
        assert ticks.nth(i).bounding_box()["x"] >= left - 1, ticks.nth(i).text_content()
    for table in page.locator('[data-testid="stTable"]').all():
        fits = table.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        assert fits, "a table is wider than its place"


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_collapsed_sidebar_leaves_the_total_in_view(
    app_server: AppServer, browser, artifacts_dir: Path, width: int, height: int
) -> None:
    aid = _seed(app_server)
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    _open(page, f"{app_server.url}/item3?a={aid}")
    main_total = page.locator(".st-key-main-total")
    assert not main_total.is_visible()  # the sidebar shows it
    page.locator('[data-testid="stSidebar"]').hover()  # the collapse button shows on hover
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    page.locator('[data-testid="stSidebar"][data-collapsed="true"]').wait_for(state="attached")
    main_total.wait_for(state="visible")
    assert "总分 16.5 / 100" in main_total.inner_text()
    _scroll_main(page, 3 * height)
    assert _in_view(page, main_total), "the total scrolled away with the sidebar collapsed"
    page.screenshot(
        path=str(artifacts_dir / "screenshots" / f"layout_{width}x{height}_侧栏收起.png")
    )
