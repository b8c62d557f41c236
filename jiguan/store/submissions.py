"""提交自评 in the store (``store.submissions``): submit (an immutable snapshot with its content
hash), 退回修改 with a reason, and every submission listed. While the latest submission stands
(not returned), the unit's answers, files and details are read-only (`check_open`, called by
every such write of the `Store`); the panel's verdicts are not affected.

Submitting twice at once makes one submission: both run under the assessment's lock, and the
second finds the first standing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.format import format_time
from jiguan.limits import MAX_CELL_CHARS, too_long
from jiguan.review import FINAL
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import answers as answers_q
from jiguan.store import assessments as assessments_q
from jiguan.store.engine import Database
from jiguan.store.errors import StoreError, guard
from jiguan.store.records import clean_user, now
from jiguan.store.schema import assessments, files_t, reviews_t, submissions_t
from jiguan.submission import SnapshotFile, content_hash, make_snapshot, snapshot_answers

MAX_PERSON_CHARS = 100


@dataclass(frozen=True)
class SubmissionInfo:
    assessment_id: int
    number: int
    content_hash: str
    filled_by: str
    leader: str
    submitted_by: str
    submitted_at: datetime
    acknowledged: tuple[str, ...]
    snapshot: dict[str, Any]
    returned_by: str | None = None
    returned_at: datetime | None = None
    return_reason: str | None = None

    @property
    def standing(self) -> bool:
        """Submitted and not returned: the unit's side is read-only."""
        return self.returned_at is None

    @property
    def answers(self) -> dict[str, Answer]:
        """The answer sheet as submitted."""
        return snapshot_answers(self.snapshot)


def _info(row: Any) -> SubmissionInfo:
    return SubmissionInfo(
        row.assessment_id,
        row.number,
        row.content_hash,
        row.filled_by,
        row.leader,
        row.submitted_by,
        row.submitted_at,
        tuple(row.acknowledged or ()),
        dict(row.snapshot),
        row.returned_by,
        row.returned_at,
        row.return_reason,
    )


def _latest_row(conn: Connection, aid: int) -> Any:
    return conn.execute(
        sa.select(submissions_t)
        .where(submissions_t.c.assessment_id == aid)
        .order_by(submissions_t.c.number.desc())
        .limit(1)
    ).first()


def latest_submission(conn: Connection, aid: int) -> SubmissionInfo | None:
    row = _latest_row(conn, aid)
    return None if row is None else _info(row)


def check_open(conn: Connection, aid: int) -> None:
    """Raises StoreError when the unit's side is read-only (submitted, not returned)."""
    row = _latest_row(conn, aid)
    if row is not None and row.returned_at is None:
        raise StoreError(
            f"这份自评已于 {format_time(row.submitted_at)} 提交（第 {row.number} 次），"
            "评估期间不能修改；如需修改，请评估组退回修改"
        )


def _touch(conn: Connection, aid: int, at: datetime) -> None:
    """Other browsers on the assessment reload it (they poll ``updated_at``)."""
    conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(updated_at=at))


def _person(text: str, what: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise StoreError(f"请填写{what}")
    problem = too_long(what, text, MAX_PERSON_CHARS)
    if problem:
        raise StoreError(problem)
    return text


class Submissions:
    """The submission calls of a `Store` (``store.submissions``): one bounded transaction each."""

    def __init__(self, db: Database, rubric: Rubric) -> None:
        self._db = db
        self.rubric = rubric

    @guard("读取提交记录")
    def latest(self, aid: int) -> SubmissionInfo | None:
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return latest_submission(conn, aid)

    @guard("读取提交记录")
    def history(self, aid: int) -> list[SubmissionInfo]:
        """Every submission, the first first."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            rows = conn.execute(
                sa.select(submissions_t)
                .where(submissions_t.c.assessment_id == aid)
                .order_by(submissions_t.c.number)
            )
            return [_info(r) for r in rows]

    @guard("提交自评")
    def submit(
        self,
        aid: int,
        *,
        user: str,
        filled_by: str,
        leader: str,
        acknowledged: Sequence[str] = (),
    ) -> SubmissionInfo:
        """Submit the assessment as it is now; raises StoreError when it already stands
        submitted (so a double click makes one submission) or a name is missing."""
        user = clean_user(user)
        filled_by, leader = _person(filled_by, "填表人"), _person(leader, "单位负责人")
        ack = [a[:200] for a in acknowledged][:500]
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            check_open(conn, aid)
            sheet = answers_q.sheet(conn, aid)
            files = [
                SnapshotFile(r.criterion_id, r.filename, r.sha256, int(r.size))
                for r in conn.execute(
                    sa.select(files_t).where(
                        files_t.c.assessment_id == aid, files_t.c.removed_at.is_(None)
                    )
                )
            ]
            snapshot = make_snapshot(self.rubric, sheet, files)
            last = _latest_row(conn, aid)
            row = {
                "assessment_id": aid,
                "number": 1 if last is None else last.number + 1,
                "snapshot": snapshot,
                "content_hash": content_hash(snapshot),
                "acknowledged": ack,
                "filled_by": filled_by,
                "leader": leader,
                "submitted_by": user,
                "submitted_at": (at := now()),
            }
            conn.execute(sa.insert(submissions_t).values(**row))
            _touch(conn, aid, at)
            return _info(_latest_row(conn, aid))

    @guard("退回修改")
    def give_back(self, aid: int, *, user: str, reason: str) -> SubmissionInfo:
        """退回修改: the unit may edit again; raises StoreError without a reason, when
        nothing stands submitted, or when the review is final (定稿 judged this submission:
        the panel reopens the review first)."""
        user = clean_user(user)
        reason = (reason or "").strip()
        if not reason:
            raise StoreError("请填写退回修改的理由")
        problem = too_long("退回理由", reason, MAX_CELL_CHARS)
        if problem:
            raise StoreError(problem)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            row = _latest_row(conn, aid)
            if row is None or row.returned_at is not None:
                raise StoreError("这份自评目前没有待评估的提交，无需退回")
            state = conn.execute(
                sa.select(reviews_t.c.state).where(reviews_t.c.assessment_id == aid)
            ).scalar()
            if state == FINAL:
                raise StoreError(
                    "评审已定稿，不能退回修改；如确需单位修改，请先在「评审录入」填写理由重新打开评审"
                )
            at = now()
            conn.execute(
                sa.update(submissions_t)
                .where(submissions_t.c.id == row.id)
                .values(returned_by=user, returned_at=at, return_reason=reason)
            )
            _touch(conn, aid, at)
            return _info(_latest_row(conn, aid))
