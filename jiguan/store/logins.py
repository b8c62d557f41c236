"""Logins kept in the database (issue 13): a browser stays signed in across a reload, a new
tab and a server process that dies behind the proxy.

A Streamlit session lives in one process's memory, so a login kept only there is lost with the
process. Here a login is a row every process can read. The browser holds a random token in an
HttpOnly cookie (`COOKIE`, set by `jiguan.web`); the row keeps only the token's SHA-256. A new
session of the same browser finds the cookie and `resume`s the login, re-reading the account,
so a disabled account, a changed role or an ended workshop takes effect at the next resume
(pages resume at least every `RECHECK`). Logging out, a password change or reset, a role change
and disabling an account end the logins concerned.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan import accounts
from jiguan.accounts import TRAINEE, Caller
from jiguan.store.errors import guard
from jiguan.store.facade import Store
from jiguan.store.records import now
from jiguan.store.schema import logins_t, users_t, workshops_t

COOKIE = "jiguan_login"
RECHECK = timedelta(minutes=1)  # how stale a page's view of its login may get
BIND_WITHIN = timedelta(minutes=5)  # a new login's token must reach its cookie by then


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    caller: Caller
    must_change: bool
    login_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def end_logins(conn: Connection, user_id: int, *, keep: str | None = None) -> None:
    """End every login of an account (except the one with token ``keep``)."""
    query = sa.update(logins_t).where(logins_t.c.user_id == user_id, logins_t.c.ended_at.is_(None))
    if keep:
        query = query.where(logins_t.c.token_hash != token_hash(keep))
    conn.execute(query.values(ended_at=now()))


class Logins:
    def __init__(self, store: Store) -> None:
        self._db = store._db  # same package: one pool, one set of time limits

    @guard("记录登录")
    def open(self, caller: Caller) -> str:
        """A new login for ``caller`` (an account or a trainee); returns its token."""
        token = secrets.token_urlsafe(32)
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
            conn.execute(
                sa.insert(logins_t).values(
                    token_hash=token_hash(token),
                    user_id=caller.user_id,
                    name=caller.name[:100],
                    role=caller.role,
                    workshop=caller.workshop[:100],
                    created_at=at,
                    seen_at=at,
                )
            )
        return token

    @guard("读取登录")
    def resume(self, token: str, address: str = "", *, at: datetime | None = None) -> Login | None:
        """The login this token belongs to, as it stands now, marked as seen; None when it has
        ended, expired (`accounts.session_expired`), or its account or workshop is gone."""
        at = at or now()
        if not token or len(token) > 200:
            return None
        with self._db.write() as conn:
            row = conn.execute(
                sa.select(logins_t).where(
                    logins_t.c.token_hash == token_hash(token), logins_t.c.ended_at.is_(None)
                )
            ).first()
            if row is None:
                return None
            found = self._current(conn, row, address, at)
            values = {"seen_at": at} if found else {"ended_at": at}
            conn.execute(sa.update(logins_t).where(logins_t.c.id == row.id).values(**values))
        if found is None:
            return None
        caller, must_change = found
        return Login(token, caller, must_change, row.created_at)

    @staticmethod
    def _current(
        conn: Connection, row: sa.Row, address: str, at: datetime
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
        """Whether the login of this token has not been ended (expiry is `resume`'s concern)."""
        with self._db.read() as conn:
            found = conn.execute(
                sa.select(logins_t.c.id).where(
                    logins_t.c.token_hash == token_hash(token), logins_t.c.ended_at.is_(None)
                )
            ).first()
        return found is not None

    @guard("退出登录")
    def end(self, token: str) -> None:
        with self._db.write() as conn:
            conn.execute(
                sa.update(logins_t)
                .where(logins_t.c.token_hash == token_hash(token), logins_t.c.ended_at.is_(None))
                .values(ended_at=now())
            )

    @guard("记录登录")
    def bind_cookie(self, token: str, *, at: datetime | None = None) -> bool:
        """Whether ``token`` may be set as this browser's cookie: once, soon after its login.

        Once only, so a token cannot be planted in another browser (login CSRF) after its own
        browser has taken it."""
        at = at or now()
        if not token or len(token) > 200:
            return False
        with self._db.write() as conn:
            done = conn.execute(
                sa.update(logins_t)
                .where(
                    logins_t.c.token_hash == token_hash(token),
                    logins_t.c.ended_at.is_(None),
                    logins_t.c.cookie_set_at.is_(None),
                    logins_t.c.created_at > at - BIND_WITHIN,
                )
                .values(cookie_set_at=at)
            )
            return done.rowcount == 1
