"""The review cycle for a caller: ``ScopedStore(...).submissions`` (the unit submits) and
``.reviews`` (the assigned 评估组 reviews and returns). Who may do what is decided by the
`ScopedStore` it is given (`can_read`, `can_review`); see `jiguan.store.scoped`."""

from __future__ import annotations

from typing import Any

from jiguan.profile import PROFILE_SAMPLE
from jiguan.store.errors import AccessDenied
from jiguan.store.scope import Scope
from jiguan.store.submissions import SubmissionInfo


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

    def __init__(self, scoped: Scope) -> None:
        self._scoped = scoped

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._scoped._store.reviews, name)
        if name not in self._READS | self._WRITES:
            raise AccessDenied("无权进行此操作")

        def call(aid: int, *args: Any, **kwargs: Any) -> Any:
            info = self._scoped._read(aid)
            if name in self._WRITES:
                if not self._scoped.can_review(info):
                    raise AccessDenied("无权评审这份自评：只有分配到该单位的评估组成员可以评审")
                self._scoped._check_caller()
            return target(aid, *args, **kwargs)

        return call


class ScopedSubmissions:
    """`Store.submissions` for a caller: anyone who may read the assessment reads its
    submissions; the unit's own accounts submit (never a practice); the 评估组 assigned to the
    unit (and the administrator) return it for changes. Each submission and return is audited."""

    def __init__(self, scoped: Scope) -> None:
        self._scoped = scoped
        self._store = scoped._store.submissions

    def latest(self, aid: int) -> SubmissionInfo | None:
        self._scoped._read(aid)
        return self._store.latest(aid)

    def history(self, aid: int) -> list[SubmissionInfo]:
        self._scoped._read(aid)
        return self._store.history(aid)

    def submit(self, aid: int, **kwargs: Any) -> SubmissionInfo:
        info = self._scoped._write(aid)
        if info.profile.get(PROFILE_SAMPLE) and not self._scoped.caller.all_powerful:
            raise AccessDenied("培训练习不需要提交")
        done = self._store.submit(aid, **kwargs)
        action = "提交自评" if done.number == 1 else "重新提交自评"
        self._scoped._audit(action, info, f"第 {done.number} 次，内容摘要 {done.content_hash[:16]}")
        return done

    def give_back(self, aid: int, **kwargs: Any) -> SubmissionInfo:
        info = self._scoped._read(aid)
        if not self._scoped.can_review(info):
            raise AccessDenied("无权退回：只有分配到该单位的评估组成员可以退回修改")
        self._scoped._check_caller()  # disabled or demoted while the page was open
        done = self._store.give_back(aid, **kwargs)
        self._scoped._audit("退回修改", info, done.return_reason or "")
        return done
