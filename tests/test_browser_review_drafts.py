"""评审录入 in 共享模式, where the review panel's typing meets the drafts (pages/js/drafts.js):
a server restart in the middle, and a colleague's 定稿 while a reviewer is typing."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiguan.accounts import REVIEWER
from jiguan.scoring import all_yes
from jiguan.store import Store
from tests.app_support import wait_until
from tests.browser_support import AppServer, _settle, make_account, signed_in_page, stalled

pytestmark = pytest.mark.browser

UNIT = "甲局"
TYPED = "现场查看了会议纪要原件"


def _under_review(store: Store) -> int:
    """甲局's round, submitted, every verdict taken from the claims, panel and date filled:
    ready for 定稿."""
    aid = store.create_assessment(UNIT, "第一轮").id
    store.replace_answers(aid, all_yes(store.rubric, evidence="制度文件"), user="甲填报")
    store.submissions.submit(aid, user="甲填报", filled_by="张三", leader="李四")
    store.reviews.adopt_claims(aid, user="乙评估")
    store.reviews.update_details(aid, user="乙评估", reviewers="王五", review_date="2026-12-01")
    make_account(store, "甲评估", REVIEWER, UNIT)
    return aid


def _typing_site_note(srv: AppServer, browser, aid: int):
    page = signed_in_page(browser, srv.url, "甲评估")
    page.goto(f"{srv.url}/panel-review?a={aid}")
    page.get_by_role("heading", level=1, name="评审录入").wait_for()
    _settle(page)
    field = page.locator(".st-key-rv-site-2-1 input")
    field.click()
    page.keyboard.type(TYPED)
    return page, field


def _site_note(store: Store, aid: int) -> tuple[str, str]:
    saved = store.reviews.verdicts(aid).get("2.1")
    return (saved.verdict.site_note, saved.updated_by) if saved else ("", "")


def test_a_reviewers_typing_across_a_server_restart_is_put_back_and_saved_as_theirs(
    shared_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    srv, store = shared_app
    aid = _under_review(store)
    page, field = _typing_site_note(srv, browser, aid)
    srv.kill()
    srv.start()
    page.wait_for_timeout(3000)  # the page reconnects by itself; the login cookie holds
    _settle(page)
    assert wait_until(lambda: _site_note(store, aid)[0] == TYPED), _site_note(store, aid)
    assert _site_note(store, aid)[1] == "甲评估"
    expect(field).to_have_value(TYPED)
    expect(page.get_by_text("已恢复并保存连接中断前输入的内容")).to_be_visible()
    page.locator(".st-key-rv-indicator-2").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "review_draft_restored.png"))


def test_a_reviewers_typing_refused_by_a_colleagues_finalising_is_shown_not_lost(
    shared_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    """A colleague finalises (定稿) while this reviewer's server is busy and the reviewer is
    typing 实地查看; the reviewer leaves the field. Nothing is saved into the final review,
    the typed text is on the page to copy, and a reload does not claim it was saved."""
    srv, store = shared_app
    aid = _under_review(store)
    page, field = _typing_site_note(srv, browser, aid)
    with stalled(srv):
        store.reviews.finalise(aid, user="乙评估")
        page.locator("h1").click()
        page.wait_for_timeout(300)
    _settle(page)
    expect(field).to_be_disabled()
    shown = page.locator(".jiguan-draft-note, .jiguan-unheard, [class*='st-key-given-back']")
    expect(shown.filter(has_text=TYPED).first).to_be_visible(timeout=10_000)
    page.locator(".st-key-rv-indicator-2").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "review_draft_refused_by_finalising.png"))
    assert _site_note(store, aid)[0] == ""
    page.reload()
    _settle(page)
    page.wait_for_timeout(3000)
    assert page.get_by_text("已恢复并保存").count() == 0
    assert _site_note(store, aid)[0] == ""


def test_a_reviewers_typing_after_the_server_died_stalled_is_not_saved_into_a_final_review(
    shared_app: tuple[AppServer, Store], browser
) -> None:
    """The server hangs while the reviewer types; a colleague finalises; the hung process is
    restarted. The text cannot go into the final review: shown beside the locked field."""
    srv, store = shared_app
    aid = _under_review(store)
    page, field = _typing_site_note(srv, browser, aid)
    assert srv.proc is not None
    os.kill(srv.proc.pid, signal.SIGSTOP)
    store.reviews.finalise(aid, user="乙评估")
    srv.kill()
    srv.start()
    page.wait_for_timeout(3000)
    _settle(page)
    expect(field).to_be_disabled()
    expect(page.locator(".jiguan-draft-note").filter(has_text=TYPED)).to_be_visible()
    assert _site_note(store, aid)[0] == ""


def test_a_reviewer_on_item_three_comes_back_to_it_and_to_their_typing_after_a_restart(
    shared_app: tuple[AppServer, Store], browser
) -> None:
    """The item shown is in the address (?item=3): a reload, a bookmark or a restarted server
    opens the same item, so what was typed there is put back and saved. (Break-it finding:
    the page came back on item 一; the text waited unseen until item 三 was opened again.)"""
    srv, store = shared_app
    aid = _under_review(store)
    page = signed_in_page(browser, srv.url, "甲评估")
    page.goto(f"{srv.url}/panel-review?a={aid}")
    page.get_by_role("heading", level=1, name="评审录入").wait_for()
    _settle(page)
    page.get_by_role("radio", name=re.compile("三、标准体系")).click()
    _settle(page)
    assert "item=3" in page.url
    field = page.locator(".st-key-rv-reason-17-4 textarea")
    field.click()
    page.keyboard.type("现场核对了标准文本")
    srv.kill()
    srv.start()
    page.wait_for_timeout(3000)  # the page reconnects by itself
    _settle(page)
    expect(page.locator(".st-key-rv-reason-17-4 textarea")).to_have_value("现场核对了标准文本")
    assert wait_until(
        lambda: store.reviews.verdicts(aid)["17.4"].verdict.reason == "现场核对了标准文本"
    )
    page.reload()
    _settle(page)
    expect(page.get_by_role("radio", name=re.compile("三、标准体系"))).to_be_checked()
