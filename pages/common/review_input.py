"""The review pages' door to ``store.reviews``: loading the review, the unit's claims it is
compared against, and review-level actions. A verdict widget saves through the one edit path,
`pages.common.answers.VERDICTS` (the same rule, merge, conflicts and outage journal as answers).
"""

from __future__ import annotations

import streamlit as st

from jiguan.review import Verdict, compare_review
from jiguan.store import StoreError, StoreUnavailable
from pages.common import routes, state
from pages.common.answers import VERDICTS
from pages.common.session import session

ss = st.session_state
REVIEW_URL = routes.REVIEW_URL  # 评审录入


def load() -> None:
    """This browser's view of the review: loaded at every full run of a review page (two small
    queries); click controls of verdicts someone else changed are seeded again, and who
    changed them is said (as for answers)."""
    s = session()
    if s.aid is None:
        return
    store = state.get_store()
    fresh_review = s.review_aid != s.aid
    if fresh_review:
        s.verdicts = {}
        for cid in state.get_rubric().criteria:
            VERDICTS.reseed(cid)
    try:
        s.review = store.reviews.get(s.aid)
        s.submitted = store.submissions.latest(s.aid)
        fresh = store.reviews.verdicts(s.aid)
    except StoreUnavailable as exc:
        state.saving().outage.fail()
        s.review_msg = ("error", f"读取评审失败：{exc}")
        return
    except StoreError as exc:
        s.review_msg = ("error", f"读取评审失败：{exc}")
        return
    if s.journaled and any(slot.startswith("rv.") for slot in s.journaled):
        s.review_aid = s.aid
        return  # keep showing the journaled verdicts until they are saved
    changed = [
        cid
        for cid in set(fresh) | set(s.verdicts)
        if (s.verdicts[cid].version if cid in s.verdicts else 0)
        != (fresh[cid].version if cid in fresh else 0)
    ]
    s.verdicts = fresh
    s.review_aid = s.aid
    if not fresh_review:
        VERDICTS.take_remote(changed)


def changed_since_loaded() -> bool:
    """For the sidebar's poll: has the review moved since this browser loaded it?"""
    s = session()
    if s.shown_page != REVIEW_URL or s.aid is None or s.review_aid != s.aid or s.review is None:
        return False
    current = state.get_store().reviews.get(s.aid)
    return current is not None and current.updated_at != s.review.updated_at


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


def act(action, failed: str, done: str = "") -> None:
    """A review-level action (adopt, finalise, reopen, import) through `state.attempt`; its
    message is shown on the review page."""
    s = session()
    s.home_msg = None
    result = state.attempt(action, failed)
    s.review_msg = s.home_msg or (("success", done.format(result=result)) if done else None)
    s.home_msg = None
    s.review_aid = None  # reload everything, widgets too
