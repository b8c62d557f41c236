"""A quick, determined user against three recent changes: typing kept across a lost connection
(pages/js/drafts.js), the click-hold after typing (pages/js/connection.js) and the login cookie
(pages/common/signin.py, /jiguan/login-cookie)."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from jiguan.accounts import FILLER, REVIEWER
from tests.app_support import wait_until
from tests.browser_support import (
    READY,
    UNIT,
    _settle,
    make_account,
    open_page,
    sign_in,
    stalled,
)

pytestmark = pytest.mark.browser

# Found by the ninth session's break-it pass (drafts per account, a count or a reason typed as
# the server restarts, a field locked meanwhile); fixed in pages/js/drafts.js.


def _box(key: str) -> str:
    return ".st-key-" + key.replace(".", "-")


def _evidence(page, cid: str = "1.1"):
    return page.locator(f"{_box('ev.' + cid)} textarea")


def _open_block(page, cid: str = "1.1") -> None:
    """Open the criterion's evidence block (unless a new session kept it open)."""
    _settle(page)
    if page.locator(f"{_box('open.' + cid)} details[open]").count() == 0:
        page.locator(f"{_box('open.' + cid)} summary").click()
    _evidence(page, cid).wait_for()
    _settle(page)


def _typed_as_the_login_ends(shared_app, browser, text: str, *, colleague: bool):
    """填报人甲 (and, with ``colleague``, 填报人乙 in the same unit) signed in, 甲 typing
    ``text`` into criterion 1.1's evidence, not left, as the server process stops; meanwhile
    甲's password changes on another computer, which ends its logins. The caller starts the
    server again."""
    srv, store = shared_app
    info = store.create_assessment(UNIT, "第一次自评")
    first = make_account(store, "填报人甲", FILLER, unit=UNIT)
    if colleague:
        make_account(store, "填报人乙", FILLER, unit=UNIT)
    page = open_page(browser, srv.url)
    sign_in(page, "填报人甲")
    page.goto(f"{srv.url}/item1?a={info.id}")
    _settle(page)
    _open_block(page)
    _evidence(page).click()
    page.keyboard.type(text)
    srv.kill()
    store.users.change_password(first.id, READY, "甲在别处改的新密码789")
    return page, info, first


def _sign_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for()
    _settle(page)


def test_a_draft_typed_by_one_account_is_never_saved_as_the_next_account(shared_app, browser):
    """Account 1 types evidence, the server restarts before the field is left; meanwhile
    account 1's login ended (its password changed on another computer), so the page comes back
    with the sign-in form and the draft waits. A colleague signs in in the same tab and opens
    the same criterion: the text account 1 typed must not be put into the colleague's field
    and saved under the colleague's name."""
    srv, store = shared_app
    page, info, _ = _typed_as_the_login_ends(
        shared_app, browser, "甲的草稿，未保存", colleague=True
    )
    srv.start()
    # The page reconnects on its own: the login has ended, the sign-in form is shown.
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
    _settle(page)
    sign_in(page, "填报人乙")
    page.goto(f"{srv.url}/item1?a={info.id}")
    _settle(page)
    page.reload()
    _settle(page)
    _open_block(page)
    page.wait_for_timeout(1500)  # a restored draft is sent on the blur right after it
    _settle(page)
    saved = store.answers(info.id).get("1.1")
    assert saved is None or saved.evidence == "", [
        (e.changed_by, e.new.evidence) for e in store.history(info.id, "1.1")
    ]
    expect(_evidence(page)).to_have_value("")


def test_a_waiting_draft_is_not_put_into_the_next_accounts_page_without_a_reload(
    shared_app, browser
):
    """As above, without a reload: the sign-in leaves the tab on the same item page, and the
    tab's script still waits to put the draft back once the field is drawn."""
    srv, store = shared_app
    page, info, _ = _typed_as_the_login_ends(
        shared_app, browser, "甲的草稿，未保存", colleague=True
    )
    srv.start()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
    _settle(page)
    sign_in(page, "填报人乙")
    assert f"a={info.id}" in page.url  # the tab is on the same item page, now as 乙
    _open_block(page)
    page.wait_for_timeout(1500)
    _settle(page)
    saved = store.answers(info.id).get("1.1")
    assert saved is None or saved.evidence == "", [
        (e.changed_by, e.new.evidence) for e in store.history(info.id, "1.1")
    ]
    expect(_evidence(page)).to_have_value("")


