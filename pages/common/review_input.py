"""The review pages' door to ``store.reviews``: loading the review and one path from a verdict
widget to the store, under the same rule as `pages.common.answers`: a callback writes only its own
widget's field(s), merged into the verdict this browser saw, with that verdict's version.

Verdicts are not journaled during a database outage (the journal holds the unit's answers); a
failed save says so next to the criterion and the widget shows what is saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from jiguan.limits import MAX_COUNT
from jiguan.review import Verdict, compare_review
from jiguan.scoring import PARTIAL
from jiguan.store import StoreError, StoreUnavailable, VerdictConflict
from pages.common import answers, state
from pages.common.session import session

ss = st.session_state
FIELDS = ("ans", "pts", "reason", "site")
TEXT = {"reason": "reason", "site": "site_note"}


def key(field: str, cid: str) -> str:
    """Widget keys: rv.ans.1.1, rv.pts.1.1, rv.reason.1.1, rv.site.1.1."""
    return f"rv.{field}.{cid}"


def forget(cid: str) -> None:
    for field in FIELDS:
        ss.pop(key(field, cid), None)


def load() -> None:
    """This browser's view of the review: loaded at every full run of a review page (two small
    queries); widgets of verdicts someone else changed are seeded again."""
    s = session()
    if s.aid is None:
        return
    store = state.get_store()
    if s.review_aid != s.aid:
        s.verdicts, s.review_notices = {}, {}
        for cid in state.get_rubric().criteria:
            forget(cid)
    try:
        s.review = store.reviews.get(s.aid)
        s.submitted = store.submissions.latest(s.aid)
        fresh = store.reviews.verdicts(s.aid)
    except StoreError as exc:
        s.review_msg = ("error", f"读取评审失败：{exc}")
        return
    for cid in set(fresh) | set(s.verdicts):
        old, new = s.verdicts.get(cid), fresh.get(cid)
        if (old.version if old else 0) != (new.version if new else 0):
            forget(cid)
    s.verdicts = fresh
    s.review_aid = s.aid


def verdict(cid: str) -> Verdict:
    saved = session().verdicts.get(cid)
    return saved.verdict if saved is not None else Verdict()


def claims() -> dict:
    """The unit's answers compared against: kept at finalising; while open, what the unit
    submitted (提交自评), or its live answers when it has not submitted."""
    s = session()
    if s.review is not None and s.review.final and s.review.claims is not None:
        return s.review.claims
    if s.submitted is not None:
        return s.submitted.answers
    return s.answers


def comparison():
    s = session()
    return compare_review(
        state.get_rubric(), claims(), {cid: v.verdict for cid, v in s.verdicts.items()}
    )


def seed(cid: str) -> None:
    criterion = state.get_rubric().criteria[cid]
    v = verdict(cid)
    ans: int | str | None
    if criterion.kind == "count":
        ans = v.value if isinstance(v.value, int) else None
    else:
        ans = v.value if v.value in answers.CHECK_LABELS else answers.UNANSWERED
    values = {"ans": ans, "pts": v.points, "reason": v.reason, "site": v.site_note}
    for field, value in values.items():
        if key(field, cid) not in ss:
            ss[key(field, cid)] = value


def _fields(cid: str, field: str, raw: Any) -> dict[str, Any] | None:
    """What one widget's new value sets on the verdict; None when it is no user's value."""
    criterion = state.get_rubric().criteria[cid]
    if field in TEXT:
        return {TEXT[field]: raw or ""}
    if criterion.kind == "count":
        return {"value": None if raw is None else min(int(raw), MAX_COUNT), "points": None}
    if field == "pts":
        return None if raw is None else {"value": PARTIAL, "points": float(raw)}
    if raw is None:
        return None
    if raw == answers.UNANSWERED:
        return {"value": None, "points": None}
    if raw == PARTIAL:
        options = answers.partial_options(criterion)
        if len(options) == 1:
            return {"value": PARTIAL, "points": options[0]}
        seen = verdict(cid)
        if seen.value == PARTIAL and seen.points is not None:
            return {"value": PARTIAL, "points": seen.points}
        return None  # 待填写分值
    return {"value": raw, "points": None}


def on_change(cid: str, field: str) -> None:
    """Callback of every verdict widget: save this one widget's change."""
    s = session()
    fields = _fields(cid, field, ss.get(key(field, cid)))
    if fields is None or s.aid is None:
        if not (field == "ans" and ss.get(key(field, cid)) == PARTIAL):
            ss.pop(key(field, cid), None)
        return
    seen = s.verdicts.get(cid)
    base = seen.verdict if seen is not None else Verdict()
    new = replace(base, **fields)
    if new == base:
        return
    s.review_notices.pop(cid, None)
    try:
        saved = state.get_store().reviews.save_verdict(
            s.aid, cid, new, expected_version=seen.version if seen else 0, user=state.who()
        )
    except VerdictConflict as exc:
        current = exc.current
        if current is not None and current.version:
            s.verdicts[cid] = current
        else:
            s.verdicts.pop(cid, None)
        forget(cid)
        s.review_notices[cid] = f"评分项 {cid}：{exc}，请查看后重新填写。"
        return
    except StoreUnavailable as exc:
        state.saving().outage.fail()
        s.review_notices[cid] = f"未能保存（数据库暂时不可用：{exc}），请稍后重试。"
        forget(cid)
        return
    except StoreError as exc:
        s.review_notices[cid] = f"未能保存：{exc}"
        forget(cid)
        return
    if saved.version:
        s.verdicts[cid] = saved
    else:
        s.verdicts.pop(cid, None)


def act(action, failed: str, done: str = "") -> None:
    """A review-level action (adopt, finalise, reopen, import) through `state.attempt`; its
    message is shown on the review page."""
    s = session()
    s.home_msg = None
    result = state.attempt(action, failed)
    s.review_msg = s.home_msg or (("success", done.format(result=result)) if done else None)
    s.home_msg = None
    s.review_aid = None  # reload everything, widgets too
