"""A 数量 field (Streamlit's number input, 0 to 1,000 whole items) as a user types in it.

Streamlit's own field sent 1 for 「1.5」 and for 「1e1」 while it went on showing what was typed,
and sent nothing at all for 9999999 or -5, saying so only in English; the kept draft of such a
number was then put back after a reload as 「已恢复并保存」, which it never was."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jiguan.store import Store
from tests.browser_support import TIMEOUT, VIEWPORT, AppServer, _settle

pytestmark = pytest.mark.browser


def _item3(srv: AppServer, browser, aid: int):
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{srv.url}/item3?a={aid}")
    _settle(page)
    return page


def _type_and_leave(page, n: int, typed: str):
    field = page.locator(f".st-key-ans-17-{n} input")
    field.click()
    page.keyboard.type(typed)
    page.locator("h1").click()
    _settle(page)
    return field


def _saved(store: Store, aid: int, cid: str) -> int | None:
    saved = store.load_answers(aid).get(cid)
    return saved.answer.value if saved else None


def _refused_then_left(page, field, store: Store, aid: int, shown: str) -> None:
    """The word about a refused key is shown; the field left shows ``shown``, which is saved
    (17.2)."""
    expect(page.get_by_text("数量只能填写整数")).to_be_visible()
    page.locator("h1").click()
    _settle(page)
    expect(field).to_have_value(shown)
    assert _saved(store, aid, "17.2") == int(shown)


def _drafts(page) -> list[str]:
    return page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('jiguan.draft:'))")


def test_a_count_beyond_its_range_is_refused_in_chinese_and_never_claimed_saved(
    standalone_app: tuple[AppServer, Store], browser
) -> None:
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    _type_and_leave(page, 1, "9999999")
    expect(page.get_by_text("数量须为 0 至 1000 之间的整数")).to_be_visible()
    page.wait_for_timeout(2500)  # past drafts.js's second look
    assert _saved(store, aid, "17.1") is None
    assert _drafts(page) == []
    page.reload()
    _settle(page)
    page.wait_for_timeout(3000)  # past drafts.js's put-back delay
    assert page.get_by_text("已恢复").count() == 0
    assert _saved(store, aid, "17.1") is None
    expect(page.locator(".st-key-ans-17-1 input")).to_have_value("")


def test_the_note_goes_once_the_count_is_in_range_and_that_number_is_saved(
    standalone_app: tuple[AppServer, Store], browser
) -> None:
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    field = _type_and_leave(page, 1, "1200")
    expect(page.get_by_text("数量须为 0 至 1000 之间的整数")).to_be_visible()
    field.click()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.locator("h1").click()
    _settle(page)
    expect(page.get_by_text("数量须为 0 至 1000 之间的整数")).to_have_count(0)
    assert _saved(store, aid, "17.1") == 12


@pytest.mark.parametrize("typed, shown", [("1.5", "15"), ("1e1", "11"), ("-5", "5"), ("+3", "3")])
def test_a_count_takes_only_digits_and_saves_what_it_shows(
    standalone_app: tuple[AppServer, Store], browser, typed: str, shown: str
) -> None:
    """A key that cannot be part of a whole number is refused as it is typed, with a word
    why: what the field shows is what is saved (it showed 「1.5」 and saved 1)."""
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    field = page.locator(".st-key-ans-17-2 input")
    field.click()
    page.keyboard.type(typed)
    _refused_then_left(page, field, store, aid, shown)


def test_a_pasted_count_that_is_not_a_whole_number_is_refused(
    standalone_app: tuple[AppServer, Store], browser
) -> None:
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    field = page.locator(".st-key-ans-17-2 input")
    field.click()
    page.keyboard.type("4")
    page.evaluate("navigator.clipboard.writeText('2.5')")
    page.keyboard.press("Control+V")
    _refused_then_left(page, field, store, aid, "4")


def test_a_count_field_speaks_chinese_to_a_screen_reader(
    standalone_app: tuple[AppServer, Store], browser
) -> None:
    """Streamlit names the field's buttons "Decrement", "Increment" and "Clear value" and
    announces a number out of range in English; the page says them in Chinese."""
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    box = page.locator(".st-key-ans-17-1")
    _type_and_leave(page, 1, "9999")
    for name in ("减少", "增加", "清除"):
        expect(box.get_by_role("button", name=name, exact=True)).to_have_count(1)
    said = box.locator('[id$="-validation-error"]')
    expect(said).to_have_text("超出允许范围：请填写 0 至 1000 之间的数")
    english = box.evaluate(
        """(el) => [...el.querySelectorAll("[aria-label]")].map((e) => e.getAttribute("aria-label"))
             .concat([...el.querySelectorAll('[role="alert"]')].map((e) => e.textContent))
             .filter((t) => /[A-Za-z]/.test(t))"""
    )
    assert english == []


def _compose(page, text: str) -> None:
    """Text entered through an input method (拼音, 全角): a composition, which a page cannot
    cancel key by key."""
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Input.imeSetComposition",
        {"text": text, "selectionStart": len(text), "selectionEnd": len(text)},
    )
    cdp.send("Input.insertText", {"text": text})


@pytest.mark.parametrize("composed", ["2.5", "2e2", "7.0", "-1"])
def test_a_count_composed_through_an_input_method_is_refused_whole(
    standalone_app: tuple[AppServer, Store], browser, composed: str
) -> None:
    """What an input method enters at once, like a paste, is refused whole when it is not a
    whole number: the field keeps what it showed, and that is saved. (Break-it finding:
    「2.5」 composed was shown until the field was left, then saved as 2; 「2e2」 as 2.)"""
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    field = page.locator(".st-key-ans-17-2 input")
    field.click()
    page.keyboard.type("3")
    _compose(page, composed)
    expect(field).to_have_value("3")
    _refused_then_left(page, field, store, aid, "3")


def test_a_count_retyped_over_an_unsaved_number_is_not_taken_for_a_colleagues_change(
    standalone_app: tuple[AppServer, Store], browser
) -> None:
    """5000 typed and left (out of range: not saved), then replaced by 40 and the page
    reloaded before leaving: 40 is put back and saved, with no word of anyone else. (Break-it
    finding: the field's 5000 was taken for what the server held before the typing.)"""
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    field = _type_and_leave(page, 3, "5000")
    field.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("40")
    page.reload()
    _settle(page)
    page.wait_for_timeout(3000)  # past drafts.js's put-back delay
    assert page.get_by_text("已被他人修改").count() == 0
    expect(page.get_by_text("已恢复并保存连接中断前输入的内容")).to_be_visible()
    assert _saved(store, aid, "17.3") == 40


def test_the_error_icon_of_a_count_out_of_range_says_chinese(
    standalone_app: tuple[AppServer, Store], browser
) -> None:
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    page = _item3(srv, browser, aid)
    _type_and_leave(page, 1, "9999")
    page.locator(".st-key-ans-17-1 [data-testid='stTooltipErrorHoverTarget']").hover()
    tip = page.locator('[data-testid="stTooltipErrorContent"]')
    expect(tip).to_contain_text("超出允许范围：请填写 0 至 1000 之间的数")
    assert not re.search(r"[A-Za-z]", tip.inner_text()), tip.inner_text()
