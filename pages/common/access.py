"""单机模式 or 共享模式, and the login gate of 共享模式 (issue 13).

The mode comes from where the server listens, read from Streamlit's own ``server.address``
option (the one setting that decides who can reach the app; `make run` sets 127.0.0.1 in
.streamlit/config.toml): loopback is 单机模式, anything else 共享模式. Behind a reverse proxy
the app listens on loopback yet serves a network, so ``JIGUAN_MODE=shared`` forces 共享模式,
and so does any request that arrives through a proxy (X-Forwarded-For): a proxied 单机模式
would otherwise be open to everyone.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial

import streamlit as st

import jiguan.store
from jiguan import runtime
from jiguan.accounts import (
    CALLER_LABELS,
    LOCAL_CALLER,
    TRAINEE,
    AccountError,
    Caller,
    client_address,
    session_expired,
)
from jiguan.limits import MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, parse_id
from jiguan.store import (
    WORKSHOP_ENDED,
    AccessDenied,
    Login,
    ScopedStore,
    Store,
    StoreContract,
    StoreError,
    Users,
    login_token,
)
from pages.common import oidc, routes, scripts
from pages.common.session import session
from pages.common.text import plain

log = logging.getLogger(__name__)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_HAS_ADMIN: set[str] = set()  # databases known to hold an administrator, per process
NO_ADMIN = (
    "共享模式下尚无管理员账户，应用不能启动。请在服务器上运行：\n\n"
    "`python -m jiguan user add --admin 用户名`\n\n然后刷新本页。"
)


def shared() -> bool:
    if os.environ.get("JIGUAN_MODE", "").strip().lower() == "shared":
        return True
    address = (st.config.get_option("server.address") or "").strip()
    if address not in LOOPBACK:
        return True
    headers: Mapping[str, str] = st.context.headers or {}
    return bool(headers.get("X-Forwarded-For") or headers.get("Forwarded"))


NOBODY = Caller("未登录", "none")  # 共享模式 before login: a caller with no scope at all


def caller() -> Caller:
    """Who this browser acts as: the logged-in account in 共享模式 (`NOBODY` before login, e.g.
    in a widget callback that runs before the gate), `LOCAL_CALLER` in 单机模式."""
    if not shared():
        return LOCAL_CALLER
    return session().account or NOBODY


def current() -> Caller:
    """The caller for an act of this run, its login re-read when due (widget callbacks do not
    pass the gate). The domain checks the account's role again anyway."""
    if shared():
        with contextlib.suppress(StoreError):  # the act itself will say the database is away
            _keep_current(_base())
    return caller()


def nav_role() -> str | None:
    """The logged-in role that decides the pages of the navigation (None in 单机模式;
    `routes.SIGNED_OUT` before login or a required password change)."""
    if not shared():
        return None
    s = session()
    return s.account.role if s.account is not None and not s.must_change else routes.SIGNED_OUT


def require(*roles: str) -> Caller:
    """A page for some roles of 共享模式 only: anyone else gets 「无权访问此页面」."""
    who = caller()
    if not shared() or who.role not in roles:
        st.error("无权访问此页面。", icon=":material/block:")
        st.stop()
    return who


def audited(
    build: Callable[[Store | ScopedStore], bytes],
    action: str,
    target: str,
    *,
    eager: bool = False,
    failed: Callable[[Exception], bytes] | None = None,
) -> Callable[[], bytes] | bytes:
    """A download's data: ``build(store)`` run when the button is pressed (or now, ``eager``,
    in 单机模式). Streamlit runs a deferred download outside this browser's session, so what
    the session knows is taken now: in 共享模式 the login, re-read when the file is built (an
    ended login builds nothing), and the store limited to that account; the audit log gets
    ``action`` when the file was built, 「<action>失败」 with the reason when it was not.
    ``failed`` turns the error into a file that explains it (else the download fails)."""
    if not shared():
        base = _base()
        return build(base) if eager else partial(_build, build, base, failed)
    who, base, login_id, address = caller(), _base(), session().login_id, _address()

    def run() -> bytes:
        users = base.users
        current = who
        try:
            if login_id is not None:
                login = base.logins.check(login_id, address)
                if login is None:
                    raise AccessDenied("登录已失效，请重新登录后再下载")
                current = login.caller
            data = build(ScopedStore(base, current))
        except Exception as exc:
            _record(users, current, f"{action}失败", target, str(exc))
            if failed is None:
                raise
            return failed(exc)
        _record(users, current, action, target)
        return data

    return run


def _build(
    build: Callable[[Store], bytes], store: Store, failed: Callable[[Exception], bytes] | None
) -> bytes:
    try:
        return build(store)
    except Exception as exc:
        if failed is None:
            raise
        return failed(exc)


def _record(users: Users, who: Caller, action: str, target: str, detail: str = "") -> None:
    try:
        users.record(who, action, target, detail)
    except StoreError:
        log.exception("audit record for %s failed", action)


