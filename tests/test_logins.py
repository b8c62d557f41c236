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
from jiguan.store.users import Users
from jiguan.store.workshops import Workshops
from tests import store_support
from tests.browser_support import AppServer

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store
PASSWORD = "一个足够长的密码123"
NEW = "另一个足够长的密码456"


def _user(store: Store, name: str = "甲填报", role: str = FILLER) -> Caller:
    return Users(store).add(name, role, PASSWORD).caller()


def test_a_login_resumes_as_the_account_stands_now(store: Store) -> None:
    logins, users = Logins(store), Users(store)
    who = _user(store)
    token = logins.open(who)
    login = logins.resume(token, "10.0.0.7")
    assert login is not None
    assert (login.caller.name, login.caller.role, login.caller.user_id) == (
        "甲填报",
        FILLER,
        who.user_id,
    )
    assert login.caller.address == "10.0.0.7"
    assert login.must_change  # a new account must change its password first
    users.change_password(who.user_id, PASSWORD, NEW, keep_login=token)
    assert logins.resume(token).must_change is False
    assert logins.resume("not-a-token") is None
    logins.end(token)
    assert logins.resume(token) is None


def test_idle_and_too_long_logins_expire(store: Store) -> None:
    logins = Logins(store)
    who = _user(store)
    idle, old = logins.open(who), logins.open(who)
    assert logins.resume(idle, at=now() + SESSION_IDLE - timedelta(minutes=1)) is not None
    assert logins.resume(idle, at=now() + 2 * SESSION_IDLE + timedelta(minutes=1)) is None
    assert logins.resume(idle) is None  # ended for good, not only too late that once
    at = now()
    for _ in range(int(SESSION_MAX / SESSION_IDLE) + 1):  # active all along, yet too long
        at += SESSION_IDLE - timedelta(minutes=1)
        if logins.resume(old, at=at) is None:
            break
    else:
        pytest.fail("a login outlived SESSION_MAX")
    assert at - now() <= SESSION_MAX + SESSION_IDLE


@pytest.mark.parametrize("how", ["disable", "role", "reset"])
def test_account_changes_end_its_logins(store: Store, how: str) -> None:
    logins, users = Logins(store), Users(store)
    admin = _user(store, "管理员", ADMIN)
    who = _user(store)
    other = _user(store, "乙填报")
    token, others = logins.open(who), logins.open(other)
    if how == "disable":
        users.set_disabled(who.user_id, True, by=admin)
    elif how == "role":
        users.set_role(who.user_id, REVIEWER, by=admin)
    else:
        users.reset_password(who.user_id, NEW)
    assert logins.resume(token) is None
    assert logins.resume(others) is not None  # nobody else's


def test_a_password_change_ends_the_other_logins_only(store: Store) -> None:
    logins, users = Logins(store), Users(store)
    who = _user(store)
    here, elsewhere = logins.open(who), logins.open(who)
    users.change_password(who.user_id, PASSWORD, NEW, keep_login=here)
    assert logins.resume(here) is not None
    assert logins.resume(elsewhere) is None


def test_a_trainees_login_ends_with_the_workshop(store: Store) -> None:
    logins, workshops = Logins(store), Workshops(store)
    trainer = _user(store, "王老师", TRAINER)
    workshops.open(trainer, "PX-2026", "十一月培训班", now() + timedelta(days=1))
    trainee = workshops.join("PX-2026", "学员甲")
    token = logins.open(trainee)
    login = logins.resume(token)
    assert login is not None
    assert (login.caller.role, login.caller.workshop, login.caller.name) == (
        TRAINEE,
        "PX-2026",
        "学员甲",
    )
    workshops.close(trainer, "PX-2026")
    assert logins.resume(token) is None


def test_a_token_reaches_one_cookie_once_and_soon(store: Store) -> None:
    logins = Logins(store)
    who = _user(store)
    token, late = logins.open(who), logins.open(who)
    assert logins.bind_cookie(token)
    assert not logins.bind_cookie(token)  # not planted in a second browser
    assert not logins.bind_cookie(late, at=now() + BIND_WITHIN + timedelta(seconds=1))
    assert not logins.bind_cookie("unknown")
    ended = logins.open(who)
    logins.end(ended)
    assert not logins.bind_cookie(ended)


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
    logins = Logins(db)
    token = logins.open(_user(db))
    url = srv.url + "/jiguan/login-cookie"
    host = srv.url.split("://", 1)[1]
    own = {"Origin": srv.url, "Host": host}

    assert _request(url, "POST", token.encode())[0] == 403  # no Origin: not the app's page
    assert _request(url, "POST", token.encode(), {"Origin": "http://evil.example"})[0] == 403
    status, headers = _request(url, "POST", token.encode(), own)
    assert status == 204
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={token};")
    for part in ("HttpOnly", "SameSite=lax", "Path=/"):
        assert part.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP here; behind HTTPS it is Secure
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert _request(url, "POST", token.encode(), own)[0] == 403  # once only

    # A logged-out page clears its cookie: the login it names has ended (the page ends it).
    logins.end(token)
    status, headers = _request(url, "DELETE", headers={**own, "Cookie": f"{COOKIE}={token}"})
    assert status == 204
    assert "max-age=0" in headers["Set-Cookie"].lower()
    # A cookie that names another tab's newer, open login is left alone.
    newer = logins.open(_user(db, "乙填报"))
    status, headers = _request(url, "DELETE", headers={**own, "Cookie": f"{COOKIE}={newer}"})
    assert status == 204 and "Set-Cookie" not in headers
    assert logins.resume(newer) is not None
