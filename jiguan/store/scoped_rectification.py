"""整改台账 for a caller: ``ScopedStore(...).rectification``. Who may do what is decided by the
`ScopedStore` it is given (`can_read`, `can_write`, `can_review`); see `jiguan.store.scoped`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jiguan.accounts import REVIEWER
from jiguan.profile import PROFILE_SAMPLE
from jiguan.rectification import (
    FINISHED,
    IN_PROGRESS,
    VERIFIED,
    RectificationFile,
    RectificationItem,
)
from jiguan.store.errors import AccessDenied, StoreError
from jiguan.store.records import AssessmentInfo
from jiguan.store.rectification import SyncResult
from jiguan.store.scope import Scope


class ScopedRectification:
    """`Store.rectification` for a caller: anyone who may read the assessment reads its 整改台账;
    the unit's own accounts fill the items (never 已核验); the 评估组 assigned to the unit sets
    已核验 or takes it back (核验不通过 → 整改中) and changes nothing else; the administrator
    does both. Practices have no 整改台账. Each 核验 is audited."""

    def __init__(self, scoped: Scope) -> None:
        self._scoped = scoped
        self._store = scoped._store.rectification

    def _info(self, aid: int) -> AssessmentInfo:
        info = self._scoped._read(aid)
        if info.profile.get(PROFILE_SAMPLE):
            raise StoreError("培训练习没有整改台账")
        return info

    def items(self, aid: int) -> list[RectificationItem]:
        self._info(aid)
        return self._store.items(aid)

    def sync(self, aid: int, *, user: str) -> SyncResult:
        """Items follow the scores; done for those who write or review the assessment (for
        anyone else who may read it, nothing is written)."""
        info = self._info(aid)
        if not (self._scoped.can_write(info) or self._scoped.can_review(info)):
            return SyncResult()
        self._scoped._check_caller()
        return self._store.sync(aid, user=self._scoped.caller.name)

    def update(
        self,
        item_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int,
        user: str,
        base: Mapping[str, Any] | None = None,
        confirm_past_due: bool = False,
    ) -> RectificationItem:
        aid = self._store.assessment_of(item_id)
        if aid is None:
            raise AccessDenied()
        info = self._info(aid)
        caller = self._scoped.caller
        reviewer = self._scoped.can_review(info)
        before = self._store.get(item_id)
        if not caller.all_powerful:
            if caller.role == REVIEWER:
                if not reviewer:
                    raise AccessDenied("无权核验：只有分配到该单位的评估组成员可以核验整改事项")
                # 核验不通过 sends back only what the unit finished (已完成 / 已核验 → 整改中)
                verdict = changes.get("status") == VERIFIED or (
                    changes.get("status") == IN_PROGRESS and before.status in FINISHED
                )
                if set(changes) != {"status"} or not verdict:
                    raise AccessDenied(
                        "评估组只核验整改事项（已核验 / 核验不通过），整改内容由单位填写"
                    )
            elif not self._scoped.can_write(info):
                raise AccessDenied("无权修改这份整改台账（只读）")
        self._scoped._check_caller()
        done = self._store.update(
            item_id,
            changes,
            expected_version=expected_version,
            user=caller.name,
            base=base,
            confirm_past_due=confirm_past_due,
            reviewer=reviewer,
        )
        if done.status != before.status and VERIFIED in (done.status, before.status):
            action = "核验整改事项" if done.status == VERIFIED else "取消整改核验"
            self._scoped._audit(action, info, f"指标 {done.indicator_id}")
        return done

    # 完成佐证文件: read by whoever reads the 整改台账; added and removed by the unit only.

    def _file_info(self, file_id: int) -> AssessmentInfo:
        aid = self._store.file_assessment(file_id)
        if aid is None:
            raise AccessDenied()
        return self._info(aid)

    def _unit_writes(self, info: AssessmentInfo) -> None:
        if self._scoped.caller.role == REVIEWER or not self._scoped.can_write(info):
            raise AccessDenied("无权修改这份整改台账（只读）：完成佐证文件由单位上传")
        self._scoped._check_caller()

    def add_file(
        self, item_id: int, filename: str | bytes, data: bytes, *, user: str
    ) -> RectificationFile:
        aid = self._store.assessment_of(item_id)
        if aid is None:
            raise AccessDenied()
        self._unit_writes(self._info(aid))
        return self._store.add_file(item_id, filename, data, user=self._scoped.caller.name)

    def get_file(self, file_id: int) -> RectificationFile:
        self._file_info(file_id)
        return self._store.get_file(file_id)

    def read_file(self, file_id: int) -> bytes:
        self._file_info(file_id)
        return self._store.read_file(file_id)

    def remove_file(self, file_id: int, *, user: str) -> None:
        self._unit_writes(self._file_info(file_id))
        self._store.remove_file(file_id, user=self._scoped.caller.name)
