"""The pages' one door to jiguan.store: cached resources, the open assessment, syncing.

This browser's view of the assessment (``Session.answers`` / ``versions`` / ``files``) is
loaded here and refreshed at the top of every full run when the assessment's ``updated_at``
moved (one query when nothing changed). Edits go the other way through `pages.common.answers`,
which saves through `jiguan.journal.save_change` and keeps the view in step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import streamlit as st

from jiguan import runtime
from jiguan.accounts import TRAINEE
from jiguan.limits import parse_id
from jiguan.rubric import Rubric
from jiguan.runtime import Held
from jiguan.scoring import Answer, Result, score
from jiguan.store import (
    AssessmentInfo,
    EvidenceFile,
    NotFoundError,
    Store,
    StoreContract,
    StoreError,
    StoreUnavailable,
)
from pages.common import access, routes
from pages.common.session import PREFIX, Session, session

log = logging.getLogger(__name__)
T = TypeVar("T")
ANONYMOUS = "未署名"


# ---------------------------------------------------------------------------------------------
# Process-wide resources: held by jiguan.runtime, shared with the server's lifespan


def get_rubric() -> Rubric:
    """The rubric, loaded once per process (raises RubricError)."""
    return runtime.rubric()


def base_store() -> Store:
    """The store for the configured database, migrated on first use (raises StoreError)."""
    return runtime.store()


def get_store() -> StoreContract:
    """The store pages use: in 共享模式 the signed-in account's `ScopedStore` (see
    pages/common/access.py), else the `Store` itself."""
    return access.scoped(base_store())


def open_id() -> int:
    """The open assessment's id, for code that runs only once a page has one (see
    `ui.require_assessment`; its widgets' callbacks)."""
    aid = session().aid
    if aid is None:
        raise StoreError("没有打开的自评：请回到首页选择一份自评")
    return aid


def may_write(info: AssessmentInfo | None) -> bool:
    """May this browser's user change the unit's answers of ``info`` now? As the store's scope
    says (the 评估组 reads only), and not while a submission stands (提交自评) nor on a
    handed-in practice or in an ended workshop (`read_only`). In 单机模式 scope allows all."""
    if info is None or not get_store().can_write(info) or read_only(info):
        return False
    sub = session().submitted
    return not (sub is not None and sub.standing and sub.assessment_id == info.id)


def may_review(info: AssessmentInfo) -> bool:
    """May this browser's user enter the formal review of ``info``? In 单机模式 anyone may; in
    共享模式 only 评估组 members assigned to the unit (the store enforces it too)."""
    return get_store().can_review(info)


def read_only(info: object) -> str:
    """Why this browser's user may read but not change ``info`` now ("" when they may): the
    store's own verdict (a handed-in practice, an ended workshop)."""
    check = getattr(get_store(), "read_only", None)
    return check(info) if check is not None and info is not None else ""


def saving() -> Held:
    """The journal, its replayer and the outage flag for the configured database."""
    return runtime.held()


# ---------------------------------------------------------------------------------------------
# The open assessment


def who() -> str:
    if access.shared():
        return access.caller().name
    return session().user.strip() or ANONYMOUS


def result() -> Result:
    """The score of this browser's answers, kept until the answers change."""
    s = session()
    key = tuple(s.answers.items())
    if s.scored is not None and s.scored[0] == key:
        return s.scored[1]
    scored = score(get_rubric(), s.answers)
    s.scored = (key, scored)
    return scored


def select_assessment(aid: int | None) -> None:
    s = session()
    s.aid = aid
    s.loaded_aid = None
    s.gone = ""
    if aid is not None:
        st.query_params["a"] = str(aid)
    elif "a" in st.query_params:
        del st.query_params["a"]


def link_params() -> dict[str, str]:
    """Query parameters every in-app link carries, so F5 or a bookmark keeps the assessment."""
    aid = session().aid
    return {"a": str(aid)} if aid is not None else {}


def follow_navigation(page_url: str) -> None:
    """Call at the end of the callback of a field that commits on blur. Clicking a link while
    such a field has focus makes the browser send the navigation first and the field's value
    after it, from the page just left (Streamlit 1.67): the value is saved by then, so go on
    to the page the user asked for instead of back to ``page_url``."""
    shown = session().shown_page
    if page_url != shown:
        st.switch_page(routes.page(get_rubric(), shown), query_params=link_params())


