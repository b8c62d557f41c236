"""The formal review in the store: `Reviews`, reached as ``store.reviews``.

One review per assessment, open (评审中) or final (已定稿). Verdicts are saved per criterion
with a compare-and-set on their version, as answers are. A final review is read-only: every
write but `Reviews.reopen` refuses with a StoreError; reopening is recorded in the review's
history with its reason. Nothing here writes the unit's answers.

Every write locks the assessment row (`assessments.lock`), so a write to a deleted assessment
is refused and writers to one assessment take turns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.cells import VERDICT_CELL
from jiguan.review import FINAL, OPEN, Verdict, finalise_problems
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import answers as answers_q
from jiguan.store import assessments as assessments_q
from jiguan.store.errors import StoreError, guard
from jiguan.store.records import check_cell, clean_user, now
from jiguan.store.review_records import (
    ReviewEvent,
    ReviewInfo,
    SavedVerdict,
    VerdictConflict,
    claims_json,
    review_event,
    review_info,
    saved_verdict,
    verdict_json,
)
from jiguan.store.schema import assessments, review_history_t, reviews_t, verdicts_t
from jiguan.store.submissions import latest_submission

if TYPE_CHECKING:
    from jiguan.store.engine import Database

MAX_REVIEWERS_CHARS = 500

FINAL_REFUSED = "评审已定稿，不能修改。如需修改，请先「重新打开评审」（将记入评审记录）。"


def _clean_text(text: str | None, what: str, limit: int) -> str | None:
    if text is None:
        return None
    text = " ".join(str(text).replace("\x00", "").split())
    if len(text) > limit:
        raise StoreError(f"{what}过长（最多 {limit} 个字）")
    return text


# ---- queries (each in the caller's transaction) ---------------------------------------------


def _review_row(conn: Connection, aid: int) -> Any:
    return conn.execute(sa.select(reviews_t).where(reviews_t.c.assessment_id == aid)).first()


def review_of(conn: Connection, aid: int) -> ReviewInfo | None:
    """The assessment's review, None when none was started (no check of the assessment)."""
    row = _review_row(conn, aid)
    return None if row is None else review_info(row)


def _log(
    conn: Connection,
    aid: int,
    event: str,
    user: str,
    at: datetime,
    *,
    criterion_id: str | None = None,
    old: Verdict | None = None,
    new: Verdict | None = None,
    detail: str = "",
) -> None:
    conn.execute(
        sa.insert(review_history_t).values(
            assessment_id=aid,
            criterion_id=criterion_id,
            event=event,
            old=None if old is None else verdict_json(old),
            new=None if new is None else verdict_json(new),
            detail=detail,
            changed_by=user,
            changed_at=at,
        )
    )
    conn.execute(sa.update(reviews_t).where(reviews_t.c.assessment_id == aid).values(updated_at=at))


def _open_review(conn: Connection, aid: int, user: str, at: datetime) -> Any:
    """The review row, started if there is none; refuses when it is final (caller locked)."""
    row = _review_row(conn, aid)
    if row is None:
        conn.execute(
            sa.insert(reviews_t).values(
                assessment_id=aid,
                state=OPEN,
                reviewers="",
                review_date="",
                created_by=user,
                created_at=at,
                updated_at=at,
            )
        )
        _log(conn, aid, "started", user, at)
        return _review_row(conn, aid)
    if row.state == FINAL:
        raise StoreError(FINAL_REFUSED)
    return row


def _verdict_rows(conn: Connection, aid: int) -> dict[str, Any]:
    rows = conn.execute(sa.select(verdicts_t).where(verdicts_t.c.assessment_id == aid))
    return {r.criterion_id: r for r in rows}


def _set_verdicts(
    conn: Connection, aid: int, new: Mapping[str, Verdict], user: str, at: datetime, detail: str
) -> int:
    """Write every verdict in ``new`` that differs from what is saved; how many changed."""
    existing = _verdict_rows(conn, aid)
    changed = 0
    for cid, verdict in new.items():
        row = existing.get(cid)
        old = None if row is None else saved_verdict(row).verdict
        if old == verdict or (old is None and verdict.is_blank()):
            continue
        if not answers_q.write_cell(
            conn, verdicts_t, VERDICT_CELL, (aid, cid), row, verdict, user, at
        ):
            raise StoreError("评审意见被同时修改，未保存，请重试。")
        _log(conn, aid, "verdict", user, at, criterion_id=cid, old=old, new=verdict, detail=detail)
        changed += 1
    return changed


