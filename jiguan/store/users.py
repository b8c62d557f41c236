"""Accounts, their units and the audit log in the app's database (issue 13).

`store.users` shares the store's connections and time limits. Passwords are hashed with
argon2 (`jiguan.accounts`); wrong passwords are throttled in the database (`throttle`), so
the delay holds across browsers and server processes. Every change to an account takes the
caller and checks, by reading their account again, that they may make it (`authorise`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan import accounts
from jiguan.accounts import AccountError, Caller
from jiguan.limits import MAX_NAME_CHARS
from jiguan.profile import PRACTICE_UNIT_PREFIX
from jiguan.store import audit, throttle
from jiguan.store.assessments import _unit_id
from jiguan.store.audit import AuditEntry
from jiguan.store.engine import Database
from jiguan.store.errors import AccessDenied, guard
from jiguan.store.logins import end_logins
from jiguan.store.records import clean_name, now
from jiguan.store.schema import audit_t, throttle_t, units, user_units_t, users_t

# Verified against when there is no password to check (an unknown, disabled or OIDC-only name),
# so every refusal costs as long as a wrong password.
_DUMMY_HASH = accounts.hash_password("未使用的占位密码-never-matches")


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: str
    must_change: bool
    locked_until: datetime | None  # sign-ins with this name wait until then (throttle.NAME)
    disabled: bool
    units: tuple[str, ...]

    def caller(self, address: str = "") -> Caller:
        return Caller(self.name, self.role, self.id, address)


def _labels(roles: tuple[str, ...]) -> list[str]:
    return [accounts.ROLE_LABELS.get(r, r) for r in roles]


def _info(conn: Connection, row: sa.Row[Any]) -> UserInfo:
    names = conn.execute(
        sa.select(units.c.name)
        .join(user_units_t, user_units_t.c.unit_id == units.c.id)
        .where(user_units_t.c.user_id == row.id)
        .order_by(units.c.name)
    ).scalars()
    waiting = conn.execute(
        sa.select(throttle_t.c.next_at).where(throttle_t.c.key == f"login:{row.name}")
    ).scalar()
    return UserInfo(
        row.id,
        row.name,
        row.role,
        bool(row.must_change),
        waiting if waiting is not None and waiting > now() else None,
        row.disabled_at is not None,
        tuple(names),
    )


class Users:
    """Accounts, their units and the audit log (``store.users``): one bounded transaction each."""

    def __init__(self, db: Database) -> None:
        self._db = db  # the Store's: one pool, one set of time limits
        self._throttle = throttle.Throttle(db)

    def _row(self, conn: Connection, name: str) -> sa.Row[Any] | None:
        return conn.execute(sa.select(users_t).where(users_t.c.name == name)).first()

    @guard("读取账户")
    def has_admin(self) -> bool:
        with self._db.read() as conn:
            query = sa.select(sa.func.count()).where(
                users_t.c.role == accounts.ADMIN, users_t.c.disabled_at.is_(None)
            )
            return bool(conn.execute(query).scalar())

    @guard("读取账户")
    def list(self) -> list[UserInfo]:
        with self._db.read() as conn:
            rows = conn.execute(sa.select(users_t).order_by(users_t.c.name)).all()
            return [_info(conn, row) for row in rows]

    @guard("读取账户")
    def get(self, user_id: int) -> UserInfo:
        with self._db.read() as conn:
            row = conn.execute(sa.select(users_t).where(users_t.c.id == user_id)).first()
            if row is None:
                raise AccountError("没有这个账户")
            return _info(conn, row)

    @guard("读取账户")
    def unit_ids(self, user_id: int) -> frozenset[int]:
        with self._db.read() as conn:
            query = sa.select(user_units_t.c.unit_id).where(user_units_t.c.user_id == user_id)
            return frozenset(conn.execute(query).scalars())

    def authorise(self, by: Caller, *roles: str) -> Caller:
        """``by`` as their account is now, if it may act as one of ``roles`` both as the page
        knows them and as the database says now: the role a page was drawn with is never
        trusted (an administrator demoted meanwhile creates nothing).
        The local caller (单机模式, the command line on the server) may do everything.

        Raises:
            AccessDenied: no such enabled account, or its role is not one of ``roles``.
        """
        if by.role == accounts.LOCAL:
            return by
        refused = AccessDenied(f"无权进行此操作：需要{'或'.join(_labels(roles))}账户")
        if by.user_id is None or by.role not in roles:  # a role given meanwhile: sign in again
            raise refused
        with self._db.read() as conn:
            row = conn.execute(sa.select(users_t).where(users_t.c.id == by.user_id)).first()
        if row is None or row.disabled_at is not None or row.role not in roles:
            raise refused
        return Caller(row.name, row.role, row.id, by.address, by.workshop)

    @guard("新建账户")
    def add(
        self,
        name: str,
        role: str,
        password: str | None,
        *,
        unit: str | None = None,
        by: Caller,
    ) -> UserInfo:
        """A new account that must change its password at first login; with ``password``
        None, an account that signs in only through the identity provider (`oidc_login`).
        An administrator's act (or the command line's), audited."""
        by = self.authorise(by, accounts.ADMIN)
        name = accounts.check_name(name)
        role = accounts.check_role(role)
        hashed = None
        if password is not None:
            accounts.check_password(password, name)
            hashed = accounts.hash_password(password)
        at = now()
        with self._db.write() as conn:
            if self._row(conn, name) is not None:
                raise AccountError(f"已有名为「{name}」的账户")
            uid = conn.execute(
                sa.insert(users_t)
                .values(
                    name=name,
                    role=role,
                    password_hash=hashed,
                    must_change=hashed is not None,
                    failed_logins=0,
                    password_changed_at=at,
                    created_at=at,
                )
                .returning(users_t.c.id)
            ).scalar_one()
            if unit:
                self._assign(conn, uid, unit, at)
            row = self._row(conn, name)
            assert row is not None  # inserted just now, in this transaction
            info = _info(conn, row)
        detail = accounts.ROLE_LABELS[role] + (f" · {' '.join(unit.split())}" if unit else "")
        self.record(by, "新建账户", info.name, detail)
        return info

    def _assign(self, conn: Connection, user_id: int, unit: str, at: datetime) -> None:
        unit = clean_name(unit, "单位名称")
        if unit.startswith(PRACTICE_UNIT_PREFIX):
            raise AccountError(f"「{PRACTICE_UNIT_PREFIX}」开头的是示例练习的单位，不能分配给账户")
        unit_id = _unit_id(conn, unit, at)
        exists = conn.execute(
            sa.select(user_units_t.c.unit_id).where(
                user_units_t.c.user_id == user_id, user_units_t.c.unit_id == unit_id
            )
        ).first()
        if exists is None:
            conn.execute(sa.insert(user_units_t).values(user_id=user_id, unit_id=unit_id))

    @guard("分配单位")
    def assign(self, user_id: int, unit: str, *, by: Caller) -> UserInfo:
        """Give the account a unit: a 填报人's own unit, or one an 评估组 member reads."""
        by = self.authorise(by, accounts.ADMIN)
        with self._db.write() as conn:
            self._assign(conn, user_id, unit, now())
        info = self.get(user_id)
        self.record(by, "分配单位", info.name, " ".join(unit.split()))
        return info

    @guard("取消分配单位")
    def unassign(self, user_id: int, unit: str, *, by: Caller) -> UserInfo:
        by = self.authorise(by, accounts.ADMIN)
        with self._db.write() as conn:
            unit_id = conn.execute(sa.select(units.c.id).where(units.c.name == unit)).scalar()
            conn.execute(
                sa.delete(user_units_t).where(
                    user_units_t.c.user_id == user_id, user_units_t.c.unit_id == unit_id
                )
            )
        info = self.get(user_id)
        self.record(by, "取消分配单位", info.name, unit)
        return info

    @guard("修改角色")
    def set_role(self, user_id: int, role: str, *, by: Caller) -> UserInfo:
        """A new role; written to the audit log with the old one."""
        by = self.authorise(by, accounts.ADMIN)
        role = accounts.check_role(role)
        before = self.get(user_id)
        if before.role == accounts.ADMIN and role != accounts.ADMIN:
            self._keep_an_admin(user_id)
        with self._db.write() as conn:
            conn.execute(sa.update(users_t).where(users_t.c.id == user_id).values(role=role))
            end_logins(conn, user_id)
        labels = accounts.ROLE_LABELS
        self.record(by, "修改角色", before.name, f"{labels[before.role]} → {labels[role]}")
        return self.get(user_id)

    @guard("停用账户")
    def set_disabled(self, user_id: int, disabled: bool, *, by: Caller) -> UserInfo:
        """Disable (the account can no longer log in) or enable an account again."""
        by = self.authorise(by, accounts.ADMIN)
        before = self.get(user_id)
        if disabled and before.role == accounts.ADMIN:
            self._keep_an_admin(user_id)
        with self._db.write() as conn:
            conn.execute(
                sa.update(users_t)
                .where(users_t.c.id == user_id)
                .values(disabled_at=now() if disabled else None)
            )
            end_logins(conn, user_id)
        self.record(by, "停用账户" if disabled else "启用账户", before.name)
        return self.get(user_id)

    def _keep_an_admin(self, user_id: int) -> None:
        others = [
            u
            for u in self.list()
            if u.role == accounts.ADMIN and not u.disabled and u.id != user_id
        ]
        if not others:
            raise AccountError("这是最后一个可用的管理员账户，不能停用或改为其他角色")

    def _checked_password(
        self, kind: str, name: str, password: str, stored: str | None, address: str, at: datetime
    ) -> bool:
        """One throttled attempt (`jiguan.store.throttle`): always one argon2 verify, so a
        refusal, an unknown name and a wrong password take the same time.

        Raises:
            AccountError: 「尝试次数过多，请 N 秒后再试」 while a key must wait.
        """
        keys = throttle.sign_in_keys(kind, name, address)
        wait = self._throttle.claim(keys, at)
        ok = accounts.verify_password(stored or _DUMMY_HASH, password) and stored is not None
        if wait:
            raise AccountError(throttle.wait_message(wait))
        if ok:
            self._throttle.forgive(keys, at)
        return ok

    @guard("登录")
    def login(
        self, name: str, password: str, *, address: str = "", at: datetime | None = None
    ) -> UserInfo:
        """The account for this name and password, from a client at ``address``.

        Raises:
            AccountError: 「用户名或密码不正确」 (the same for an unknown or disabled name), or
                「尝试次数过多，请 N 秒后再试」 (the same for every name).
        """
        at = at or now()
        name = " ".join(str(name or "").split())[:MAX_NAME_CHARS]
        with self._db.read() as conn:
            row = self._row(conn, name) if name else None
            if row is not None and row.disabled_at is not None:
                row = None
            info = _info(conn, row) if row is not None else None
        stored = row.password_hash if row is not None else None
        if not self._checked_password("login", name, password, stored, address, at):
            raise AccountError("用户名或密码不正确")
        assert info is not None  # a password matched: the account exists
        return info

    @guard("登录")
    def oidc_login(self, identity: str) -> UserInfo:
        """The account whose name is the identity the provider vouched for (its e-mail or user
        name claim). Only an account an administrator opened for the provider (`add` with no
        password: ``user add --oidc``) may sign in this way, so a provider's user whose claim
        happens to equal a local account's name (an administrator's, say) gets nothing.

        Raises:
            AccountError: no such account opened for the provider, or it is disabled.
        """
        name = " ".join(str(identity or "").split())
        with self._db.read() as conn:
            row = self._row(conn, name) if name else None
            if row is None or row.disabled_at is not None or row.password_hash is not None:
                raise AccountError(
                    f"统一身份认证账户「{name[:100]}」未在本系统开通或已停用，请联系管理员"
                )
            return _info(conn, row)

    @guard("修改密码")
    def change_password(
        self,
        user_id: int,
        old: str,
        new: str,
        *,
        keep_login: int | None = None,
        address: str = "",
        at: datetime | None = None,
    ) -> None:
        """A new password; ends the account's other logins (all but ``keep_login``). The old
        password is throttled like a sign-in, and every attempt is audited."""
        at = at or now()
        with self._db.read() as conn:
            row = conn.execute(sa.select(users_t).where(users_t.c.id == user_id)).first()
        if row is None or row.disabled_at is not None:
            raise AccountError("没有这个账户")
        who = Caller(row.name, row.role, row.id, address)
        try:
            if not self._checked_password(
                "password", row.name, old, row.password_hash, address, at
            ):
                raise AccountError("原密码不正确")
        except AccountError as exc:
            self.record(who, "修改密码失败", row.name, str(exc))
            raise
        if old == new:
            raise AccountError("新密码不能与原密码相同")
        accounts.check_password(new, row.name)
        with self._db.write() as conn:
            conn.execute(
                sa.update(users_t)
                .where(users_t.c.id == user_id)
                .values(
                    password_hash=accounts.hash_password(new),
                    must_change=False,
                    password_changed_at=now(),
                )
            )
            end_logins(conn, user_id, keep=keep_login)
        self.record(who, "修改密码", row.name)

    @guard("重设密码")
    def reset_password(self, user_id: int, new: str, *, by: Caller) -> None:
        """An administrator's reset: the user must change it at the next login; audited."""
        by = self.authorise(by, accounts.ADMIN)
        info = self.get(user_id)
        accounts.check_password(new, info.name)
        with self._db.write() as conn:
            conn.execute(
                sa.update(users_t)
                .where(users_t.c.id == user_id)
                .values(
                    password_hash=accounts.hash_password(new),
                    must_change=True,
                    password_changed_at=now(),
                )
            )
            end_logins(conn, user_id)
        self._throttle.clear("login", info.name)
        self.record(by, "重设密码", info.name)

    @guard("解除登录限制")
    def unlock(self, name: str, *, by: Caller) -> UserInfo:
        """Forget the failed sign-ins and password changes counted on the account, from every
        address (``python -m jiguan user unlock NAME``); audited."""
        by = self.authorise(by, accounts.ADMIN)
        name = " ".join(str(name or "").split())
        with self._db.read() as conn:
            row = self._row(conn, name) if name else None
            if row is None:
                raise AccountError(f"没有名为「{name[:100]}」的账户")
            info = _info(conn, row)
        cleared = self._throttle.clear("login", name) + self._throttle.clear("password", name)
        self.record(by, "解除登录限制", name, f"清除 {cleared} 项计数")
        return info

    # ---- audit log ----------------------------------------------------------------------

    @guard("记录审计日志")
    def record(self, caller: Caller, action: str, target: str = "", detail: str = "") -> None:
        with self._db.write() as conn:
            conn.execute(
                sa.insert(audit_t).values(
                    at=now(),
                    actor=caller.name[:100],
                    action=action[:32],
                    target=str(target)[:200],
                    detail=detail[:2000],
                    address=caller.address[:64],
                )
            )

    @guard("读取审计日志")
    def audit_log(self, /, limit: int = 1000, **filters: Any) -> builtins.list[AuditEntry]:
        """The newest ``limit`` entries, newest first, filtered (`audit.audit_query`)."""
        with self._db.read() as conn:
            return audit.audit_query(conn, limit, **filters)

    @guard("读取审计日志")
    def audit_actions(self) -> builtins.list[str]:
        with self._db.read() as conn:
            return audit.audit_actions(conn)
