"""Accounts, their units and the audit log in the app's database (issue 13).

`Users(store)` shares the store's connections and time limits. Passwords are hashed with
argon2 (`jiguan.accounts`); a wrong password counts towards a lockout kept in the table, so
it holds across browsers and server processes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan import accounts
from jiguan.accounts import AccountError, Caller
from jiguan.format import format_time
from jiguan.store.assessments import _unit_id
from jiguan.store.errors import guard
from jiguan.store.facade import Store
from jiguan.store.logins import end_logins
from jiguan.store.records import clean_name, now
from jiguan.store.schema import audit_t, units, user_units_t, users_t

# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = accounts.hash_password("未使用的占位密码-never-matches")


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: str
    must_change: bool
    locked_until: datetime | None
    disabled: bool
    units: tuple[str, ...]

    def caller(self, address: str = "") -> Caller:
        return Caller(self.name, self.role, self.id, address)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str
    address: str


def _info(conn: Connection, row: sa.Row) -> UserInfo:
    names = conn.execute(
        sa.select(units.c.name)
        .join(user_units_t, user_units_t.c.unit_id == units.c.id)
        .where(user_units_t.c.user_id == row.id)
        .order_by(units.c.name)
    ).scalars()
    return UserInfo(
        row.id,
        row.name,
        row.role,
        bool(row.must_change),
        row.locked_until,
        row.disabled_at is not None,
        tuple(names),
    )


class Users:
    def __init__(self, store: Store) -> None:
        self._db = store._db  # same package: one pool, one set of time limits

    def _row(self, conn: Connection, name: str) -> sa.Row | None:
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

    @guard("新建账户")
    def add(
        self, name: str, role: str, password: str | None, *, unit: str | None = None
    ) -> UserInfo:
        """A new account that must change its password at first login; with ``password``
        None, an account that signs in only through the identity provider (`oidc_login`)."""
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
            return _info(conn, self._row(conn, name))

    def _assign(self, conn: Connection, user_id: int, unit: str, at: datetime) -> None:
        unit_id = _unit_id(conn, clean_name(unit, "单位名称"), at)
        exists = conn.execute(
            sa.select(user_units_t.c.unit_id).where(
                user_units_t.c.user_id == user_id, user_units_t.c.unit_id == unit_id
            )
        ).first()
        if exists is None:
            conn.execute(sa.insert(user_units_t).values(user_id=user_id, unit_id=unit_id))

    @guard("分配单位")
    def assign(self, user_id: int, unit: str, *, by: Caller | None = None) -> UserInfo:
        """Give the account a unit: a 填报人's own unit, or one an 评估组 member reads."""
        with self._db.write() as conn:
            self._assign(conn, user_id, unit, now())
        info = self.get(user_id)
        if by is not None:
            self.record(by, "分配单位", info.name, " ".join(unit.split()))
        return info

    @guard("取消分配单位")
    def unassign(self, user_id: int, unit: str, *, by: Caller | None = None) -> UserInfo:
        with self._db.write() as conn:
            unit_id = conn.execute(sa.select(units.c.id).where(units.c.name == unit)).scalar()
            conn.execute(
                sa.delete(user_units_t).where(
                    user_units_t.c.user_id == user_id, user_units_t.c.unit_id == unit_id
                )
            )
        info = self.get(user_id)
        if by is not None:
            self.record(by, "取消分配单位", info.name, unit)
        return info

    @guard("修改角色")
    def set_role(self, user_id: int, role: str, *, by: Caller | None = None) -> UserInfo:
        """A new role; written to the audit log with the old one."""
        role = accounts.check_role(role)
        before = self.get(user_id)
        if before.role == accounts.ADMIN and role != accounts.ADMIN:
            self._keep_an_admin(user_id)
        with self._db.write() as conn:
            conn.execute(sa.update(users_t).where(users_t.c.id == user_id).values(role=role))
            end_logins(conn, user_id)
        if by is not None:
            labels = accounts.ROLE_LABELS
            self.record(by, "修改角色", before.name, f"{labels[before.role]} → {labels[role]}")
        return self.get(user_id)

    @guard("停用账户")
    def set_disabled(self, user_id: int, disabled: bool, *, by: Caller | None = None) -> UserInfo:
        """Disable (the account can no longer log in) or enable an account again."""
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
        if by is not None:
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

    @guard("登录")
    def login(self, name: str, password: str, *, at: datetime | None = None) -> UserInfo:
        """The account for this name and password.

        Raises:
            AccountError: 「用户名或密码不正确」 (the same for an unknown name), or locked.
        """
        at = at or now()
        name = " ".join(str(name or "").split())
        error = "用户名或密码不正确"
        with self._db.write() as conn:  # the failure count is committed, then we raise
            row = self._row(conn, name) if name else None
            if row is None or row.disabled_at is not None:
                accounts.verify_password(_DUMMY_HASH, password)
                raise AccountError(error)
            if row.locked_until is not None and row.locked_until > at:
                minutes = int((row.locked_until - at).total_seconds() // 60) + 1
                raise AccountError(f"登录失败次数过多，账户已暂时锁定，请 {minutes} 分钟后再试")
            ok = accounts.verify_password(row.password_hash, password)
            failed = 0 if ok else row.failed_logins + 1
            locked = at + accounts.LOCKOUT if failed >= accounts.MAX_FAILED_LOGINS else None
            conn.execute(
                sa.update(users_t)
                .where(users_t.c.id == row.id)
                .values(failed_logins=0 if locked else failed, locked_until=locked)
            )
            info = _info(conn, row)
        if locked:
            minutes = int(accounts.LOCKOUT.total_seconds() // 60)
            raise AccountError(
                f"连续 {accounts.MAX_FAILED_LOGINS} 次密码错误，账户已锁定 {minutes} 分钟"
            )
        if not ok:
            raise AccountError(error)
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
        self, user_id: int, old: str, new: str, *, keep_login: int | None = None
    ) -> None:
        """A new password; ends the account's other logins (all but ``keep_login``)."""
        with self._db.write() as conn:
            row = conn.execute(sa.select(users_t).where(users_t.c.id == user_id)).first()
            if row is None or not accounts.verify_password(row.password_hash, old):
                raise AccountError("原密码不正确")
            if old == new:
                raise AccountError("新密码不能与原密码相同")
            accounts.check_password(new, row.name)
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

    @guard("重设密码")
    def reset_password(self, user_id: int, new: str) -> None:
        """An administrator's reset: the user must change it at the next login."""
        info = self.get(user_id)
        accounts.check_password(new, info.name)
        with self._db.write() as conn:
            conn.execute(
                sa.update(users_t)
                .where(users_t.c.id == user_id)
                .values(
                    password_hash=accounts.hash_password(new),
                    must_change=True,
                    failed_logins=0,
                    locked_until=None,
                    password_changed_at=now(),
                )
            )
            end_logins(conn, user_id)

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
    def audit_log(
        self,
        limit: int = 1000,
        *,
        actor: str = "",
        action: str = "",
        text: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first, optionally filtered: ``actor`` and
        ``action`` exactly, ``text`` anywhere in target or detail, ``since ≤ at < until``."""
        query = sa.select(audit_t)
        if actor:
            query = query.where(audit_t.c.actor == actor)
        if action:
            query = query.where(audit_t.c.action == action)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                audit_t.c.target.like(pattern, escape="\\")
                | audit_t.c.detail.like(pattern, escape="\\")
            )
        if since is not None:
            query = query.where(audit_t.c.at >= since)
        if until is not None:
            query = query.where(audit_t.c.at < until)
        with self._db.read() as conn:
            rows = conn.execute(query.order_by(audit_t.c.id.desc()).limit(limit)).all()
        return [AuditEntry(r.at, r.actor, r.action, r.target, r.detail, r.address) for r in rows]

    @guard("读取审计日志")
    def audit_actions(self) -> list[str]:
        with self._db.read() as conn:
            query = sa.select(audit_t.c.action).distinct().order_by(audit_t.c.action)
            return list(conn.execute(query).scalars())


AUDIT_HEADERS = ("时间", "账户", "操作", "对象", "详情", "地址")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv(entries: list[AuditEntry]) -> bytes:
    """The audit log as CSV (UTF-8 with BOM, Chinese headers, times in 北京时间)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_HEADERS)
    for e in entries:
        cells = (format_time(e.at), e.actor, e.action, e.target, e.detail, e.address)
        writer.writerow([_cell(str(c)) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
