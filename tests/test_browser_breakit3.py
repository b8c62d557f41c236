"""Break-it (third round): the evidence block's seeding (Sheet.shown / Sheet.drop), the
click-hold script's expander wait, drafts; two tabs on the same field, quick users, a stalled
or restarted server, the review page's reason fields. Each test asks: is anything typed or
saved lost or silently overwritten, does a control show something other than what is saved,
is a click lost?"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from jiguan.accounts import REVIEWER
from jiguan.rubric import load_rubric
from jiguan.scoring import Answer, all_yes
from tests.app_support import wait_until
from tests.browser_support import (
    _settle,
    make_account,
    open_page,
    signed_in_page,
    stalled,
)

pytestmark = pytest.mark.browser

UNIT = "某某市机关事务管理局"


def _assessment(store, evidence: str = "材料甲") -> int:
    aid = store.create_assessment(UNIT, "第一次自评").id
    store.save_answer(
        aid, "1.1", Answer(value="yes", evidence=evidence), expected_version=0, user="张三"
    )
    return aid


def _settled(read, expected, seconds: float = 10.0):
    """What the store holds once the page's last run has saved: a click released by the
    click-hold script starts its run a moment after `_settle` has seen the page idle."""

    def value():
        try:
            return read()
        except KeyError:
            return None

    wait_until(lambda: value() == expected, seconds)
    return value()


def _block(page, cid: str):
    return page.locator(f".st-key-open-{cid.replace('.', '-')}")


def _summary(page, cid: str):
    return _block(page, cid).locator("summary")


def _evidence(page, cid: str):
    return _block(page, cid).get_by_label(re.compile("佐证材料（每行一条"))


def _at_end_of_evidence(browser, url: str, aid: int):
    """Item 1 in a new tab, criterion 1.1's block opened, the cursor at the end of its evidence."""
    page = open_page(browser, f"{url}/item1?a={aid}")
    _summary(page, "1.1").click()
    _settle(page)
    field = _evidence(page, "1.1")
    field.click()
    field.press("End")
    return page, field


def _radio(page, indicator: str, name: str):
    box = page.locator(f".st-key-indicator-{indicator}")
    return box.get_by_role("radio", name=name, exact=True)


def test_block_reopened_then_another_click_at_once_shows_the_saved_evidence(
    standalone_app, browser
) -> None:
    """A closed block reopened and, at once, another control clicked, the server stalled: the
    two reruns arrive together and the reopening's run is cut short by the click's. The
    reopened field must show the saved evidence (not an empty field the user then types into,
    replacing what was saved)."""
    srv, store = standalone_app
    aid = _assessment(store)
    page = open_page(browser, f"{srv.url}/item1?a={aid}")
    failures = []
    answers = ["不符合", "符合"]
    for n in range(4):
        expect(_evidence(page, "1.1")).to_have_count(0)
        with stalled(srv):
            _summary(page, "1.1").click()
            _radio(page, "2", answers[n % 2]).click()
            time.sleep(0.3)
        _settle(page)
        field = _evidence(page, "1.1")
        expect(field).to_be_visible()
        if field.input_value() != "材料甲":
            failures.append((n, field.input_value()))
        _summary(page, "1.1").click()  # closed again for the next round
        _settle(page)
    assert failures == []
    assert _settled(lambda: store.answers(aid)["1.1"].evidence, "材料甲") == "材料甲"
    page.context.close()


def test_typed_then_another_blocks_summary_at_once(standalone_app, browser) -> None:
    """Evidence typed, then at once another block's summary clicked, the server stalled: the
    typed text is saved and the other block opens."""
    srv, store = standalone_app
    aid = _assessment(store)
    page, field = _at_end_of_evidence(browser, srv.url, aid)
    with stalled(srv):
        field.press_sequentially("\n材料乙", delay=20)
        _summary(page, "2.1").click()
        time.sleep(0.5)
    _settle(page)
    expect(_evidence(page, "2.1")).to_be_visible()
    expect(_evidence(page, "1.1")).to_have_value("材料甲\n材料乙")
    assert (
        _settled(lambda: store.answers(aid)["1.1"].evidence, "材料甲\n材料乙") == "材料甲\n材料乙"
    )
    page.context.close()