def test_a_draft_is_still_saved_for_the_account_that_typed_it_after_it_signs_in_again(
    shared_app, browser
):
    """The same story with the same account signing in again: its own text is put back and
    saved under its name (共享模式, signed in)."""
    srv, store = shared_app
    page, info, first = _typed_as_the_login_ends(shared_app, browser, "甲的草稿", colleague=False)
    store.users.change_password(first.id, "甲在别处改的新密码789", READY)
    srv.start()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
    _settle(page)
    sign_in(page, "填报人甲")
    _open_block(page)
    expect(_evidence(page)).to_have_value("甲的草稿")
    # The line saying so stays to be read: on a busy server (CI) the page around it took
    # longer than the 10 s it used to stay, and it was gone before anyone could see it.
    page.wait_for_timeout(12_000)
    page.get_by_text("已恢复并保存连接中断前输入的内容").wait_for()
    _settle(page)

    def entries() -> list:
        return [(e.changed_by, e.new.evidence) for e in store.history(info.id, "1.1")]

    wait_until(lambda: entries() == [("填报人甲", "甲的草稿")])  # its run may start after _settle
    assert entries() == [("填报人甲", "甲的草稿")]


def test_a_count_typed_when_the_server_restarts_is_put_back_and_saved(shared_app, browser):
    """数量（项） on item 3, typed (not left) as the server process restarts: a number field is
    a typed field too."""
    srv, store = shared_app
    info = store.create_assessment(UNIT, "第一次自评")
    make_account(store, "填报人甲", FILLER, unit=UNIT)
    page = open_page(browser, srv.url)
    sign_in(page, "填报人甲")
    page.goto(f"{srv.url}/item3?a={info.id}")
    _settle(page)
    count = page.locator(f"{_box('ans.17.1')} input")
    count.click()
    page.keyboard.type("3")
    srv.kill()
    srv.start()
    page.get_by_text("已恢复并保存连接中断前输入的内容").wait_for(timeout=60_000)
    _settle(page)
    expect(count).to_have_value("3")
    wait_until(lambda: getattr(store.answers(info.id).get("17.1"), "value", None) == 3)
    saved = store.answers(info.id).get("17.1")
    assert saved is not None and saved.value == 3, saved


@pytest.mark.parametrize("stall", [False, True], ids=["live", "stalled"])
def test_a_double_click_on_a_button_right_after_typing_makes_one_copy(
    standalone_app, browser, stall
):
    """复制为下一轮: the new round's name typed, then 复制 double-clicked at once (a user's two
    trusted clicks, each held behind the typed name): one new round, with the typed name."""
    srv, store = standalone_app
    info = store.create_assessment(UNIT, "第一次自评")
    page = open_page(browser, srv.url)
    page.get_by_role("button", name="复制为下一轮").click()
    _settle(page)
    name = page.get_by_label("新一轮的名称")
    name.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("第二次自评（改）")
    button = page.get_by_role("button", name="复制", exact=True)
    if stall:
        with stalled(srv):
            button.dblclick()
            page.wait_for_timeout(300)
    else:
        button.dblclick()
    page.wait_for_timeout(2000)
    _settle(page)
    rounds = sorted(a.round_name for a in store.list_assessments())
    assert rounds == sorted([info.round_name, "第二次自评（改）"]), rounds


