"""Logins kept in the database (jiguan/store/logins.py): a browser stays signed in across a reload
and a server process that dies, and every way a login should end, ends it — on both backends;
and the cookie route of the served app (jiguan/web.py)."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from jiguan.accounts import (
    ADMIN,
    COMMAND_LINE,
    FILLER,
    REVIEWER,
    SESSION_IDLE,
    SESSION_MAX,
    TRAINEE,
    TRAINER,
    Caller,
)
from jiguan.rubric import load_rubric
from jiguan.store import Store
from jiguan.store.logins import BIND_WITHIN, COOKIE, Logins
from jiguan.store.records import now
from tests import store_support
from tests.browser_support import AppServer

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store
PASSWORD = "一个足够长的密码123"
NEW = "另一个足够长的密码456"


def _user(store: Store, name: str = "甲填报", role: str = FILLER) -> Caller:
    return store.users.add(name, role, PASSWORD, by=COMMAND_LINE).caller()


def _browser(logins: Logins, who: Caller) -> tuple[int, str]:
    """A login as a browser holds it: its id (the page's) and its cookie's token."""
    opened = logins.open(who)
    token = logins.bind_cookie(opened.code)
    assert token is not None
    return opened.id, token


def test_a_login_resumes_as_the_account_stands_now(store: Store) -> None:
    logins, users = store.logins, store.users
    who = _user(store)
    login_id, token = _browser(logins, who)
    login = logins.resume(token, "10.0.0.7")
    assert login is not None and login.id == login_id
    assert (login.caller.name, login.caller.role, login.caller.user_id) == (
        "甲填报",
        FILLER,
        who.user_id,
    )
    assert login.caller.address == "10.0.0.7"
    assert login.must_change  # a new account must change its password first
    users.change_password(who.user_id, PASSWORD, NEW, keep_login=login_id)
    assert logins.check(login_id).must_change is False  # the page re-reads it by id
    assert logins.resume("not-a-token") is None
    logins.end(login_id)
    assert logins.resume(token) is None
    assert logins.check(login_id) is None


def test_idle_and_too_long_logins_expire(store: Store) -> None:
    logins = store.logins
    who = _user(store)
    idle, old = logins.open(who).id, logins.open(who).id
    assert logins.check(idle, at=now() + SESSION_IDLE - timedelta(minutes=1)) is not None
    assert logins.check(idle, at=now() + 2 * SESSION_IDLE + timedelta(minutes=1)) is None
    assert logins.check(idle) is None  # ended for good, not only too late that once
    at = now()
    for _ in range(int(SESSION_MAX / SESSION_IDLE) + 1):  # active all along, yet too long
        at += SESSION_IDLE - timedelta(minutes=1)
        if logins.check(old, at=at) is None:
            break
    else:
        pytest.fail("a login outlived SESSION_MAX")
    assert at - now() <= SESSION_MAX + SESSION_IDLE


@pytest.mark.parametrize("how", ["disable", "role", "reset"])
def test_account_changes_end_its_logins(store: Store, how: str) -> None:
    logins, users = store.logins, store.users
    admin = _user(store, "管理员", ADMIN)
    who = _user(store)
    other = _user(store, "乙填报")
    (login_id, token), others = _browser(logins, who), logins.open(other).id
    if how == "disable":
        users.set_disabled(who.user_id, True, by=admin)
    elif how == "role":
        users.set_role(who.user_id, REVIEWER, by=admin)
    else:
        users.reset_password(who.user_id, NEW, by=COMMAND_LINE)
    assert logins.resume(token) is None
    assert logins.check(login_id) is None
    assert logins.check(others) is not None  # nobody else's


def test_a_password_change_ends_the_other_logins_only(store: Store) -> None:
    logins, users = store.logins, store.users
    who = _user(store)
    here, elsewhere = logins.open(who).id, logins.open(who).id
    users.change_password(who.user_id, PASSWORD, NEW, keep_login=here)
    assert logins.check(here) is not None
    assert logins.check(elsewhere) is None


def test_a_trainees_login_ends_with_the_workshop(store: Store) -> None:
    logins, workshops = store.logins, store.workshops
    trainer = _user(store, "王老师", TRAINER)
    workshops.open(trainer, "PX-2026", "十一月培训班", now() + timedelta(days=1))
    trainee = workshops.join("PX-2026", "学员甲")
    login_id, token = _browser(logins, trainee)
    login = logins.resume(token)
    assert login is not None
    assert (login.caller.role, login.caller.workshop, login.caller.name) == (
        TRAINEE,
        "PX-2026",
        "学员甲",
    )
    workshops.close(trainer, "PX-2026")
    assert logins.check(login_id) is None


def test_a_code_makes_one_cookie_once_and_soon(store: Store) -> None:
    logins = store.logins
    who = _user(store)
    opened, late = logins.open(who), logins.open(who)
    token = logins.bind_cookie(opened.code)
    assert token and token != opened.code  # the token is made by the route, never in a page
    assert logins.bind_cookie(opened.code) is None  # not planted in a second browser
    assert logins.bind_cookie(late.code, at=now() + BIND_WITHIN + timedelta(seconds=1)) is None
    assert logins.bind_cookie("unknown") is None
    assert logins.resume(opened.code) is None  # a code is not a token
    ended = logins.open(who)
    logins.end(ended.id)
    assert logins.bind_cookie(ended.code) is None


def test_a_page_sends_the_code_until_the_cookie_is_taken_or_too_late(store: Store) -> None:
    """What pages/common/signin.cookie_script asks before drawing the script again."""
    logins = store.logins
    who = _user(store)
    opened, late, ended = logins.open(who), logins.open(who), logins.open(who)
    assert not logins.cookie_taken(opened.id)
    logins.bind_cookie(opened.code)
    assert logins.cookie_taken(opened.id)
    assert not logins.cookie_taken(late.id)
    assert logins.cookie_taken(late.id, at=now() + BIND_WITHIN + timedelta(seconds=1))
    logins.end(ended.id)
    assert logins.cookie_taken(ended.id)
    assert logins.cookie_taken(10**6)  # no such login


# ---- the served route ---------------------------------------------------------------------


def _request(url: str, method: str, body: bytes = b"", headers: dict | None = None):
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})
    try:
        response = urllib.request.urlopen(request, timeout=30)
        return response.status, response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


@pytest.fixture
def served(tmp_path: Path):
    srv = AppServer(tmp_path / "data", tmp_path / "server.log", env={"JIGUAN_MODE": "shared"})
    srv.start()
    try:
        db = Store(
            f"sqlite:///{(srv.data_dir / 'jiguan.db').as_posix()}",
            load_rubric(),
            files_dir=srv.data_dir / "files",
        )
        db.migrate()
        try:
            yield srv, db
        finally:
            db.close()
    finally:
        srv.stop()


def test_the_cookie_route_sets_an_httponly_cookie_once_for_the_same_origin(served) -> None:
    srv, db = served
    logins = db.logins
    opened = logins.open(_user(db))
    url = srv.url + "/jiguan/login-cookie"
    host = srv.url.split("://", 1)[1]
    own = {"Origin": srv.url, "Host": host}
    code = opened.code.encode()

    assert _request(url, "POST", code)[0] == 403  # no Origin: not the app's page
    assert _request(url, "POST", code, {"Origin": "http://evil.example"})[0] == 403
    status, headers = _request(url, "POST", code, own)
    assert status == 204
    cookie = headers["Set-Cookie"]
    token = cookie.split(";", 1)[0].removeprefix(f"{COOKIE}=")
    assert token and token != opened.code
    assert logins.resume(token).id == opened.id
    for part in ("HttpOnly", "SameSite=lax", "Path=/"):
        assert part.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP here; behind HTTPS it is Secure
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert _request(url, "POST", code, own)[0] == 403  # once only

    # A logged-out page clears its cookie: the login it names has ended (the page ends it).
    logins.end(opened.id)
    status, headers = _request(url, "DELETE", headers={**own, "Cookie": f"{COOKIE}={token}"})
    assert status == 204
    assert "max-age=0" in headers["Set-Cookie"].lower()
    # A cookie that names another tab's newer, open login is left alone.
    newer = logins.bind_cookie(logins.open(_user(db, "乙填报")).code)
    status, headers = _request(url, "DELETE", headers={**own, "Cookie": f"{COOKIE}={newer}"})
    assert status == 204 and "Set-Cookie" not in headers
    assert logins.resume(newer) is not None