def test_typed_then_close_and_reopen_fast_then_type_again(standalone_app, browser) -> None:
    """Typed, the block closed and reopened at once (the server stalled), then typed again: both
    typings end up saved, the field shows what is saved."""
    srv, store = standalone_app
    aid = _assessment(store)
    page, field = _at_end_of_evidence(browser, srv.url, aid)
    with stalled(srv):
        field.press_sequentially("\n乙", delay=20)
        _summary(page, "1.1").click()
        time.sleep(0.1)
        _summary(page, "1.1").click()
        time.sleep(0.3)
    _settle(page)
    field = _evidence(page, "1.1")
    expect(field).to_have_value("材料甲\n乙")
    field.click()
    field.press("End")
    field.press_sequentially("\n丙", delay=20)
    _summary(page, "2.1").click()
    _settle(page)
    assert (
        _settled(lambda: store.answers(aid)["1.1"].evidence, "材料甲\n乙\n丙") == "材料甲\n乙\n丙"
    )
    page.context.close()


def test_partial_then_points_right_after_typing(standalone_app, browser) -> None:
    """Evidence typed, then 部分符合 and at once its points picked, the server stalled: the
    evidence, 部分符合 and the points are all saved, and the controls show them."""
    srv, store = standalone_app
    aid = _assessment(store)
    page, field = _at_end_of_evidence(browser, srv.url, aid)
    box = page.locator(".st-key-indicator-1")
    with stalled(srv):
        field.press_sequentially("\n乙", delay=20)
        _radio(page, "1", "部分符合").click()
        time.sleep(0.2)
    # the points appear only once the server has drawn 部分符合
    box.get_by_role("radio", name="1.5 分").click()
    _settle(page)
    expected = ("partial", 1.5, "材料甲\n乙")
    saved = store.answers(aid)
    assert (
        _settled(
            lambda: (lambda a: (a.value, a.points, a.evidence))(store.answers(aid)["1.1"]), expected
        )
        == expected
    ), saved
    expect(box.get_by_role("radio", name="1.5 分")).to_be_checked()
    expect(_radio(page, "1", "部分符合")).to_be_checked()
    page.context.close()


def test_two_tabs_on_the_same_evidence_the_stale_one_does_not_overwrite(
    standalone_app, browser
) -> None:
    """Two tabs have the same block open; one saves, the other (stale) then types and leaves
    the field: the first one's text is not overwritten without a word."""
    srv, store = standalone_app
    aid = _assessment(store)
    a = open_page(browser, f"{srv.url}/item1?a={aid}")
    b = open_page(browser, f"{srv.url}/item1?a={aid}")
    for page in (a, b):
        _summary(page, "1.1").click()
        _settle(page)
    fb = _evidence(b, "1.1")
    fb.fill("乙写的")
    _summary(b, "2.1").click()
    _settle(b)
    assert _settled(lambda: store.answers(aid)["1.1"].evidence, "乙写的") == "乙写的"
    fa = _evidence(a, "1.1")
    fa.click()
    fa.press("End")
    fa.press_sequentially("\n甲加的", delay=10)
    _summary(a, "2.1").click()
    _settle(a)
    saved = store.answers(aid)["1.1"].evidence
    assert "乙写的" in saved or a.get_by_role("button", name="合并").count() > 0, saved
    a.context.close()
    b.context.close()


