"""Workshops (培训班) and their join codes (issue 13).

A 培训师 opens a workshop with a code, a name and an expiry. Trainees type the code and a
display name on the login page and get a practice-only `Caller` (role ``trainee``): no account
is created, so sixty people join without an administrator. What a trainee or trainer may see
is decided in `jiguan.store.scoped`; the workshop code is the practice profile key 培训班
(`jiguan.training.PROFILE_WORKSHOP`). A trainee with the same display name in the same
workshop is the same trainee (rejoining after the browser closed finds the practice again).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from jiguan import accounts
from jiguan.accounts import TRAINEE, TRAINER, AccountError, Caller
from jiguan.limits import MAX_TRAINEE_NAME_CHARS, too_long
from jiguan.profile import PROFILE_WORKSHOP
from jiguan.store import throttle
from jiguan.store.engine import Database
from jiguan.store.errors import AccessDenied, guard
from jiguan.store.records import AssessmentInfo, now
from jiguan.store.schema import audit_t, users_t, workshops_t
from jiguan.store.users import Users

MAX_WORKSHOP_DAYS = 31
JOIN_REFUSED = "培训班代码不正确或培训班已结束"
# Generated codes: 9 characters of 31 (no 0/O, 1/I/L) in three groups, 44.6 bits: typed by a
# room of trainees from a projector, yet not guessed at the join form's throttled rate.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_CHARS = 3, 3
# Joins from one address (a classroom may share one): the first 20 failures are free.
JOIN = throttle.Policy(free=20, cap=timedelta(minutes=5), shared=True)
_SEPARATORS = re.compile(r"[\s\-－—_·.]+")


def new_code() -> str:
    """A fresh join code, e.g. ``K7M-Q2X-9HT``."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_CHARS))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def generated_form(typed: str) -> str | None:
    """A typed code as `new_code` writes it, if it can be one: any case, spaces or dashes."""
    bare = _SEPARATORS.sub("", typed).upper()
    if len(bare) != CODE_GROUPS * CODE_GROUP_CHARS or any(c not in CODE_ALPHABET for c in bare):
        return None
    n = CODE_GROUP_CHARS
    return "-".join(bare[i : i + n] for i in range(0, len(bare), n))


ENDED = "培训班已结束"
JOINED = "加入培训班"  # the audit action of a join: the workshop's record of names used


@dataclass(frozen=True, slots=True)
class WorkshopInfo:
    id: int
    code: str
    name: str
    trainer: str
    expires_at: datetime

    def active(self, at: datetime | None = None) -> bool:
        return (at or now()) < self.expires_at


def _checked(text: str, label: str) -> str:
    try:
        return accounts.check_name(text)
    except AccountError as exc:
        raise AccountError(str(exc).replace("用户名", label)) from None


def _check_expiry(expires_at: datetime, at: datetime) -> None:
    if expires_at <= at:
        raise AccountError("结束时间须晚于现在")
    if expires_at - at > timedelta(days=MAX_WORKSHOP_DAYS):
        raise AccountError(f"培训班最长 {MAX_WORKSHOP_DAYS} 天")


def _row_info(row: sa.Row[Any]) -> WorkshopInfo:
    return WorkshopInfo(row.id, row.code, row.name, row.trainer, row.expires_at)


