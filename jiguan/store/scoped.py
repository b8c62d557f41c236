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
  (培训班 = their workshop, 学员 = their display name) while the workshop is open; a practice
  handed in (交卷时间 set) is read-only to them (the trainer may reopen it), and every write
  re-reads the practice and the workshop, so 交卷 and 结束培训班 take effect at once.

Deletes, restores, purges and imports are written to the audit log. A method this class does
not know (added to `Store` later) is refused to everyone but the administrator until it is
given a scope here. The parts built on it: ``.reviews`` and ``.submissions``
(`jiguan.store.scoped_review`), ``.rectification`` (`jiguan.store.scoped_rectification`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from jiguan.accounts import FILLER, LOCAL, REVIEWER, TRAINEE, TRAINER, Caller
from jiguan.profile import (
    PRACTICE_UNIT_PREFIX,
    PROFILE_SAMPLE,
    PROFILE_SUBMITTED,
    PROFILE_TRAINEE,
    PROFILE_WORKSHOP,
)
from jiguan.scoring import Answer
from jiguan.store.errors import DENIED as DENIED  # re-exported: the one refusal's words
from jiguan.store.errors import AccessDenied, NotFoundError, StoreError
from jiguan.store.facade import Store
from jiguan.store.overview import Sheets
from jiguan.store.records import (
    AssessmentInfo,
    EvidenceFile,
    HistoryEntry,
    SavedAnswer,
)
from jiguan.store.schema import files_t
from jiguan.store.scoped_rectification import ScopedRectification
from jiguan.store.scoped_review import ScopedReviews, ScopedSubmissions
from jiguan.store.users import Users
from jiguan.store.view import AssessmentView
from jiguan.store.workshops import ENDED

_PRACTICE_KEYS = (PROFILE_SAMPLE, PROFILE_WORKSHOP, PROFILE_TRAINEE)


def is_practice(profile: Mapping[str, str] | None) -> bool:
    return PROFILE_SAMPLE in (profile or {})


def _practice_keys(profile: Mapping[str, str] | None) -> tuple[str | None, ...]:
    return tuple((profile or {}).get(key) for key in _PRACTICE_KEYS)


_PLAIN_ATTRIBUTES = frozenset({"rubric", "url", "files_dir", "max_file_bytes", "op_timeout"})


HANDED_IN = "已交卷：练习不能再修改（如需修改，请培训教师重新开放）"
SAMPLE_EVIDENCE = "练习中不能修改示例单位的佐证材料：请按现有佐证评分"
SAMPLE_FILES = "练习中不能上传或删除示例单位的佐证文件"
WORKSHOP_ENDED = f"{ENDED}，不能再作答"


class ReadOnly(StoreError):
    """A write the caller could otherwise make, refused for now: a handed-in practice, an
    ended workshop. The message says why."""


class ScopedStore:
    def __init__(self, store: Store, caller: Caller, users: Users | None = None) -> None:
        self._store = store
        self._users = users or store.users
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
            target = getattr(self._store, name)
            if not callable(target):
                return target

            def checked(*args: Any, **kwargs: Any) -> Any:
                self._check_caller()
                return target(*args, **kwargs)

            return checked
        raise AccessDenied("无权进行此操作")

    # ---- the caller, as they are now ------------------------------------------------------

    def _check_caller(self) -> None:
        """Before every write (and every call an administrator makes unscoped): the account
        read again, so a role taken away or an account disabled while a page was open stops
        at once, not at the page's next login check; a trainee's workshop must still be open.
        A role without an account (a forged journal entry, say) is refused."""
        role = self.caller.role
        if role == LOCAL:
            return
        if role == TRAINEE:
            if not self._store.workshops.is_active(self.caller.workshop):
                raise AccessDenied("培训班已结束，不能再作答")
            return
        try:
            self._users.authorise(self.caller, role)
        except AccessDenied:
            raise AccessDenied("无权进行此操作：账户已停用或角色已变更，请重新登录") from None

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
            workshops = self._store.workshops
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
        return self.caller.role != REVIEWER and self.can_read(info) and not self.read_only(info)

    def read_only(self, info: AssessmentInfo) -> str:
        """Why the caller may read but not change ``info`` now ("" when nothing stops them):
        a trainee's practice once handed in, or once their workshop has ended."""
        if self.caller.role != TRAINEE:
            return ""
        if (info.profile or {}).get(PROFILE_SUBMITTED):
            return HANDED_IN
        if not self._store.workshops.is_active(self.caller.workshop):
            self._workshops = frozenset()
            return WORKSHOP_ENDED
        return ""

    def can_review(self, info: AssessmentInfo) -> bool:
        """The formal review: 评估组 members assigned to the unit (and the administrator)."""
        if self.caller.all_powerful:
            return True
        return self.caller.role == REVIEWER and info.unit_name in self._units()

    @property
    def reviews(self) -> ScopedReviews:
        return ScopedReviews(self)

    @property
    def submissions(self) -> ScopedSubmissions:
        return ScopedSubmissions(self)

    @property
    def rectification(self) -> ScopedRectification:
        return ScopedRectification(self)

    def rounds(self, aid: int) -> list[AssessmentInfo]:
        self._read(aid)
        return [info for info in self._store.rounds(aid) if self.can_read(info)]

    def _may_create(self, unit_name: str, profile: Mapping[str, str] | None) -> bool:
        """A practice only in a sample unit (【示例】…: for everyone) and of the caller's own
        workshop; any other assessment only in the caller's own unit (never a sample unit)."""
        unit = " ".join(unit_name.split())
        if is_practice(profile) and not unit.startswith(PRACTICE_UNIT_PREFIX):
            return False
        if self.caller.all_powerful:
            return True
        if is_practice(profile):
            return self._practice_of_mine(profile)
        in_unit = unit in self._units() and not unit.startswith(PRACTICE_UNIT_PREFIX)
        return self.caller.role in (FILLER, TRAINER) and in_unit

    def _read(self, aid: int, *, fresh: bool = True) -> AssessmentInfo:
        if not fresh and aid in self._in_scope:
            return self._in_scope[aid]
        try:
            info = self._store.get_assessment(aid)
        except NotFoundError:
            info = None
        return self._admit(aid, info)

    def _admit(self, aid: int, info: AssessmentInfo | None) -> AssessmentInfo:
        """``info`` as just read for ``aid`` (None: there is none), if the caller may read it;
        else AccessDenied, the same for a missing assessment as for another unit's."""
        if info is None or not self.can_read(info):
            self._in_scope.pop(aid, None)
            raise AccessDenied()
        self._in_scope[aid] = info
        return info

    def _write(self, aid: int, *, fresh: bool = True) -> AssessmentInfo:
        # A trainee's practice is read afresh: another tab may have handed it in.
        info = self._read(aid, fresh=fresh or self.caller.role == TRAINEE)
        if self.caller.role == REVIEWER or not self.can_read(info):
            raise AccessDenied("无权修改这份自评（只读）")
        self._check_caller()
        refusal = self.read_only(info)
        if refusal:
            raise ReadOnly(refusal)
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
        self._check_caller()
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
        if moved and not self.caller.all_powerful:
            raise AccessDenied("无权把自评改到其他单位名下：只有管理员可以更改承担单位")
        if moved and is_practice(info.profile):  # not even so: a practice stays a practice
            raise StoreError("示例练习不能改到其他单位名下")
        retagged = profile is not None and _practice_keys(profile) != _practice_keys(info.profile)
        if retagged and not self.caller.all_powerful:
            raise AccessDenied("无权更改练习的培训班、学员或示例单位")
        if (
            retagged
            and is_practice(profile)
            and not info.unit_name.startswith(PRACTICE_UNIT_PREFIX)
        ):
            raise StoreError(f"只有「{PRACTICE_UNIT_PREFIX}」开头的示例单位可以有练习")
        updated = self._store.update_assessment(
            aid, unit_name=unit_name, round_name=round_name, profile=profile
        )
        if moved:
            self._audit("移动自评", info, f"{info.unit_name} → {updated.unit_name}")
        return updated

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

    def view(self, aid: int) -> AssessmentView:
        """Read whole, then judged by the assessment it holds, as `_read` judges (nothing of it
        is returned to a caller who may not read the assessment)."""
        try:
            seen = self._store.view(aid)
        except NotFoundError:
            self._in_scope.pop(aid, None)
            raise AccessDenied() from None
        self._admit(aid, seen.info)
        return seen

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
        if self.caller.role == TRAINEE:  # they score the sample unit; its evidence is given
            saved = self._store.load_answers(aid).get(criterion_id)
            if (answer.evidence or "") != (saved.answer.evidence if saved else ""):
                raise ReadOnly(SAMPLE_EVIDENCE)
        return self._store.save_answer(
            aid, criterion_id, answer, expected_version=expected_version, user=self.caller.name
        )

    def replace_answers(self, aid: int, answers: Mapping[str, Answer], *, user: str) -> None:
        info = self._write(aid)
        self._store.replace_answers(aid, answers, user=self.caller.name)
        self._audit("导入答题表", info, f"{len(answers)} 项")

    def sheets(self, aids: Sequence[int]) -> dict[int, Sheets]:
        """Only the assessments this caller may read (others are left out, not refused)."""
        readable = {a.id for a in self.list_assessments(include_deleted=True)}
        return self._store.sheets([aid for aid in aids if aid in readable])

    def history(self, aid: int, criterion_id: str | None = None) -> list[HistoryEntry]:
        self._read(aid, fresh=False)
        return self._store.history(aid, criterion_id)

    def add_file(
        self, aid: int, criterion_id: str, filename: str | bytes, data: bytes, *, user: str
    ) -> EvidenceFile:
        self._write(aid, fresh=False)
        if self.caller.role == TRAINEE:
            raise ReadOnly(SAMPLE_FILES)
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
        if self.caller.role == TRAINEE:
            raise ReadOnly(SAMPLE_FILES)
        self._store.remove_file(file_id, user=self.caller.name)