def scoped(store: Store) -> StoreContract:
    """What pages get from pages/state.get_store: the caller's view in 共享模式. Kept for the
    session, so the account's units are read once per login check (`LOGIN_RECHECK`), not on
    every store call."""
    if not shared():
        return store
    _keep_current(store)
    s, who = session(), caller()
    if s.scope is None or s.scope[0] != (id(store), who):
        s.scope = ((id(store), who), ScopedStore(store, who))
    return s.scope[1]


def _keep_current(base: Store) -> None:
    """Every store call of a signed-in session, full run or not (widget callbacks and fragment
    reruns do not pass the gate): an idle session expires, and the login is re-read when due,
    so a disabled account or a lost unit stops writing within `LOGIN_RECHECK`. (Activity is
    marked by `active`; the sidebar's timed poll is not activity.)"""
    s = session()
    if s.account is None:
        return
    now = datetime.now(UTC)
    if s.login_at and s.seen_at and session_expired(s.login_at, s.seen_at, now):
        _logout("登录已过期，请重新登录。")
        return
    _check_login(base)


def active() -> None:
    """The user did something (a full run, a saved change): the idle clock starts again."""
    session().seen_at = datetime.now(UTC)


def lapsed() -> bool:
    """共享模式, seen from a widget callback or a fragment (which do not pass the gate): is this
    session signed out (its login re-read now, when due)? Then the page must be redrawn."""
    if not shared():
        return False
    try:
        _keep_current(_base())
        _workshop_ended(_base())
    except StoreError:
        return False
    return session().account is None


def _workshop_ended(base: Store) -> None:
    """A trainee's workshop has ended (read now, not at the next login check): sign out with
    「培训班已结束」, so the next click after 结束培训班 is refused and said so."""
    account = session().account
    if (
        account is not None
        and account.role == TRAINEE
        and not base.workshops.is_active(account.workshop)
    ):
        _logout(f"{WORKSHOP_ENDED}。")


def take_up_login() -> None:
    """Before the navigation is built: a new session of a signed-in browser takes up its login
    from the cookie, so the menu (and the page a reload asks for) is the account's."""
    if not shared():
        return
    try:
        base = _base()
    except StoreError:
        return  # the router says so
    _check_login(base)


def _address() -> str:
    headers = st.context.headers
    return client_address(
        st.context.ip_address, headers.get_all("X-Real-IP"), headers.get_all("X-Forwarded-For")
    )


def _logout(message: str = "", *, ended: bool = False) -> None:
    """Forget this browser's login (``ended``: it has ended already, e.g. expired elsewhere)."""
    s = session()
    if s.account is not None and not ended:
        _base().users.record(s.account, "退出登录")
    if s.login_id is not None:
        if not ended:
            try:
                _base().logins.end(s.login_id)
            except StoreError:
                log.exception("ending a login failed")
        s.login_id, s.cookie_action = None, "clear"
    s.account = None
    s.oidc_signed_out = oidc.identity() or ""  # not signed in again from the provider's cookie
    s.aid = None
    s.loaded_aid = None
    s.info = None
    s.home_msg = ("info", message) if message else None


def _base() -> Store:
    return runtime.store()


def _login_form(users: Users) -> None:
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
                " ".join(name.split())[:MAX_NAME_CHARS] or "（空）", "none", None, _address()
            )
            try:
                info = users.login(name, password, address=_address())
            except AccountError as exc:
                users.record(who, "登录失败", who.name, str(exc))
                st.error(str(exc), icon=":material/lock:")
                return
            who = info.caller(_address())
            _signed_in(who, info.must_change)
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


def _oidc_sign_in(users: Users) -> None:
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
            Caller(name[:MAX_NAME_CHARS], "none", None, _address()), "登录失败", name, str(exc)
        )
        return
    except StoreError as exc:
        st.error(
            f"暂时无法完成统一身份认证登录：{exc}。请稍后刷新页面。", icon=":material/cloud_off:"
        )
        st.stop()
    who = info.caller(_address())
    _signed_in(who, False)
    users.record(who, "登录", detail="统一身份认证")


def _join_form(base: Store) -> None:
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
        who = base.workshops.join(code, name, _address())
    except AccountError as exc:
        st.error(str(exc), icon=":material/lock:")
        return
    except StoreError as exc:
        st.error(f"暂时无法加入：{exc}")
        return
    st.session_state["join.pending"] = None
    _signed_in(who, False)
    st.rerun()


def _signed_in(who: Caller, must_change: bool) -> None:
    """This browser is now ``who``; the login is kept in the database and its token goes to a
    cookie, so a reload or another server process finds it (a failure to keep it only means
    signing in again later)."""
    s = session()
    s.account, s.must_change = who, must_change
    s.login_at = s.seen_at = s.login_checked = datetime.now(UTC)
    try:
        opened = _base().logins.open(who)
        s.login_id, s.cookie_code, s.cookie_action = opened.id, opened.code, "set"
    except StoreError:
        log.exception("keeping a login failed")
        s.login_id = None


