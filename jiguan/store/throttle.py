"""Throttling of guesses: sign-in, 修改密码 and workshop join codes (issue 21).

Every attempt first *claims* its keys, in one write transaction with the rows locked
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` writes one at a time):
when a key must still wait, nothing is counted and the attempt is refused; otherwise every key
counts one more failure and its next allowed time is set *before* the password is checked. So
twenty requests sent at once are counted one by one: only a key's free attempts pass, the
rest are told to wait. A success forgives what it claimed (`forgive`).

Progressive delay, never a hard lock (`Policy`): after ``free`` failures each further one
doubles the wait, up to ``cap``. The keys of a sign-in are the typed name (known or not: the
same answers for both), the name from this address, and the address alone; the name alone is
capped at a minute, so an attacker elsewhere never keeps the owner out for longer, while the
attacking address waits up to 15 minutes. A key with no failure for `WINDOW` starts over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from jiguan.store.engine import Database
from jiguan.store.errors import guard
from jiguan.store.schema import throttle_t

WINDOW = timedelta(minutes=15)  # a key with no failure for this long starts over
_KEY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Policy:
    free: int  # failures counted before the first wait
    cap: timedelta  # the longest wait
    shared: bool = False  # a key many people use (an address): a success takes back only one

    def wait(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        return min(self.cap, timedelta(seconds=2 ** (failures - self.free)))


# One name from anywhere: the owner waits at most a minute, whoever else guesses.
NAME = Policy(free=5, cap=timedelta(minutes=1))
# One name from one address, and one address for all names: the attacker waits long.
NAME_AT_ADDRESS = Policy(free=5, cap=timedelta(minutes=15))
ADDRESS = Policy(free=30, cap=timedelta(minutes=15), shared=True)

Keys = Sequence[tuple[str, Policy]]


def wait_message(wait: timedelta) -> str:
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    return f"尝试次数过多，请 {seconds} 秒后再试"


def sign_in_keys(kind: str, name: str, address: str) -> list[tuple[str, Policy]]:
    """The keys of one attempt of ``kind`` (login, password, join) at ``name`` from
    ``address``."""
    return [
        (f"{kind}:{name}", NAME),
        (f"{kind}:{name}@{address}", NAME_AT_ADDRESS),
        (f"{kind}@{address}", ADDRESS),
    ]


def _insert(conn: Connection) -> Any:  # the dialect's INSERT (with ON CONFLICT)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(throttle_t)


class Throttle:
    def __init__(self, db: Database) -> None:
        self._db = db

    @guard("检查登录尝试次数")
    def claim(self, keys: Keys, at: datetime) -> timedelta:
        """Count one attempt on every key, or none: the wait still due (0: go ahead)."""
        wanted = {key[:_KEY_CHARS]: policy for key, policy in keys}
        with self._db.write() as conn:
            conn.execute(sa.delete(throttle_t).where(throttle_t.c.last_at < at - WINDOW))
            for key in sorted(wanted):  # one order everywhere: no deadlock between claims
                conn.execute(
                    _insert(conn)
                    .values(key=key, failures=0, next_at=None, last_at=at)
                    .on_conflict_do_nothing(index_elements=["key"])
                )
            rows = conn.execute(
                sa.select(throttle_t)
                .where(throttle_t.c.key.in_(sorted(wanted)))
                .order_by(throttle_t.c.key)
                .with_for_update()
            ).all()
            due = [row.next_at - at for row in rows if row.next_at and row.next_at > at]
            if due:
                return timedelta(seconds=max(d.total_seconds() for d in due))
            for row in rows:
                failures = row.failures + 1
                wait = wanted[row.key].wait(failures)
                conn.execute(
                    sa.update(throttle_t)
                    .where(throttle_t.c.key == row.key)
                    .values(failures=failures, last_at=at, next_at=at + wait if wait else None)
                )
        return timedelta(0)

    @guard("记录登录结果")
    def forgive(self, keys: Keys, at: datetime) -> None:
        """The attempt succeeded: the name's keys start over; an address key takes back the
        one it counted (a busy office behind one address is not slowed by its own logins)."""
        with self._db.write() as conn:
            for key, policy in keys:
                where = throttle_t.c.key == key[:_KEY_CHARS]
                if policy.shared:
                    fewer = sa.case((throttle_t.c.failures > 0, throttle_t.c.failures - 1), else_=0)
                    conn.execute(sa.update(throttle_t).where(where).values(failures=fewer))
                else:
                    conn.execute(sa.delete(throttle_t).where(where))

    @guard("解除登录限制")
    def clear(self, kind: str, name: str) -> int:
        """Forget every failure counted on ``name`` (from any address); how many keys."""
        exact, from_address = f"{kind}:{name}", f"{kind}:{name}@"
        pattern = from_address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._db.write() as conn:
            result = conn.execute(
                sa.delete(throttle_t).where(
                    (throttle_t.c.key == exact) | throttle_t.c.key.like(pattern + "%", escape="\\")
                )
            )
            return result.rowcount or 0

    @guard("读取登录限制")
    def waiting_until(self, kind: str, name: str, at: datetime) -> datetime | None:
        """Until when ``name`` must wait from everywhere (its own key), if it must."""
        with self._db.read() as conn:
            next_at = conn.execute(
                sa.select(throttle_t.c.next_at).where(throttle_t.c.key == f"{kind}:{name}")
            ).scalar()
        return next_at if next_at is not None and next_at > at else None
