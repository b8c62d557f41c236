"""Workshops (培训班) and their join codes (issue 13).

A 培训师 opens a workshop with a code, a name and an expiry. Trainees type the code and a
display name on the login page and get a practice-only `Caller` (role ``trainee``): no account
is created, so sixty people join without an administrator. What a trainee or trainer may see
is decided in `jiguan.store.scoped`; the workshop code is the practice profile key 培训班
(`jiguan.training.PROFILE_WORKSHOP`). A trainee with the same display name in the same
workshop is the same trainee (rejoining after the browser closed finds the practice again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from jiguan import accounts
from jiguan.accounts import TRAINEE, TRAINER, AccountError, Caller
from jiguan.limits import MAX_TRAINEE_NAME_CHARS, too_long
from jiguan.store.errors import guard
from jiguan.store.facade import Store
from jiguan.store.records import now
from jiguan.store.schema import users_t, workshops_t
from jiguan.store.users import Users

MAX_WORKSHOP_DAYS = 31
JOIN_REFUSED = "培训班代码不正确或培训班已结束"


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


def _row_info(row: sa.Row) -> WorkshopInfo:
    return WorkshopInfo(row.id, row.code, row.name, row.trainer, row.expires_at)


class Workshops:
    def __init__(self, store: Store) -> None:
        self._db = store._db
        self._users = Users(store)

    def _select(self) -> sa.Select:
        return sa.select(workshops_t, users_t.c.name.label("trainer")).join(
            users_t, users_t.c.id == workshops_t.c.trainer_id
        )

    @guard("新建培训班")
    def open(self, trainer: Caller, code: str, name: str, expires_at: datetime) -> WorkshopInfo:
        """A workshop of ``trainer`` (a 培训师, or the administrator for themselves).

        Raises:
            AccountError: a Chinese message for a bad code, name or expiry, or a taken code.
        """
        if trainer.role not in (TRAINER, accounts.ADMIN) or trainer.user_id is None:
            raise AccountError("只有培训师可以新建培训班")
        code = _checked(code, "培训班代码")
        if len(code) < 4:
            raise AccountError("培训班代码至少 4 个字符")
        name = _checked(name, "培训班名称")
        at = now()
        if expires_at <= at:
            raise AccountError("结束时间须晚于现在")
        if expires_at - at > timedelta(days=MAX_WORKSHOP_DAYS):
            raise AccountError(f"培训班最长 {MAX_WORKSHOP_DAYS} 天")
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
        info = self.get(code)
        if not trainer.all_powerful and info.code not in self.codes_of(trainer.user_id):
            raise AccountError(JOIN_REFUSED)
        with self._db.write() as conn:
            conn.execute(
                sa.update(workshops_t).where(workshops_t.c.code == code).values(expires_at=now())
            )
        self._users.record(trainer, "结束培训班", code)

    def join(self, code: str, display_name: str, address: str = "") -> Caller:
        """The practice-only identity for a trainee; audited.

        Raises:
            AccountError: 「培训班代码不正确或培训班已结束」, or a bad display name.
        """
        code = " ".join(str(code or "").split())
        name = _checked(display_name, "姓名")
        if problem := too_long("姓名", name, MAX_TRAINEE_NAME_CHARS):  # 「练习 · 姓名」 must fit
            raise AccountError(problem)
        who = Caller(name, TRAINEE, None, address, code)
        if not code or not self.is_active(code):
            self._users.record(who, "加入培训班失败", code[:100], JOIN_REFUSED)
            raise AccountError(JOIN_REFUSED)
        self._users.record(who, "加入培训班", code)
        return who