def _resume(login: Login) -> None:
    s = session()
    s.account, s.must_change, s.login_id = login.caller, login.must_change, login.id
    s.login_at = login.login_at
    s.seen_at = datetime.now(UTC)


def _check_login(base: Store) -> None:
    """Take up this browser's login from its cookie, and re-read it at least every `LOGIN_RECHECK`,
    so an ended login, a disabled account or a new role reaches every open page."""
    s = session()
    now = datetime.now(UTC)
    # This tab's own login by id; the cookie only for a tab not signed in (never another
    # account's login for a signed-in tab).
    token = login_token(st.context.cookies or {}) if s.account is None else None
    if s.login_id is None and not token:
        return
    if s.login_checked is not None and now - s.login_checked < jiguan.store.LOGIN_RECHECK:
        return
    try:
        if s.login_id is not None:
            login = base.logins.check(s.login_id, _address())
        else:
            login = base.logins.resume(token or "", _address())  # (a token: see above)
    except StoreError as exc:
        if s.account is None:  # not a sign-in form for a browser that is signed in
            st.error(f"暂时无法确认登录状态：{exc}。请稍后刷新页面。", icon=":material/cloud_off:")
            st.stop()
        return  # the database is away: keep what this session knows
    s.login_checked = now
    s.scope = None  # units, role and workshops are read again
    if login is not None:
        _resume(login)
    elif s.account is not None and s.account.role == TRAINEE:
        _logout(f"{WORKSHOP_ENDED}。", ended=True)  # a trainee's login ends with the workshop
    elif s.account is not None:
        _logout("登录已失效（已退出、密码已修改或账户已停用），请重新登录。", ended=True)


def _cookie_script() -> None:
    """Set or clear the login cookie from the page (HttpOnly: only the server can set it)."""
    s = session()
    if s.cookie_action == "set" and s.cookie_code:
        scripts.run("login_cookie", method="POST", code=s.cookie_code)
    elif s.cookie_action == "clear":
        scripts.run("login_cookie", method="DELETE", code="")
    s.cookie_action = ""


def _password_form(users: Users, forced: bool) -> None:
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
                    account.user_id, old, new, keep_login=s.login_id, address=_address()
                )
            except AccountError as exc:  # throttled and audited by Users
                st.error(plain(str(exc)))
                return
            s.must_change = False
            st.success("密码已修改。")
            st.rerun()


def _refuse_foreign_link(base: Store) -> None:
    """A ?a= out of the account's scope: 「无权访问」, the same as for an id that never existed."""
    given = st.query_params.get("a", "")
    if not given:
        return
    try:
        wanted = parse_id(given)
        if wanted is None:  # not an id at all: refused like any other it may not see
            raise AccessDenied()
        scoped(base).get_assessment(wanted)
    except AccessDenied as exc:  # shown by the router, on the page this run ends on
        st.session_state[routes.NOTICE] = ("error", str(exc))
        st.query_params.pop("a", None)
    except StoreError:
        return


def gate() -> None:
    """共享模式: stop the run until an administrator exists and this browser is logged in
    (with a password of its own); then show who is logged in, with 退出登录, in the sidebar."""
    if not shared():
        return
    try:
        base = _base()
        users = base.users
        has_admin = base.url in _HAS_ADMIN or users.has_admin()
    except StoreError as exc:
        st.error(f"无法打开自评数据库：{exc}。请稍后刷新页面重试。", icon=":material/cloud_off:")
        st.stop()
    if has_admin:
        _HAS_ADMIN.add(base.url)  # the app keeps one (Users refuses to disable the last)
    else:
        st.error(NO_ADMIN, icon=":material/admin_panel_settings:")
        st.stop()
    s = session()
    _keep_current(base)  # expiry, and the login re-read when due (taken up: take_up_login)
    _workshop_ended(base)
    if s.account is None:
        _oidc_sign_in(users)
    _cookie_script()
    if s.account is None:
        st.title("机关事务标准化试点 自评")
        # Side by side: a trainee's join form (and its error) is in view at 1280×800.
        left, right = st.columns(2, gap="large")
        with left:
            _login_form(users)
        with right:
            _join_form(base)
        st.stop()
    active()
    if s.must_change:
        _password_form(users, forced=True)
        st.stop()
    _refuse_foreign_link(base)
    with st.sidebar:
        role = CALLER_LABELS.get(s.account.role, s.account.role)
        st.caption(f"已登录：{plain(s.account.name)}（{role}）")
        if st.button("退出登录", key="logout", icon=":material/logout:"):
            _logout("已退出登录。")
            oidc.logout()
            st.rerun()
        # Drawn only while open: a form of three fields on every run is not free.
        may_change = s.account.role != TRAINEE and oidc.identity() is None
        if may_change and st.expander("修改密码", key="pw.open", on_change="rerun").open:
            _password_form(users, forced=False)


def mode_caption() -> None:
    """One line on 首页 saying which mode this is."""
    if shared():
        st.caption("共享模式：已登录的账户只能看到其权限范围内的自评。")
    else:
        st.caption("单机模式：仅本机可访问（127.0.0.1），无需登录。")