def _quick_sign_in(page, name: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码", exact=True).fill(READY)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text(f"已登录：{name}").wait_for()


@pytest.mark.parametrize("stall", [False, True], ids=["live", "stalled"])
def test_sign_in_sign_out_sign_in_as_another_quickly_a_reload_shows_the_second(
    shared_app, browser, stall
):
    """Signed in as 甲, out at once, then 乙 in the same tab: a reload shows 乙 (the cookie of
    甲's login, set or cleared late, never wins over 乙's)."""
    srv, store = shared_app
    make_account(store, "填报人甲", FILLER, unit=UNIT)
    make_account(store, "填报人乙", FILLER, unit=UNIT)
    page = open_page(browser, srv.url)
    _quick_sign_in(page, "填报人甲")
    if stall:
        with stalled(srv):
            page.get_by_role("button", name="退出登录").click()
            page.wait_for_timeout(300)
    else:
        page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for()
    _quick_sign_in(page, "填报人乙")
    _settle(page)
    page.wait_for_timeout(1000)
    page.reload()
    _settle(page)
    expect(page.get_by_text("已登录：填报人乙")).to_be_visible()


@pytest.mark.parametrize("stall", [False, True], ids=["live", "stalled"])
def test_sign_in_then_out_at_once_a_reload_stays_signed_out(shared_app, browser, stall):
    srv, store = shared_app
    make_account(store, "填报人甲", FILLER, unit=UNIT)
    page = open_page(browser, srv.url)
    _quick_sign_in(page, "填报人甲")
    if stall:
        with stalled(srv):
            page.get_by_role("button", name="退出登录").click()
            page.wait_for_timeout(300)
    else:
        page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for()
    _settle(page)
    page.wait_for_timeout(1000)
    page.reload()
    _settle(page)
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_text("已登录：")).to_have_count(0)


def test_a_late_answer_to_the_first_accounts_cookie_request_does_not_sign_the_second_out(
    shared_app, browser
):
    """甲 signs in; the answer to the page's cookie request is slow (the server has bound the
    cookie, the answer is still on its way); 甲 signs out and 乙 signs in in the same tab; the
    late answer arrives last. A reload should show 乙."""
    srv, store = shared_app
    make_account(store, "填报人甲", FILLER, unit=UNIT)
    make_account(store, "填报人乙", FILLER, unit=UNIT)
    page = open_page(browser, srv.url)
    held = []

    def slow_first(route):
        if route.request.method == "POST" and not held:
            held.append((route, route.fetch()))  # reached the server; the answer waits
        else:
            route.continue_()

    page.route("**/jiguan/login-cookie", slow_first)
    _quick_sign_in(page, "填报人甲")
    _settle(page)
    assert held and held[0][1].status == 204
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for()
    _settle(page)
    _quick_sign_in(page, "填报人乙")
    _settle(page)
    page.wait_for_timeout(1000)
    route, response = held[0]
    with contextlib.suppress(PlaywrightError):  # the page gave it up: its answer is dropped
        route.fulfill(response=response)
    page.wait_for_timeout(500)
    page.reload()
    _settle(page)
    expect(page.get_by_text("已登录：填报人乙")).to_be_visible()


