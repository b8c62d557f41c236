"""Nothing a user typed is lost: the sequences of the data-safety issue, in a real Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import TIMEOUT, UNIT, VIEWPORT, _settle, _wait_total

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
def test_navigating_from_a_focused_field_saves_it_and_wipes_nothing(
    server: str, browser, artifacts_dir: Path, via: str
) -> None:
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    _new_assessment(page, server)
    _answer_first_three(page)
    _type_evidence_unblurred(page)
    if via == "top":
        page.locator('[data-testid="stTopNavLink"]').filter(has_text="汇总").first.click()
        heading = "汇总"
    elif via == "sidebar":
        side = page.locator('[data-testid="stSidebar"]')
        side.get_by_role("link", name=re.compile("二、工作机制")).click()
        heading = "二、工作机制"
    else:
        page.get_by_role("button", name=re.compile("下一部分")).click()
        heading = "二、工作机制"
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
    assert field.input_value() == EVIDENCE
    page.close()