# ---- the repository --------------------------------------------------------------------------


def claimed(conn: Connection, aid: int) -> dict[str, Answer]:
    """What the unit claims: the answers it submitted (提交自评), else its current answers."""
    submitted = latest_submission(conn, aid)
    return submitted.answers if submitted is not None else answers_q.sheet(conn, aid)


def _touch_assessment(conn: Connection, aid: int, at: datetime) -> None:
    """定稿 and 重新打开 change what the unit may do: its open browsers reload the assessment
    (they poll ``updated_at``) and tell it."""
    conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(updated_at=at))


class Reviews:
    """The review calls of a `Store` (``store.reviews``): one bounded transaction each."""

    def __init__(self, db: Database, rubric: Rubric) -> None:
        self._db = db
        self.rubric = rubric

    @guard("读取评审")
    def get(self, aid: int) -> ReviewInfo | None:
        """The assessment's review, None when none was started.

        Raises:
            NotFoundError: no such assessment.
        """
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return review_of(conn, aid)

    @guard("开始评审")
    def start(self, aid: int, *, user: str) -> ReviewInfo:
        """Start the review (nothing happens when it exists)."""
        user = clean_user(user)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            row = _review_row(conn, aid) or _open_review(conn, aid, user, now())
            return review_info(row)

    @guard("保存评估组信息")
    def update_details(
        self, aid: int, *, user: str, reviewers: str | None = None, review_date: str | None = None
    ) -> ReviewInfo:
        """Set the reviewers' names and/or the review date (free text; None leaves it)."""
        user = clean_user(user)
        names = _clean_text(reviewers, "评估组成员", MAX_REVIEWERS_CHARS)
        date = _clean_text(review_date, "评估日期", 32)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            at = now()
            row = _open_review(conn, aid, user, at)
            values = {}
            if names is not None and names != row.reviewers:
                values["reviewers"] = names
            if date is not None and date != row.review_date:
                values["review_date"] = date
            if values:
                conn.execute(
                    sa.update(reviews_t).where(reviews_t.c.assessment_id == aid).values(**values)
                )
                shown = "；".join(
                    f"{'评估组成员' if k == 'reviewers' else '评估日期'}：{v}"
                    for k, v in values.items()
                )
                _log(conn, aid, "details", user, at, detail=shown)
            return review_info(_review_row(conn, aid))

    @guard("读取评审意见")
    def verdicts(self, aid: int) -> dict[str, SavedVerdict]:
        """Saved verdicts in rubric order."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            rows = _verdict_rows(conn, aid)
        return {cid: saved_verdict(rows[cid]) for cid in self.rubric.criteria if cid in rows}

    @guard("保存评审意见")
    def save_verdict(
        self, aid: int, criterion_id: str, verdict: Verdict, *, expected_version: int, user: str
    ) -> SavedVerdict:
        """Save one verdict if it is still at ``expected_version`` (0: none was saved); starts
        the review when needed. Saving what is saved changes nothing.

        Raises:
            VerdictConflict: saved by someone else since; ``.current`` is what is saved.
            StoreError: an invalid verdict, a final review or a deleted assessment.
        """
        check_cell(VERDICT_CELL, self.rubric, criterion_id, verdict)
        user = clean_user(user)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            at = now()
            _open_review(conn, aid, user, at)
            row = _verdict_rows(conn, aid).get(criterion_id)
            current = None if row is None else saved_verdict(row)
            if (current.version if current else 0) != expected_version:
                raise VerdictConflict(current)
            if current is not None and current.verdict == verdict:
                return current
            if current is None and verdict.is_blank():
                return SavedVerdict(criterion_id, Verdict(), 0, "", None)
            _set_verdicts(conn, aid, {criterion_id: verdict}, user, at, "")
            return saved_verdict(_verdict_rows(conn, aid)[criterion_id])

    @guard("按单位自评填入评定")
    def adopt_claims(self, aid: int, *, user: str) -> int:
        """Every criterion the panel has not judged yet takes the unit's claim as its verdict
        (reasons and notes kept); how many were filled. The panel then changes what it
        disagrees with."""
        user = clean_user(user)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            at = now()
            _open_review(conn, aid, user, at)
            rows = _verdict_rows(conn, aid)
            claims = claimed(conn, aid)
            new = {}
            for cid in self.rubric.criteria:
                claim = claims.get(cid)
                row = rows.get(cid)
                old = None if row is None else saved_verdict(row).verdict
                if claim is None or claim.value is None or (old is not None and old.reviewed):
                    continue
                base = old or Verdict()
                new[cid] = Verdict(claim.value, claim.points, base.reason, base.site_note)
            return _set_verdicts(conn, aid, new, user, at, "按单位自评填入")

    @guard("导入评审意见")
    def replace_verdicts(self, aid: int, verdicts: Mapping[str, Verdict], *, user: str) -> int:
        """Make every criterion's value, points and reason equal ``verdicts`` (CSV import;
        criteria missing from it become unreviewed). Site notes are kept: the CSV has no
        column for them. One transaction; any problem leaves everything as it was (StoreError
        lists every problem). Returns how many criteria changed.
        """
        kept = "评审意见未导入，已保存的内容保持不变。"
        sheet = (aid, verdicts)
        with answers_q.importing(self._db, VERDICT_CELL, self.rubric, sheet, user, kept) as (
            conn,
            user,
        ):
            at = now()
            _open_review(conn, aid, user, at)
            rows = _verdict_rows(conn, aid)
            new = {}
            for cid in self.rubric.criteria:
                site = "" if cid not in rows else rows[cid].site_note or ""
                verdict = verdicts.get(cid, Verdict())
                new[cid] = Verdict(verdict.value, verdict.points, verdict.reason, site)
            return _set_verdicts(conn, aid, new, user, at, "导入评审意见")

    @guard("定稿评审")
    def finalise(self, aid: int, *, user: str) -> ReviewInfo:
        """评审中 → 已定稿: keeps the unit's current answers as the claims compared against.

        Raises:
            StoreError: the submission returned (退回修改) and not submitted again, no
                reviewers or date, a criterion not judged, a differing verdict without a
                reason (all listed), or already final.
        """
        user = clean_user(user)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            at = now()
            row = _open_review(conn, aid, user, at)
            claims = claimed(conn, aid)
            verdicts = {
                cid: saved_verdict(r).verdict for cid, r in _verdict_rows(conn, aid).items()
            }
            problems = []
            submitted = latest_submission(conn, aid)
            if submitted is not None and not submitted.standing:
                # 退回修改: the round is the unit's again; a 定稿 would fix the result against
                # the snapshot it is revising.
                problems.append("单位自评已退回修改，待单位重新提交后再定稿")
            if not row.reviewers.strip():
                problems.append("请填写评估组成员姓名")
            if not row.review_date.strip():
                problems.append("请填写评估日期")
            problems += finalise_problems(self.rubric, claims, verdicts)
            if problems:
                raise StoreError("以下各项尚未完成：\n" + "\n".join(problems))
            conn.execute(
                sa.update(reviews_t)
                .where(reviews_t.c.assessment_id == aid)
                .values(state=FINAL, claims=claims_json(claims), finalised_by=user, finalised_at=at)
            )
            _log(conn, aid, "finalised", user, at)
            _touch_assessment(conn, aid, at)
            return review_info(_review_row(conn, aid))

    @guard("重新打开评审")
    def reopen(self, aid: int, *, user: str, reason: str) -> ReviewInfo:
        """已定稿 → 评审中, recorded in the review's history with ``reason`` (required)."""
        user = clean_user(user)
        why = _clean_text(reason, "重新打开的原因", 500) or ""
        if not why:
            raise StoreError("请说明重新打开评审的原因（将记入评审记录）")
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            row = _review_row(conn, aid)
            if row is None or row.state != FINAL:
                raise StoreError("评审尚未定稿，无需重新打开")
            at = now()
            conn.execute(
                sa.update(reviews_t)
                .where(reviews_t.c.assessment_id == aid)
                .values(state=OPEN, claims=None, finalised_by=None, finalised_at=None)
            )
            _log(conn, aid, "reopened", user, at, detail=why)
            _touch_assessment(conn, aid, at)
            return review_info(_review_row(conn, aid))

    @guard("读取评审记录")
    def history(self, aid: int, criterion_id: str | None = None) -> list[ReviewEvent]:
        """The review's history, oldest first (one criterion's verdicts when given)."""
        query = sa.select(review_history_t).where(review_history_t.c.assessment_id == aid)
        if criterion_id is not None:
            query = query.where(review_history_t.c.criterion_id == criterion_id)
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            rows = conn.execute(query.order_by(review_history_t.c.id))
            return [review_event(r) for r in rows]
