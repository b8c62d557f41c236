"""`ScopedStore(store, caller)`: the `Store` methods, each limited to what the caller may see.

In 共享模式 pages get this instead of the `Store` (pages/state.get_store). An assessment outside
the caller's scope and one that does not exist give the same `AccessDenied` 「无权访问」, so an
id guessed or typed into ``?a=`` reveals nothing, not even existence. Scope by role
(`jiguan.accounts`):

* 管理员 / 单机模式's local user: everything;
* 填报人: the assessments of their unit (``user_units``), read and write; purge is the
  administrator's;
* 评估组: the assessments of the units assigned to them, read only;
* 培训师: the practice assessments (profile key 练习样例) of their own workshops (profile key
  培训班 = a code of `jiguan.store.workshops`), and their assigned units; may purge those
  practices (a workshop's reset);
* 学员 (``trainee``, no account: joined with a workshop code): their own practice assessments
  (培训班 = their workshop, 学员 = their display name) while the workshop is open.

Deletes, restores, purges and imports are written to the audit log. A method this class does
not know (added to `Store` later) is refused to everyone but the administrator until it is
given a scope here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from jiguan.accounts import FILLER, REVIEWER, TRAINEE, TRAINER, Caller
from jiguan.scoring import Answer
from jiguan.store.errors import NotFoundError, StoreError
from jiguan.store.facade import Store
from jiguan.store.records import AssessmentInfo, EvidenceFile, HistoryEntry, SavedAnswer
from jiguan.store.schema import files_t
from jiguan.store.users import Users
from jiguan.store.workshops import Workshops
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP

DENIED = "无权访问：没有这份自评，或它不在您的账户可见范围内"
_PLAIN_ATTRIBUTES = frozenset({"rubric", "url", "files_dir", "max_file_bytes", "op_timeout"})


class AccessDenied(NotFoundError):
    """Out of scope or not there: the caller cannot tell which."""

    def __init__(self, message: str = DENIED) -> None:
        super().__init__(message)


class ScopedStore:
    def __init__(self, store: Store, caller: Caller, users: Users | None = None) -> None:
        self._store = store
        self._users = users or Users(store)
        self.caller = caller
        self._unit_names: frozenset[str] | None = None
        self._workshops: frozenset[str] | None = None
        # Assessments found in scope, for the reads and writes of answers and files that follow
        # (a page load makes several): like the units, kept as long as this object, which pages
        # rebuild at every login check. Lifecycle changes and get_assessment read afresh.
        self._in_scope: dict[int, AssessmentInfo] = {}

    def __getattr__(self, name: str) -> Any:
        if name in _PLAIN_ATTRIBUTES:
            return getattr(self._store, name)
        if self.caller.all_powerful and not name.startswith("_"):
            return getattr(self._store, name)
        raise AccessDenied("无权进行此操作")

    # ---- scope ----------------------------------------------------------------------------

    def _units(self) -> frozenset[str]:
        if self._unit_names is None:
            if self.caller.user_id is None:
                self._unit_names = frozenset()
            else:
                self._unit_names = frozenset(self._users.get(self.caller.user_id).units)
        return self._unit_names

    def _workshop_codes(self) -> frozenset[str]:
        """A trainer's own workshop codes; a trainee's one code while the workshop is open."""
        if self._workshops is None:
            workshops = Workshops(self._store)
            if self.caller.role == TRAINER:
                self._workshops = workshops.codes_of(self.caller.user_id)
            elif self.caller.role == TRAINEE and workshops.is_active(self.caller.workshop):
                self._workshops = frozenset({self.caller.workshop})
            else:
                self._workshops = frozenset()
        return self._workshops

    def _practice_of_mine(self, profile: Mapping[str, str] | None) -> bool:
        profile = profile or {}
        if PROFILE_SAMPLE not in profile or self.caller.role not in (TRAINER, TRAINEE):
            return False
        if profile.get(PROFILE_WORKSHOP, "") not in self._workshop_codes():
            return False
        return self.caller.role == TRAINER or profile.get(PROFILE_TRAINEE) == self.caller.name

    def can_read(self, info: AssessmentInfo) -> bool:
        if self.caller.all_powerful:
            return True
        if self._practice_of_mine(info.profile):
            return True
        return self.caller.role in (FILLER, REVIEWER, TRAINER) and info.unit_name in self._units()

    def can_write(self, info: AssessmentInfo) -> bool:
        return self.caller.role != REVIEWER and self.can_read(info)

    def can_review(self, info: AssessmentInfo) -> bool:
        """The formal review: 评估组 members assigned to the unit (and the administrator)."""
        if self.caller.all_powerful:
            return True
        return self.caller.role == REVIEWER and info.unit_name in self._units()

    @property
    def reviews(self) -> ScopedReviews:
        return ScopedReviews(self)

    def rounds(self, aid: int) -> list[AssessmentInfo]:
        self._read(aid)
        return [info for info in self._store.rounds(aid) if self.can_read(info)]

    def _may_create(self, unit_name: str, profile: Mapping[str, str] | None) -> bool:
        if self.caller.all_powerful or self._practice_of_mine(profile):
            return True
        in_unit = " ".join(unit_name.split()) in self._units()
        return self.caller.role in (FILLER, TRAINER) and in_unit

    def _read(self, aid: int, *, fresh: bool = True) -> AssessmentInfo:
        if not fresh and aid in self._in_scope:
            return self._in_scope[aid]
        try:
            info = self._store.get_assessment(aid)
        except NotFoundError:
            self._in_scope.pop(aid, None)
            raise AccessDenied() from None
        if not self.can_read(info):
            self._in_scope.pop(aid, None)
            raise AccessDenied()
        self._in_scope[aid] = info
        return info

    def _write(self, aid: int, *, fresh: bool = True) -> AssessmentInfo:
        info = self._read(aid, fresh=fresh)
        if not self.can_write(info):
            raise AccessDenied("无权修改这份自评（只读）")
        return info

    def _file_assessment(self, file_id: int) -> int:
        with self._store._db.read() as conn:
            aid = conn.execute(
                sa.select(files_t.c.assessment_id).where(files_t.c.id == file_id)
            ).scalar()
        if aid is None:
            raise AccessDenied()
        return int(aid)

    def _audit(self, action: str, info: AssessmentInfo, detail: str = "") -> None:
        self._users.record(self.caller, action, info.audit_name, detail)

    # ---- the Store's methods, scoped ------------------------------------------------------

    def schema_revision(self) -> str | None:
        return self._store.schema_revision()

    def own_units(self) -> tuple[str, ...]:
        """The units this account belongs to or is assigned (a 填报人's new assessments)."""
        return tuple(sorted(self._units()))

    def list_assessments(self, include_deleted: bool = False) -> list[AssessmentInfo]:
        return [a for a in self._store.list_assessments(include_deleted) if self.can_read(a)]

    def get_assessment(self, aid: int) -> AssessmentInfo:
        return self._read(aid)

    def create_assessment(
        self, unit_name: str, round_name: str, *, profile: Mapping[str, str] | None = None
    ) -> AssessmentInfo:
        if not isinstance(unit_name, str) or not self._may_create(unit_name, profile):
            mine = "、".join(sorted(self._units())) or "（未分配单位，请联系管理员）"
            raise AccessDenied(f"无权为这个单位新建自评：只能为本账户所属单位新建（{mine}）")
        return self._store.create_assessment(unit_name, round_name, profile=profile)

    def update_assessment(
        self,
        aid: int,
        *,
        unit_name: str | None = None,
        round_name: str | None = None,
        profile: Mapping[str, str] | None = None,
    ) -> AssessmentInfo:
        info = self._write(aid)
        moved = unit_name is not None and " ".join(unit_name.split()) != info.unit_name
        if moved and not self._may_create(unit_name, info.profile):
            raise AccessDenied("无权把自评改到其他单位名下")
        if profile is not None and not self._may_create(unit_name or info.unit_name, profile):
            raise AccessDenied("无权把自评改到其他单位或培训班名下")
        return self._store.update_assessment(
            aid, unit_name=unit_name, round_name=round_name, profile=profile
        )

    def duplicate_assessment(self, aid: int, round_name: str, *, user: str = "") -> AssessmentInfo:
        self._write(aid)
        return self._store.duplicate_assessment(aid, round_name, user=self.caller.name)

    def delete_assessment(self, aid: int) -> None:
        info = self._write(aid)
        self._store.delete_assessment(aid)
        self._audit("删除自评", info)

    def restore_assessment(self, aid: int) -> AssessmentInfo:
        info = self._write(aid)
        restored = self._store.restore_assessment(aid)
        self._audit("恢复自评", info)
        return restored

    def purge_assessment(self, aid: int) -> None:
        info = self._write(aid)
        workshop_reset = self.caller.role == TRAINER and self._practice_of_mine(info.profile)
        if not (self.caller.all_powerful or workshop_reset):
            raise StoreError("彻底清除只能由管理员进行")
        self._store.purge_assessment(aid)
        self._audit("彻底清除自评", info)

    def load_answers(self, aid: int) -> dict[str, SavedAnswer]:
        self._read(aid, fresh=False)
        return self._store.load_answers(aid)

    def answers(self, aid: int) -> dict[str, Answer]:
        self._read(aid, fresh=False)
        return self._store.answers(aid)

    def save_answer(
        self, aid: int, criterion_id: str, answer: Answer, *, expected_version: int, user: str
    ) -> SavedAnswer:
        self._write(aid, fresh=False)
        return self._store.save_answer(
            aid, criterion_id, answer, expected_version=expected_version, user=self.caller.name
        )

    def replace_answers(self, aid: int, answers: Mapping[str, Answer], *, user: str) -> None:
        info = self._write(aid)
        self._store.replace_answers(aid, answers, user=self.caller.name)
        self._audit("导入答题表", info, f"{len(answers)} 项")

    def history(self, aid: int, criterion_id: str | None = None) -> list[HistoryEntry]:
        self._read(aid, fresh=False)
        return self._store.history(aid, criterion_id)

    def add_file(
        self, aid: int, criterion_id: str, filename: str | bytes, data: bytes, *, user: str
    ) -> EvidenceFile:
        self._write(aid, fresh=False)
        return self._store.add_file(aid, criterion_id, filename, data, user=self.caller.name)

    def list_files(
        self, aid: int, criterion_id: str | None = None, *, include_removed: bool = False
    ) -> list[EvidenceFile]:
        self._read(aid, fresh=False)
        return self._store.list_files(aid, criterion_id, include_removed=include_removed)

    def get_file(self, file_id: int) -> EvidenceFile:
        self._read(self._file_assessment(file_id))
        return self._store.get_file(file_id)

    def read_file(self, file_id: int) -> bytes:
        self._read(self._file_assessment(file_id))
        return self._store.read_file(file_id)

    def remove_file(self, file_id: int, *, user: str) -> None:
        self._write(self._file_assessment(file_id))
        self._store.remove_file(file_id, user=self.caller.name)


class ScopedReviews:
    """`Store.reviews` for a caller: anyone who may read the assessment reads its review; only
    those who `can_review` it write (the unit's own accounts never change the panel's verdicts)."""

    _READS = frozenset({"get", "verdicts", "history"})
    _WRITES = frozenset(
        {
            "start",
            "update_details",
            "save_verdict",
            "adopt_claims",
            "replace_verdicts",
            "finalise",
            "reopen",
        }
    )

    def __init__(self, scoped: ScopedStore) -> None:
        self._scoped = scoped

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._scoped._store.reviews, name)
        if name not in self._READS | self._WRITES:
            raise AccessDenied("无权进行此操作")

        def call(aid: int, *args: Any, **kwargs: Any) -> Any:
            info = self._scoped._read(aid)
            if name in self._WRITES and not self._scoped.can_review(info):
                raise AccessDenied("无权评审这份自评：只有分配到该单位的评估组成员可以评审")
            return target(aid, *args, **kwargs)

        return call