class Workshops:
    """Workshops and their join codes (``store.workshops``)."""

    def __init__(
        self, db: Database, users: Users, assessments: Callable[[], list[AssessmentInfo]]
    ) -> None:
        self._db = db
        self._users = users
        self._throttle = throttle.Throttle(db)
        self._assessments = assessments  # every assessment, deleted too (the Store's)

    def _select(self) -> sa.Select[Any]:
        return sa.select(workshops_t, users_t.c.name.label("trainer")).join(
            users_t, users_t.c.id == workshops_t.c.trainer_id
        )

    def _trainer(self, caller: Caller) -> Caller:
        """The caller as their account is now, if a 培训师 or 管理员 (AccessDenied)."""
        if caller.user_id is None:  # a workshop belongs to an account
            raise AccessDenied("只有培训师可以新建或结束培训班")
        try:
            return self._users.authorise(caller, TRAINER, accounts.ADMIN)
        except AccessDenied:
            raise AccessDenied("只有培训师可以新建或结束培训班") from None

    @guard("新建培训班")
    def open(
        self, trainer: Caller, code: str | None, name: str, expires_at: datetime
    ) -> WorkshopInfo:
        """A workshop of ``trainer`` (a 培训师, or the administrator for themselves), with
        ``code`` or, when it is empty, a generated one (`new_code`; what the page does).

        Raises:
            AccessDenied: the caller is (no longer) a trainer or administrator.
            AccountError: a Chinese message for a bad code, name or expiry, or a taken code.
        """
        trainer = self._trainer(trainer)
        code = _checked(code, "培训班代码") if code and code.strip() else new_code()
        if len(code) < 4:
            raise AccountError("培训班代码至少 4 个字符")
        name = _checked(name, "培训班名称")
        at = now()
        _check_expiry(expires_at, at)
        with self._db.write() as conn:
            taken = conn.execute(
                sa.select(workshops_t.c.id).where(workshops_t.c.code == code)
            ).first()
            if taken is not None:
                raise AccountError(f"培训班代码「{code}」已被使用，请换一个")
            conn.execute(
                sa.insert(workshops_t).values(
                    code=code,
                    name=name,
                    trainer_id=trainer.user_id,
                    expires_at=expires_at,
                    created_at=at,
                )
            )
        self._users.record(trainer, "新建培训班", code, name)
        return self.get(code)

    @guard("读取培训班")
    def get(self, code: str) -> WorkshopInfo:
        with self._db.read() as conn:
            row = conn.execute(self._select().where(workshops_t.c.code == code)).first()
        if row is None:
            raise AccountError(JOIN_REFUSED)
        return _row_info(row)

    @guard("读取培训班")
    def list(self, trainer: Caller) -> list[WorkshopInfo]:
        """The trainer's own workshops (every workshop for the administrator), newest first."""
        query = self._select().order_by(workshops_t.c.id.desc())
        if not trainer.all_powerful:
            query = query.where(workshops_t.c.trainer_id == (trainer.user_id or -1))
        with self._db.read() as conn:
            return [_row_info(row) for row in conn.execute(query)]

    @guard("读取培训班")
    def codes_of(self, trainer_id: int | None) -> frozenset[str]:
        with self._db.read() as conn:
            query = sa.select(workshops_t.c.code).where(workshops_t.c.trainer_id == trainer_id)
            return frozenset(conn.execute(query).scalars())

    def is_active(self, code: str, at: datetime | None = None) -> bool:
        try:
            return self.get(code).active(at)
        except AccountError:
            return False

    @guard("结束培训班")
    def close(self, trainer: Caller, code: str) -> None:
        """End the workshop now: its trainees can no longer join or work."""
        self._own(trainer, code)
        self._set_expiry(code, now())
        self._users.record(trainer, "结束培训班", code)

    @guard("延长培训班")
    def extend(self, trainer: Caller, code: str, expires_at: datetime) -> WorkshopInfo:
        """Move the end of a workshop (open or ended: an ended one opens again) to a time
        after now, at most `MAX_WORKSHOP_DAYS` ahead."""
        self._own(trainer, code)
        _check_expiry(expires_at, now())
        self._set_expiry(code, expires_at)
        self._users.record(trainer, "延长培训班", code, expires_at.isoformat(timespec="minutes"))
        return self.get(code)

    @guard("删除培训班")
    def remove(self, trainer: Caller, code: str) -> None:
        """Forget an ended workshop whose practices have been cleared: its code is free again."""
        info = self._own(trainer, code)
        if info.active():
            raise AccountError("请先结束培训班，再删除")
        left = [a for a in self._assessments() if (a.profile or {}).get(PROFILE_WORKSHOP) == code]
        if left:
            raise AccountError(f"培训班「{code}」还有 {len(left)} 份练习，请先清除练习数据")
        with self._db.write() as conn:
            conn.execute(sa.delete(workshops_t).where(workshops_t.c.code == code))
        self._users.record(trainer, "删除培训班", code)

    def _own(self, trainer: Caller, code: str) -> WorkshopInfo:
        """The workshop, if ``trainer`` is (still) a trainer or the administrator and it is
        theirs (AccessDenied, AccountError)."""
        trainer = self._trainer(trainer)
        info = self.get(code)
        if not trainer.all_powerful and info.code not in self.codes_of(trainer.user_id):
            raise AccountError(JOIN_REFUSED)
        return info

    def _set_expiry(self, code: str, expires_at: datetime) -> None:
        with self._db.write() as conn:
            conn.execute(
                sa.update(workshops_t)
                .where(workshops_t.c.code == code)
                .values(expires_at=expires_at)
            )

    @guard("读取培训班")
    def joined(self, code: str) -> dict[str, datetime]:
        """Every name that joined this workshop since it was opened, with its latest join."""
        with self._db.read() as conn:
            opened = conn.execute(
                sa.select(workshops_t.c.created_at).where(workshops_t.c.code == code)
            ).scalar()
            if opened is None:
                return {}
            query = (
                sa.select(audit_t.c.actor, sa.func.max(audit_t.c.at))
                .where(
                    audit_t.c.action == JOINED,
                    audit_t.c.target == code[:200],
                    audit_t.c.at >= opened,
                )
                .group_by(audit_t.c.actor)
            )
            return {name: at for name, at in conn.execute(query)}

    def joined_before(self, code: str, display_name: str) -> bool:
        """Whether someone joined this workshop (since it was opened) under this name: a second
        person typing it would otherwise silently share the first one's practice."""
        return " ".join(str(display_name or "").split())[:100] in self.joined(code)

    def join(
        self, code: str, display_name: str, address: str = "", *, at: datetime | None = None
    ) -> Caller:
        """The practice-only identity for a trainee; audited. Wrong codes from one address
        are throttled (`JOIN`); a generated code may be typed in any case, with or without
        its dashes.

        Raises:
            AccountError: 「培训班代码不正确或培训班已结束」, a bad display name, or
                「尝试次数过多，请 N 秒后再试」.
        """
        code = " ".join(str(code or "").split())
        name = _checked(display_name, "姓名")
        if problem := too_long("姓名", name, MAX_TRAINEE_NAME_CHARS):  # 「练习 · 姓名」 must fit
            raise AccountError(problem)
        at = at or now()
        keys = [(f"join@{address}", JOIN)]
        wait = self._throttle.claim(keys, at)
        if wait:
            self._users.record(
                Caller(name, TRAINEE, None, address, code),
                "加入培训班失败",
                code[:100],
                throttle.wait_message(wait),
            )
            raise AccountError(throttle.wait_message(wait))
        if code and not self.is_active(code):
            code = generated_form(code) or code
        who = Caller(name, TRAINEE, None, address, code)
        if not code or not self.is_active(code):
            self._users.record(who, "加入培训班失败", code[:100], JOIN_REFUSED)
            raise AccountError(JOIN_REFUSED)
        self._throttle.forgive(keys, at)
        self._users.record(who, JOINED, code)
        return who