def test_stale_tab_closes_and_reopens_its_block_fast(standalone_app, browser) -> None:
    """A colleague saved the evidence meanwhile; this tab closes and at once reopens its block
    (server stalled): the reopened field shows the colleague's text, and typing into it builds
    on that text."""
    srv, store = standalone_app
    aid = _assessment(store)
    a = open_page(browser, f"{srv.url}/item1?a={aid}")
    _summary(a, "1.1").click()
    _settle(a)
    store.save_answer(
        aid, "1.1", Answer(value="yes", evidence="同事的"), expected_version=1, user="李四"
    )
    a.wait_for_timeout(7000)  # the page's poll (5 s) has seen it
    _settle(a)
    with stalled(srv):
        _summary(a, "1.1").click()
        time.sleep(0.1)
        _summary(a, "1.1").click()
        time.sleep(0.3)
    _settle(a)
    field = _evidence(a, "1.1")
    expect(field).to_be_visible()
    if field.input_value() != "同事的":  # the old text kept: the page must say a newer is saved
        expect(_block(a, "1.1").get_by_text(re.compile("李四 已保存了新的内容"))).to_be_visible()
    field.click()
    field.press("End")
    field.press_sequentially("\n我的", delay=10)
    _summary(a, "2.1").click()
    _settle(a)
    saved = store.answers(aid)["1.1"].evidence
    conflict = _block(a, "1.1").get_by_role("button", name="用已保存的")
    assert saved.startswith("同事的") or conflict.count() == 1, saved
    a.context.close()


def test_server_killed_while_typing_evidence_then_block_closed(standalone_app, browser) -> None:
    """Evidence typed, the server killed before the blur, restarted: the text comes back and is
    saved."""
    srv, store = standalone_app
    aid = _assessment(store)
    page, field = _at_end_of_evidence(browser, srv.url, aid)
    field.press_sequentially("\n重启前", delay=10)
    srv.kill()
    srv.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if store.answers(aid)["1.1"].evidence == "材料甲\n重启前":
            break
        time.sleep(0.3)
    assert (
        _settled(lambda: store.answers(aid)["1.1"].evidence, "材料甲\n重启前") == "材料甲\n重启前"
    )
    page.context.close()


def _two_reviewers_on_review(shared_app, browser):
    """An assessment claiming every point, and two 评估组 accounts (评估甲, 评估乙) each on its
    评审录入 page in a browser of its own."""
    srv, store = shared_app
    aid = store.create_assessment(UNIT, "第一次自评").id
    store.replace_answers(aid, all_yes(load_rubric(), evidence="制度文件"), user="张三")
    make_account(store, "评估甲", REVIEWER, unit=UNIT)
    make_account(store, "评估乙", REVIEWER, unit=UNIT)
    a = signed_in_page(browser, srv.url, "评估甲")
    b = signed_in_page(browser, srv.url, "评估乙")
    for page in (a, b):
        page.goto(f"{srv.url}/panel-review?a={aid}")
        page.get_by_role("heading", level=1, name="评审录入").wait_for()
        _settle(page)
    return aid, a, b


def test_review_reason_two_reviewers_same_field(shared_app, browser) -> None:
    """共享模式, two 评估组 accounts on the same criterion's 评审意见: the second (stale) one
    typing does not silently overwrite the first one's saved reason."""
    _, store = shared_app
    aid, a, b = _two_reviewers_on_review(shared_app, browser)
    site_a = a.locator(".st-key-rv-indicator-1").get_by_label("实地查看（选填）")
    site_b = b.locator(".st-key-rv-indicator-1").get_by_label("实地查看（选填）")
    site_a.fill("甲看过")
    site_a.press("Enter")
    _settle(a)
    assert (
        _settled(lambda: store.reviews.verdicts(aid)["1.1"].verdict.site_note, "甲看过") == "甲看过"
    )
    site_b.fill("乙看过")
    site_b.press("Enter")
    _settle(b)
    saved = store.reviews.verdicts(aid)["1.1"].verdict.site_note
    assert "甲看过" in saved or b.get_by_role("button", name="合并").count() > 0, saved
    a.context.close()
    b.context.close()


