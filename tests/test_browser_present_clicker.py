"""演示模式 in a real browser: a trainer's clicker pressed quickly across the border of two
评估项目 moves once per press (the 跳到评估项目 select, which follows the place, must not
take the place back)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser_support import _settle, open_page

CAPTION = '[class*="st-key-present-body"] [data-testid="stCaptionContainer"]'


def _open(browser, url: str):
    """The presentation, once its 下一条 is on screen (a cold server can look idle before the
    first run has begun; presses before the buttons exist have nothing to press)."""
    page = open_page(browser, url)
    expect(page.locator(".st-key-present-controls").get_by_text("下一条")).to_be_visible()
    return page


def test_quick_presses_across_an_item_border_move_once_each(server, browser) -> None:
    # 一、组织管理 holds indicators 1-5, 二、工作机制 begins at 6.
    for start, presses in ((1, 6), (4, 4)):
        page = _open(browser, f"{server}/presentation?ind={start}")
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


def test_every_quick_press_moves_within_a_moment(server, browser) -> None:
    """Each press goes out once the previous one has been run. A run so short that the page
    never showed it running must not hold the next press until a fallback of seconds."""
    page = _open(browser, f"{server}/presentation?ind=1")
    caption = page.locator(CAPTION).first
    at = 1
    for _ in range(12):  # to 37 of 38
        for _ in range(3):
            page.keyboard.press("PageDown")
        at += 3
        # three runs of a few tens of ms each on an idle machine; the fallback is 4 s
        expect(caption).to_contain_text(f"· {at} / ", timeout=2_500)
        _settle(page)