def test_a_login_code_cannot_be_planted_from_another_site_nor_bound_twice(shared_app):
    """Login CSRF: a valid, unbound code posted by another site's page (cross-site fetch or
    form, a sandboxed frame's null origin, no origin at all) sets no cookie; eight requests
    with the same code at once bind it once."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    srv, store = shared_app
    who = next(u for u in store.users.list() if u.name == "管理员").caller("127.0.0.1")
    code = store.logins.open(who).code
    url = f"{srv.url}/jiguan/login-cookie"
    host = url.split("://", 1)[1].split("/", 1)[0]
    for headers in (
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": f"http://sub.{host}"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "null"},
        {"Origin": "http://evil.example"},
        {},
    ):
        response = httpx.post(url, content=code, headers=headers)
        assert response.status_code == 403, (headers, response.status_code)
        assert "set-cookie" not in response.headers, headers

    def post(_: int) -> int:
        return httpx.post(url, content=code, headers={"Sec-Fetch-Site": "same-origin"}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(post, range(8)))
    assert codes == [204] + [403] * 7, codes


def test_a_reviewers_reason_typed_when_the_server_restarts_is_saved_as_the_reviewer(
    shared_app, browser
):
    """评审录入 has text fields of its own (评审意见): 评估组, signed in, types one as the server
    process restarts; it is put back and saved as their verdict's reason."""
    srv, store = shared_app
    info = store.create_assessment(UNIT, "第一次自评")
    make_account(store, "评估组甲", REVIEWER, unit=UNIT)
    page = open_page(browser, srv.url)
    sign_in(page, "评估组甲")
    page.goto(f"{srv.url}/panel-review?a={info.id}")
    _settle(page)
    page.locator(f"{_box('rv.reason.1.1')} textarea").click()
    page.keyboard.type("现场未见文件")
    srv.kill()
    srv.start()
    page.get_by_text("已恢复并保存连接中断前输入的内容").wait_for(timeout=60_000)
    _settle(page)
    wait_until(
        lambda: (
            getattr(store.reviews.verdicts(info.id).get("1.1"), "verdict", None) is not None
            and store.reviews.verdicts(info.id)["1.1"].verdict.reason == "现场未见文件"
        )
    )
    saved = store.reviews.verdicts(info.id).get("1.1")
    assert saved is not None and saved.verdict.reason == "现场未见文件", saved
    assert [e.changed_by for e in store.reviews.history(info.id, "1.1")] == ["评估组甲"]


def test_text_being_typed_when_the_poll_locks_the_page_is_shown_not_dropped(
    standalone_app, browser
):
    """Evidence being typed (not yet sent) when the poll brings in a colleague's 提交自评: the
    field is drawn read-only without the text. The page says it was not saved and shows what
    was typed, to copy — and again after a reload. (Found by a break-it pass.)"""
    srv, store = standalone_app
    info = store.create_assessment(UNIT, "第一次自评")
    page = open_page(browser, f"{srv.url}/item1?a={info.id}")
    _open_block(page)
    _evidence(page).click()
    page.keyboard.type("正在输入的佐证")
    store.submissions.submit(info.id, user="同事", filled_by="张三", leader="李四")
    expect(_evidence(page)).to_be_disabled(timeout=20_000)
    note = page.locator(".jiguan-draft-note")
    expect(note).to_contain_text("未能保存")
    expect(note).to_contain_text("正在输入的佐证")
    page.reload()
    _settle(page)
    _open_block(page)
    expect(page.locator(".jiguan-draft-note")).to_contain_text("正在输入的佐证")
    saved = store.answers(info.id).get("1.1")
    assert saved is None or saved.evidence == "", saved


def test_a_field_left_while_the_server_is_stalled_survives_its_crash(standalone_app, browser):
    """The server hangs (SIGSTOP); evidence typed, then the note (the evidence left: sent on the
    still-open socket), typed; the hung process is killed and started again. The note (still
    focused) is put back and saved; the evidence must not vanish without a word either."""
    srv, store = standalone_app
    info = store.create_assessment(UNIT, "第一次自评")
    page = open_page(browser, f"{srv.url}/item1?a={info.id}")
    _open_block(page)
    assert srv.proc is not None
    os.kill(srv.proc.pid, signal.SIGSTOP)
    _evidence(page).click()
    page.keyboard.type("断线前的佐证")
    page.locator(f"{_box('note.1.1')} input").click()
    page.keyboard.type("断线前的备注")
    page.wait_for_timeout(500)
    srv.kill()
    srv.start()
    page.wait_for_timeout(4000)
    _settle(page)

    def saved() -> tuple[str, str]:
        cell = store.answers(info.id).get("1.1")
        return (cell.evidence, cell.note) if cell else ("", "")

    assert wait_until(lambda: saved()[1] == "断线前的备注", 10), saved()
    fields = page.locator("textarea").evaluate_all("els => els.map(e => e.value)")
    shown = page.locator("body").inner_text() + " ".join(fields)
    assert saved()[0] == "断线前的佐证" or "断线前的佐证" in shown, saved()


