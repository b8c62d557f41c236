"""A workshop in a real Chromium (issue 26): 演示模式 fits one screen per indicator at
1024×768 with the sample shown and follows a clicker's keys; several trainees join, one name
twice, hand in, a handed-in practice refuses edits, the projector view follows live, and
ending the workshop refuses the next click. Screenshots: artifacts/screenshots/workshop_*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiguan.rubric import load_rubric
from tests.browser_support import TIMEOUT, _settle

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    path = artifacts_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _context(browser, width: int = 1024, height: int = 768):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT)
    return context


_OVERFLOW = """() => {
  const body = document.querySelector('.st-key-present-body-sample');
  const main = document.querySelector('[data-testid="stMain"]');
  return {bottom: body.getBoundingClientRect().bottom, height: window.innerHeight,
          scroll: main ? main.scrollHeight - main.clientHeight : 0};
}"""


def _heading(page, ind_id: int) -> None:
    page.get_by_role("heading", level=1, name=re.compile(rf"^指标 {ind_id}\s")).wait_for()
    _settle(page)


def test_the_presentation_fits_every_indicator_and_follows_the_clicker(
    server: str, browser, shots: Path
) -> None:
    rubric = load_rubric()
    page = _context(browser).new_page()
    page.goto(server)
    _settle(page)
    page.get_by_text("培训与比较", exact=True).click()
    page.get_by_role("menuitem", name="演示模式").click()
    _heading(page, 1)
    assert not page.locator('header[data-testid="stHeader"]').is_visible()  # full screen
    page.get_by_text("示例单位", exact=True).click()
    page.get_by_text("按「下一条」（或翻页器）显示答案").wait_for()
    _settle(page)
    too_tall = []
    for ind_id in rubric.indicator_by_id:
        _heading(page, ind_id)
        assert page.get_by_text("答案：").count() == 0  # the unit's claim first
        page.keyboard.press("PageDown")  # a clicker: reveal the key
        page.get_by_text(re.compile(r"^答案：")).first.wait_for()
        _settle(page)
        box = page.evaluate(_OVERFLOW)
        if box["bottom"] > box["height"] or box["scroll"] > 0:
            too_tall.append((ind_id, round(box["bottom"]), box["scroll"]))
            page.screenshot(path=str(shots / f"workshop_present_too_tall_{ind_id}.png"))
        if ind_id in (1, 17, 36):
            page.screenshot(path=str(shots / f"workshop_present_{ind_id}_1024x768.png"))
        if ind_id != 38:
            page.keyboard.press("ArrowRight" if ind_id % 2 else "Space")
    assert too_tall == []
    assert "ind=38" in page.url
    page.reload()  # the place is in the url
    _heading(page, 38)
    page.keyboard.press("PageUp")
    _heading(page, 37)
    page.context.close()
