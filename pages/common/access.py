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
    Caller,
    session_expired,
)
from jiguan.limits import parse_id
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
from pages.common import oidc, routes, signin
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
    who, base, login_id, address = caller(), _base(), session().login_id, signin.address()

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
            login = base.logins.check(s.login_id, signin.address())
        else:
            login = base.logins.resume(token or "", signin.address())  # (a token: see above)
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
        signin.oidc_sign_in(users)
    signin.cookie_script()
    if s.account is None:
        st.title("机关事务标准化试点 自评")
        # Side by side: a trainee's join form (and its error) is in view at 1280×800.
        left, right = st.columns(2, gap="large")
        with left:
            signin.login_form(users)
        with right:
            signin.join_form(base)
        st.stop()
    active()
    if s.must_change:
        signin.password_form(users, forced=True)
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
            signin.password_form(users, forced=False)


def mode_caption() -> None:
    """One line on 首页 saying which mode this is."""
    if shared():
        st.caption("共享模式：已登录的账户只能看到其权限范围内的自评。")
    else:
        st.caption("单机模式：仅本机可访问（127.0.0.1），无需登录。")
