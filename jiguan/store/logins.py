"""Logins kept in the database (issue 13): a browser stays signed in across a reload, a new
tab and a server process that dies behind the proxy.

A Streamlit session lives in one process's memory, so a login kept only there is lost with the
process. Here a login is a row every process can read. The page that signed in hands a one-time
code to the cookie route (`jiguan.web`), which makes a random token and sets it as the HttpOnly
cookie `COOKIE`; the row keeps only SHA-256s of code and token. A new session of the same
browser finds the cookie and `resume`s the login; the page that made it re-reads it by id
(`check`) at least every `RECHECK`. Both re-read the account, so a disabled account, a changed
role or an ended workshop takes effect at once. Logging out, a password change or reset, a role
change and disabling an account end the logins concerned.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan import accounts
from jiguan.accounts import TRAINEE, Caller
from jiguan.store.engine import Database
from jiguan.store.errors import guard
from jiguan.store.records import now
from jiguan.store.schema import logins_t, users_t, workshops_t

COOKIE = "jiguan_login"  # over plain HTTP (单机模式 on loopback, or a trial)
# Over HTTPS: a __Host- cookie is Secure, host-only and Path=/ by the browser's own rule, so no
# other subdomain or plain-HTTP response can set or shadow it.
SECURE_COOKIE = "__Host-" + COOKIE
RECHECK = timedelta(minutes=1)  # how stale a page's view of its login may get
BIND_WITHIN = timedelta(minutes=5)  # a new login's code must reach the cookie route by then


@dataclass(frozen=True, slots=True)
class Opened:
    """A new login: its id (the page that made it re-reads it by id) and the one-time code the
    page hands to the cookie route, which makes the token. The token itself is never in a page."""

    id: int
    code: str


@dataclass(frozen=True, slots=True)
class Login:
    id: int
    caller: Caller
    must_change: bool
    login_at: datetime


def login_token(cookies: Mapping[str, str]) -> str:
    """The login token a request's cookies carry: the __Host- cookie, else the plain one (what
    a browser signed in over HTTPS before the prefix still holds, until its login ends)."""
    return cookies.get(SECURE_COOKIE) or cookies.get(COOKIE) or ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def end_logins(conn: Connection, user_id: int, *, keep: int | None = None) -> None:
    """End every login of an account (except the login with id ``keep``)."""
    query = sa.update(logins_t).where(logins_t.c.user_id == user_id, logins_t.c.ended_at.is_(None))
    if keep is not None:
        query = query.where(logins_t.c.id != keep)
    conn.execute(query.values(ended_at=now()))


def _secret(text: str) -> bool:
    return bool(text) and len(text) <= 200


class Logins:
    """The logins kept as rows (``store.logins``)."""

    def __init__(self, db: Database) -> None:
        self._db = db  # the Store's: one pool, one set of time limits

    @guard("记录登录")
    def open(self, caller: Caller) -> Opened:
        """A new login for ``caller`` (an account or a trainee)."""
        code = secrets.token_urlsafe(32)
        at = now()
        with self._db.write() as conn:
            # Rows that can no longer be resumed: ended, or older than the longest login.
            conn.execute(
                sa.delete(logins_t).where(
                    sa.or_(
                        logins_t.c.ended_at.is_not(None),
                        logins_t.c.created_at < at - accounts.SESSION_MAX,
                    )
                )
            )
            login_id = conn.execute(
                sa.insert(logins_t)
                .values(
                    code_hash=token_hash(code),
                    user_id=caller.user_id,
                    name=caller.name[:100],
                    role=caller.role,
                    workshop=caller.workshop[:100],
                    created_at=at,
                    seen_at=at,
                )
                .returning(logins_t.c.id)
            ).scalar_one()
        return Opened(login_id, code)

    @guard("读取登录")
    def resume(self, token: str, address: str = "", *, at: datetime | None = None) -> Login | None:
        """The login a cookie's token names, as it stands now (see `check`)."""
        if not _secret(token):
            return None
        return self._take(logins_t.c.token_hash == token_hash(token), address, at)

    @guard("读取登录")
    def check(
        self, login_id: int, address: str = "", *, at: datetime | None = None
    ) -> Login | None:
        """The login as it stands now, marked as seen; None when it has ended, expired
        (`accounts.session_expired`), or its account or workshop is gone."""
        return self._take(logins_t.c.id == login_id, address, at)

    def _take(
        self, which: sa.ColumnElement[bool], address: str, at: datetime | None
    ) -> Login | None:
        at = at or now()
        with self._db.write() as conn:
            row = conn.execute(
                sa.select(logins_t).where(which, logins_t.c.ended_at.is_(None))
            ).first()
            if row is None:
                return None
            found = self._current(conn, row, address, at)
            values = {"seen_at": at} if found else {"ended_at": at}
            conn.execute(sa.update(logins_t).where(logins_t.c.id == row.id).values(**values))
        if found is None:
            return None
        caller, must_change = found
        return Login(row.id, caller, must_change, row.created_at)

    @staticmethod
    def _current(
        conn: Connection, row: sa.Row[Any], address: str, at: datetime
    ) -> tuple[Caller, bool] | None:
        if accounts.session_expired(row.created_at, row.seen_at, at):
            return None
        if row.role == TRAINEE:
            expires = conn.execute(
                sa.select(workshops_t.c.expires_at).where(workshops_t.c.code == row.workshop)
            ).scalar()
            if expires is None or expires <= at:
                return None
            return Caller(row.name, TRAINEE, None, address, row.workshop), False
        user = conn.execute(sa.select(users_t).where(users_t.c.id == row.user_id)).first()
        if user is None or user.disabled_at is not None:
            return None
        return Caller(user.name, user.role, user.id, address), bool(user.must_change)

    @guard("读取登录")
    def is_open(self, token: str) -> bool:
        """Whether the login of this token has not been ended (expiry is `check`'s concern)."""
        if not _secret(token):
            return False
        with self._db.read() as conn:
            found = conn.execute(
                sa.select(logins_t.c.id).where(
                    logins_t.c.token_hash == token_hash(token), logins_t.c.ended_at.is_(None)
                )
            ).first()
        return found is not None

    @guard("读取登录")
    def cookie_taken(self, login_id: int, *, at: datetime | None = None) -> bool:
        """Whether the browser of this login has fetched its cookie (`bind_cookie`), or can no
        longer (ended, gone, or its code older than `BIND_WITHIN`): nothing more to send."""
        with self._db.read() as conn:
            row = conn.execute(
                sa.select(
                    logins_t.c.cookie_set_at, logins_t.c.ended_at, logins_t.c.created_at
                ).where(logins_t.c.id == login_id)
            ).first()
        return (
            row is None
            or row.cookie_set_at is not None
            or row.ended_at is not None
            or row.created_at <= (at or now()) - BIND_WITHIN
        )

    @guard("退出登录")
    def end(self, login_id: int) -> None:
        with self._db.write() as conn:
            conn.execute(
                sa.update(logins_t)
                .where(logins_t.c.id == login_id, logins_t.c.ended_at.is_(None))
                .values(ended_at=now())
            )

    @guard("记录登录")
    def bind_cookie(self, code: str, *, at: datetime | None = None) -> str | None:
        """The token for the cookie of the login whose one-time ``code`` the page sent: made
        here, once, within `BIND_WITHIN` of the login (None otherwise), so a code cannot be
        replayed to plant the login in another browser (login CSRF)."""
        at = at or now()
        if not _secret(code):
            return None
        token = secrets.token_urlsafe(32)
        with self._db.write() as conn:
            done = conn.execute(
                sa.update(logins_t)
                .where(
                    logins_t.c.code_hash == token_hash(code),
                    logins_t.c.ended_at.is_(None),
                    logins_t.c.cookie_set_at.is_(None),
                    logins_t.c.created_at > at - BIND_WITHIN,
                )
                .values(token_hash=token_hash(token), code_hash=None, cookie_set_at=at)
            )
            return token if done.rowcount == 1 else None