@pytest.mark.xfail(
    strict=True,
    reason="click-hold (connection.js) and the toggle's press handling: of two held clicks "
    "on a toggle's label, released in order after the typed value's run, the second toggles "
    "nothing (the label's click is taken and prevented by the control, no change is sent); "
    "seen 3 of 3 with the server stalled, about 1 in 3 live",
)
def test_a_toggle_clicked_twice_right_after_typing_ends_as_it_began(standalone_app, browser):
    """Evidence typed, then 显示修改记录 clicked twice at once (on, off) while the server is
    stalled: both clicks count, the evidence is saved, and the history is not shown."""
    stall = True
    srv, store = standalone_app
    info = store.create_assessment(UNIT, "第一次自评")
    page = open_page(browser, f"{srv.url}/item1?a={info.id}")
    _open_block(page)
    _evidence(page).click()
    page.keyboard.type("一条佐证")
    toggle = page.locator(f"{_box('hist.1.1')} label")
    if stall:
        with stalled(srv):
            toggle.click()
            toggle.click()
            page.wait_for_timeout(300)
    else:
        toggle.click()
        toggle.click()
    page.wait_for_timeout(1500)
    _settle(page)
    expect(page.locator(f"{_box('hist.1.1')} input")).not_to_be_checked()
    wait_until(lambda: getattr(store.answers(info.id).get("1.1"), "evidence", "") == "一条佐证")
    saved = store.answers(info.id).get("1.1")
    assert saved is not None and saved.evidence == "一条佐证", saved


def test_an_answer_picked_right_after_typing_and_the_evidence_are_both_saved(
    standalone_app, browser
):
    """Evidence typed, 符合 picked at once while the server is stalled: both saved. (Live, with
    no stall, the answer was lost about 1 run in 10: not made a test, it would be flaky.)"""
    stall = True
    srv, store = standalone_app
    info = store.create_assessment(UNIT, "第一次自评")
    page = open_page(browser, f"{srv.url}/item1?a={info.id}")
    _open_block(page)
    _evidence(page).click()
    page.keyboard.type("一条佐证")
    yes = page.locator(_box("ans.1.1")).get_by_text("符合", exact=True).first
    if stall:
        with stalled(srv):
            yes.click()
            page.wait_for_timeout(300)
    else:
        yes.click()
    page.wait_for_timeout(1500)
    _settle(page)
    wait_until(
        lambda: (lambda a: a is not None and (a.value, a.evidence) == ("yes", "一条佐证"))(
            store.answers(info.id).get("1.1")
        )
    )
    saved = store.answers(info.id).get("1.1")
    assert saved is not None and (saved.value, saved.evidence) == ("yes", "一条佐证"), [
        (e.new.value, e.new.evidence) for e in store.history(info.id, "1.1")
    ]


def test_a_draft_for_a_field_locked_meanwhile_is_shown_not_lost_without_a_word(
    standalone_app, browser
):
    """Evidence typed as the server restarts; meanwhile the assessment was submitted (提交自评),
    so the field comes back disabled and the text cannot be saved. It must not vanish without
    a word: the page says it was not saved and shows what was typed (to copy it)."""
    srv, store = standalone_app
    info = store.create_assessment(UNIT, "第一次自评")
    page = open_page(browser, f"{srv.url}/item1?a={info.id}")
    _open_block(page)
    _evidence(page).click()
    page.keyboard.type("提交前输入的佐证")
    srv.kill()
    store.submissions.submit(info.id, user="同事", filled_by="张三", leader="李四")
    srv.start()
    page.wait_for_timeout(3000)
    _settle(page)
    expect(_evidence(page)).to_be_disabled()
    note = page.locator(".jiguan-draft-note")
    expect(note).to_contain_text("未能保存")
    expect(note).to_contain_text("提交前输入的佐证")
    saved = store.answers(info.id).get("1.1")
    assert saved is None or saved.evidence == "", saved
