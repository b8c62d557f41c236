"""演示模式 in a real browser: a trainer's clicker pressed quickly across the border of two
评估项目 moves once per press (the 跳到评估项目 select, which follows the place, must not
take the place back)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser_support import _settle, open_page

CAPTION = '[class*="st-key-present-body"] [data-testid="stCaptionContainer"]'


def test_quick_presses_across_an_item_border_move_once_each(server, browser) -> None:
    # 一、组织管理 holds indicators 1-5, 二、工作机制 begins at 6.
    for start, presses in ((1, 6), (4, 4)):
        page = open_page(browser, f"{server}/presentation?ind={start}")
        for _ in range(presses):
            page.keyboard.press("PageDown")
        end = start + presses
        caption = page.locator(CAPTION).first
        expect(caption).to_contain_text(f"{end} / ", timeout=15_000)
        page.wait_for_timeout(1500)  # nothing further moves it
        _settle(page)
        expect(caption).to_contain_text(f"{end} / ")
        assert re.search(rf"[?&]ind={end}\b", page.url), page.url
        page.context.close()
