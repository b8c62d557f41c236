"""The forms of 共享模式's sign-in: 登录 (password or the identity provider), 参加培训班 (a
trainee's code and name), 修改密码, and what a new login leaves behind (its database row and the
cookie that finds it again). The gate that decides when they are drawn is `access.gate`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import streamlit as st

from jiguan import runtime
from jiguan.accounts import AccountError, Caller, client_address
from jiguan.limits import MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS
from jiguan.store import Store, StoreError, Users
from pages.common import oidc, scripts
from pages.common.session import session
from pages.common.text import plain

log = logging.getLogger(__name__)


def address() -> str:
    headers = st.context.headers
    return client_address(
        st.context.ip_address, headers.get_all("X-Real-IP"), headers.get_all("X-Forwarded-For")
    )


def login_form(users: Users) -> None:
    st.caption("共享模式：请用管理员分配的账户登录。")
    s = session()
    if s.home_msg is not None:  # why this browser was signed out
        st.info(s.home_msg[1], icon=":material/info:")
        s.home_msg = None
    with st.form("login"):
        name = st.text_input("用户名", key="login.name", max_chars=MAX_NAME_CHARS)
        password = st.text_input(
            "密码", type="password", key="login.password", max_chars=MAX_PASSWORD_CHARS
        )
        if st.form_submit_button("登录", type="primary"):
            who = Caller(
                " ".join(name.split())[:MAX_NAME_CHARS] or "（空）", "none", None, address()
            )
            try:
                info = users.login(name, password, address=address())
            except AccountError as exc:
                users.record(who, "登录失败", who.name, str(exc))
                st.error(str(exc), icon=":material/lock:")
                return
            who = info.caller(address())
            signed_in(who, info.must_change)
            users.record(who, "登录")
            st.rerun()
    if oidc.providers():
        if s.oidc_refused:
            st.error(
                f"统一身份认证账户「{plain(s.oidc_refused)}」未在本系统开通或已停用，请联系管理员。",
                icon=":material/block:",
            )
            if st.button("换一个统一身份认证账户", key="oidc.switch"):
                s.oidc_refused = ""
                oidc.logout()
        else:
            oidc.login_buttons()


def oidc_sign_in(users: Users) -> None:
    """The identity provider has vouched for this browser: sign in the account of that name
    (once per identity: a refusal is shown, not retried and audited on every run)."""
    s = session()
    name = oidc.identity()
    if name is None or name in (s.oidc_refused, s.oidc_signed_out):
        return
    try:
        info = users.oidc_login(name)
    except AccountError as exc:
        s.oidc_refused = name
        users.record(
            Caller(name[:MAX_NAME_CHARS], "none", None, address()), "登录失败", name, str(exc)
        )
        return
    except StoreError as exc:
        st.error(
            f"暂时无法完成统一身份认证登录：{exc}。请稍后刷新页面。", icon=":material/cloud_off:"
        )
        st.stop()
    who = info.caller(address())
    signed_in(who, False)
    users.record(who, "登录", detail="统一身份认证")


def join_form(base: Store) -> None:
    st.subheader("参加培训班", anchor=False)
    st.caption("学员无需账户：输入培训教师给出的培训班代码和您的姓名，即可进入示例练习。")
    given = st.query_params.get("join", "")  # the room's QR code carries the code
    if given and "join.code" not in st.session_state:
        st.session_state["join.code"] = given[:100]
    with st.form("join"):
        st.text_input("培训班代码", key="join.code", max_chars=MAX_NAME_CHARS)
        st.text_input("您的姓名", key="join.name", max_chars=MAX_NAME_CHARS)
        submitted = st.form_submit_button("加入培训班", type="primary")
    code = " ".join((st.session_state.get("join.code") or "").split())
    name = " ".join((st.session_state.get("join.name") or "").split())
    if submitted:
        st.session_state["join.pending"] = None
        try:
            taken = base.workshops.joined_before(code, name)
        except StoreError:
            taken = False  # join says what is wrong
        if taken:  # never two silent identities: the same name is the same trainee
            st.session_state["join.pending"] = (code, name)
        else:
            _join(base, code, name)
    pending = st.session_state.get("join.pending")
    if pending and pending == (code, name):
        st.warning(
            f"本培训班已有学员使用姓名「{plain(name)}」。如果那就是您（例如换了电脑或关闭了"
            "浏览器），请继续，将打开您原来的练习；如果不是，请换一个名字（如加上单位或组别）。",
            icon=":material/person_search:",
        )
        cols = st.columns(2)
        if cols[0].button("是同一人，继续", key="join.same", type="primary"):
            _join(base, code, name)
        cols[1].button("换一个名字", key="join.rename", on_click=_rename)


def _rename() -> None:
    st.session_state["join.pending"] = None
    st.session_state["join.name"] = ""


def _join(base: Store, code: str, name: str) -> None:
    try:
        who = base.workshops.join(code, name, address())
    except AccountError as exc:
        st.error(str(exc), icon=":material/lock:")
        return
    except StoreError as exc:
        st.error(f"暂时无法加入：{exc}")
        return
    st.session_state["join.pending"] = None
    signed_in(who, False)
    st.rerun()


def signed_in(who: Caller, must_change: bool) -> None:
    """This browser is now ``who``; the login is kept in the database and its token goes to a
    cookie, so a reload or another server process finds it (a failure to keep it only means
    signing in again later)."""
    s = session()
    s.account, s.must_change = who, must_change
    s.login_at = s.seen_at = s.login_checked = datetime.now(UTC)
    try:
        opened = runtime.store().logins.open(who)
        s.login_id, s.cookie_code, s.cookie_action = opened.id, opened.code, "set"
    except StoreError:
        log.exception("keeping a login failed")
        s.login_id = None


def cookie_script() -> None:
    """Set or clear the login cookie from the page (HttpOnly: only the server can set it).

    Drawn is not run: a run superseded by a click right after signing in can end before the
    browser has drawn its elements (Streamlit drops what it has not sent yet), and the cookie
    never came. So the setting script is drawn on every run, each time as a new element (the
    draw number), until the server has set the cookie (or the code has expired)."""
    with st.empty():  # one slot, drawn or not: see below
        _cookie_script()


def _cookie_script() -> None:
    # Everything below this slot keeps its place whether a script is drawn in it or not. The
    # page shifting up by one element when the cookie was taken (a few runs late on a busy
    # server) had Streamlit rebuild the item page's open blocks mid-run: a field the user had
    # just gone back to, and the note beside it, were replaced.
    s = session()
    if s.cookie_action == "set" and s.cookie_code and s.login_id is not None:
        if _cookie_taken(s.login_id):
            s.cookie_action, s.cookie_code, s.cookie_draws = "", "", 0
            return
        s.cookie_draws += 1
        scripts.run("login_cookie", method="POST", code=s.cookie_code, draw=str(s.cookie_draws))
        return
    if s.cookie_action == "clear":
        scripts.run("login_cookie", method="DELETE", code="")
    s.cookie_action = ""


def _cookie_taken(login_id: int) -> bool:
    try:
        return runtime.store().logins.cookie_taken(login_id)
    except StoreError:
        return False  # the database is away: send it again, the route says if it is too late


def password_form(users: Users, forced: bool) -> None:
    s = session()
    account = s.account
    if account is None or account.user_id is None:  # (shown to a signed-in account only)
        return
    if forced:
        st.warning("首次登录（或管理员重设密码后）须先修改密码。", icon=":material/key:")
    with st.form("password"):
        old = st.text_input("原密码", type="password", key="pw.old", max_chars=MAX_PASSWORD_CHARS)
        new = st.text_input(
            f"新密码（至少 {MIN_PASSWORD_CHARS} 个字符）",
            type="password",
            key="pw.new",
            max_chars=MAX_PASSWORD_CHARS,
        )
        again = st.text_input(
            "再输入一次新密码", type="password", key="pw.again", max_chars=MAX_PASSWORD_CHARS
        )
        if st.form_submit_button("修改密码", type="primary"):
            if new != again:
                st.error("两次输入的新密码不一致")
                return
            try:
                users.change_password(
                    account.user_id, old, new, keep_login=s.login_id, address=address()
                )
            except AccountError as exc:  # throttled and audited by Users
                st.error(plain(str(exc)))
                return
            s.must_change = False
            st.success("密码已修改。")
            st.rerun()