def test_double_click_on_a_summary_right_after_typing(standalone_app, browser) -> None:
    """Evidence typed, then another block's summary double-clicked, the server stalled: the
    typed text is saved, and the other block ends as drawn: open with its fields, or closed."""
    srv, store = standalone_app
    aid = _assessment(store)
    page, field = _at_end_of_evidence(browser, srv.url, aid)
    with stalled(srv):
        field.press_sequentially("\n乙", delay=20)
        _summary(page, "2.1").dblclick()
        time.sleep(0.3)
    _settle(page)
    page.wait_for_timeout(1000)
    _settle(page)
    assert _settled(lambda: store.answers(aid)["1.1"].evidence, "材料甲\n乙") == "材料甲\n乙"
    is_open = _block(page, "2.1").locator("details").evaluate("d => d.open")
    expect(_evidence(page, "2.1")).to_have_count(1 if is_open else 0)
    page.context.close()


def test_count_two_tabs_the_stale_one_does_not_overwrite(standalone_app, browser) -> None:
    """A count (数量) saved in one tab; the other tab, stale, types another: no silent overwrite;
    and a count typed as the server is killed and restarted is saved."""
    srv, store = standalone_app
    aid = _assessment(store)
    a = open_page(browser, f"{srv.url}/item3?a={aid}")
    b = open_page(browser, f"{srv.url}/item3?a={aid}")
    na = a.locator(".st-key-ans-17-1 input")
    nb = b.locator(".st-key-ans-17-1 input")
    nb.fill("3")
    nb.press("Tab")
    _settle(b)
    assert _settled(lambda: store.answers(aid)["17.1"].value, 3) == 3
    na.fill("5")
    na.press("Tab")
    _settle(a)
    saved = store.answers(aid)["17.1"].value
    conflict = a.get_by_role("button", name="用已保存的")
    assert saved == 3 or conflict.count() == 1, saved
    # typed as the server goes away
    b.reload()
    _settle(b)
    nb = b.locator(".st-key-ans-17-2 input")
    nb.fill("4")
    srv.kill()
    srv.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and store.answers(aid).get("17.2", Answer()).value != 4:
        time.sleep(0.3)
    assert _settled(lambda: store.answers(aid)["17.2"].value, 4) == 4
    expect(b.locator(".st-key-ans-17-2 input")).to_have_value("4")
    a.context.close()
    b.context.close()


def test_review_reason_typed_then_quick_clicks_two_reviewers(shared_app, browser) -> None:
    """共享模式 评估组: 不符合 picked, its reason typed and at once another criterion's verdict
    clicked (server stalled); a second reviewer, stale, types the same reason field: the first
    reason is saved and not silently overwritten."""
    srv, store = shared_app
    aid, a, b = _two_reviewers_on_review(shared_app, browser)
    box1 = a.locator(".st-key-rv-indicator-1")
    box1.get_by_role("radio", name="不符合", exact=True).click()
    reason = box1.get_by_label(re.compile("与自评不同，必填"))
    reason.click()
    with stalled(srv):
        reason.press_sequentially("甲的理由", delay=20)
        a.locator(".st-key-rv-indicator-2").get_by_role("radio", name="符合", exact=True).click()
        time.sleep(0.3)
    _settle(a)

    def verdicts() -> tuple:
        v = store.reviews.verdicts(aid)
        return tuple(
            (v[c].verdict.value, v[c].verdict.reason) if c in v else None for c in ("1.1", "2.1")
        )

    wait_until(lambda: verdicts() == (("no", "甲的理由"), ("yes", "")), seconds=10)
    assert verdicts() == (("no", "甲的理由"), ("yes", ""))
    expect(reason).to_have_value("甲的理由")
    # 乙's page drew before 甲's reason: type into it, stale
    box_b = b.locator(".st-key-rv-indicator-1")
    b_reason = box_b.get_by_label(re.compile("评审意见|与自评不同"))
    expect(b_reason).to_be_visible()
    b_reason.click()
    b_reason.press("End")
    b_reason.press_sequentially("乙补充", delay=10)
    b.locator(".st-key-rv-indicator-2").get_by_label("实地查看（选填）").click()
    _settle(b)
    saved = store.reviews.verdicts(aid)["1.1"].verdict.reason
    conflict = b.get_by_role("button", name="用已保存的")
    assert "甲的理由" in saved or conflict.count() == 1, saved
    a.context.close()
    b.context.close()