def attempt(action: Callable[[], T], failed: str) -> T | None:
    """Run a store action for a callback; on failure keep a Chinese message for the page
    (``failed`` says what did not happen) and return None."""
    try:
        return action()
    except StoreUnavailable as exc:
        saving().outage.fail()
        session().home_msg = ("error", f"{failed}：数据库暂时不可用（{exc}），请稍后重试。")
    except StoreError as exc:
        session().home_msg = ("error", f"{failed}：{exc}")
    return None


def _with_files(answer: Answer, n: int) -> Answer:
    return answer if answer.attachments == n else replace(answer, attachments=n)


def load(s: Session, store: StoreContract, aid: int) -> list[str]:
    """Read the assessment into the view (one read: `Store.view`); returns the criteria whose
    saved version changed."""
    seen = store.view(aid)
    info = seen.info
    if info.deleted:
        raise NotFoundError("这份自评已被删除")
    saved = seen.answers
    files: dict[str, list[EvidenceFile]] = {}
    for f in seen.files:
        files.setdefault(f.criterion_id, []).append(f)
    s.submitted = seen.submitted
    review = seen.review if s.submitted is not None else None
    s.finalised_at = review.finalised_at if review is not None and review.final else None
    changed = [
        cid
        for cid in set(saved) | set(s.versions)
        if (saved[cid].version if cid in saved else 0) != s.versions.get(cid, 0)
    ]
    s.info = info
    s.seen_stamp = info.updated_at
    s.files = files
    s.answers = {
        cid: _with_files(saved[cid].answer if cid in saved else Answer(), len(files.get(cid, ())))
        for cid in set(saved) | set(files)
    }
    s.versions = {cid: x.version for cid, x in saved.items()}
    s.meta = {cid: (x.updated_by, x.updated_at) for cid, x in saved.items()}
    return changed


def sync() -> list[str]:
    """Top of every full run: pick the assessment, bring in what others saved. Returns the
    criteria that changed since this browser last looked (their widgets are re-seeded)."""
    s = session()
    if s.aid is None:
        _pick_default()
    if s.aid is None:
        return []
    _settle_journal(s)
    if saving().outage.down and s.loaded_aid == s.aid:
        return []  # keep working on the view; reads would only wait for the timeout
    store = get_store()
    try:
        s.stamp_checked = time.monotonic()
        if s.loaded_aid == s.aid and store.get_assessment(s.aid).updated_at == s.seen_stamp:
            return []
        fresh = s.loaded_aid != s.aid
        changed = load(s, store, s.aid)
        s.loaded_aid = s.aid
        saving().outage.ok()
        s.store_error = ""
        return [] if fresh else changed
    except StoreUnavailable as exc:
        saving().outage.fail()
        s.store_error = str(exc)
    except NotFoundError as exc:
        s.gone = f"这份自评已不存在（{exc}）。此页面上的内容不会再被保存。"
        s.aid = None
        s.info = None
        st.query_params.pop("a", None)
    return []


def _pick_default() -> None:
    """A new session continues the assessment in the URL (?a=), or the only one there is."""
    wanted = parse_id(st.query_params.get("a", ""))
    try:
        store = get_store()
        if wanted is not None:
            try:
                info = store.get_assessment(wanted)
            except NotFoundError:
                info = None
            if info is not None and not info.deleted:
                select_assessment(info.id)
                return
        active = store.list_assessments()
    except StoreUnavailable as exc:
        saving().outage.fail()
        session().store_error = str(exc)
        return
    if len(active) == 1 or (active and access.caller().role == TRAINEE):
        newest = max(active, key=lambda a: a.id)  # a trainee's practices are only theirs
        select_assessment(newest.id)


def _settle_journal(s: Session) -> None:
    """Changes this browser journaled during an outage: once replayed, reload the view."""
    if not s.journaled:
        return
    waiting = {
        PREFIX[e.change.kind] + e.change.criterion_id for e in saving().journal.pending(s.aid)
    }
    done = [slot for slot in s.journaled if slot not in waiting]
    for slot in done:
        del s.journaled[slot]
    if done:
        s.seen_stamp = None  # reload from the store on this run
        s.review_aid = None  # and the review, when one is shown


def reload_files(cid: str) -> None:
    s = session()
    s.files[cid] = get_store().list_files(open_id(), cid)
    s.answers[cid] = _with_files(s.answers.get(cid, Answer()), len(s.files[cid]))
