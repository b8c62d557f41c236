"""Many assessments at once, for the overview of all units (总览): a fixed number of queries
whatever the number of assessments (answers, file counts, reviews, verdicts, 整改事项), never
one per assessment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.rectification import RectificationItem
from jiguan.review import Verdict
from jiguan.scoring import Answer
from jiguan.store.records import answer_from_row
from jiguan.store.rectification import item_rows
from jiguan.store.review_records import ReviewInfo, review_info, verdict_from_row
from jiguan.store.schema import answers_t, files_t, reviews_t, submissions_t, verdicts_t

_CHUNK = 500  # ids per IN (...) list: well below every driver's parameter limit


@dataclass(frozen=True)
class Submitted:
    """The latest 提交自评 of an assessment, as the overview needs it."""

    number: int
    at: datetime
    standing: bool  # not returned (退回修改)


@dataclass(frozen=True)
class Sheets:
    """One assessment's answer sheet (attachments counted), its review if one was started, and
    its latest submission if it was submitted."""

    answers: dict[str, Answer] = field(default_factory=dict)
    review: ReviewInfo | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    submitted: Submitted | None = None
    items: list[RectificationItem] = field(default_factory=list)  # 整改台账


def _chunks(aids: Sequence[int]) -> list[list[int]]:
    ids = sorted(set(aids))
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def read_sheets(conn: Connection, aids: Sequence[int]) -> dict[int, Sheets]:
    """`Sheets` for each of ``aids`` that exists (in one read transaction)."""
    counts: dict[int, dict[str, int]] = {}
    answers: dict[int, dict[str, Answer]] = {}
    reviews: dict[int, ReviewInfo] = {}
    verdicts: dict[int, dict[str, Verdict]] = {}
    submitted: dict[int, Submitted] = {}
    items: dict[int, list[RectificationItem]] = {}
    for ids in _chunks(aids):
        items.update(item_rows(conn, ids, with_files=False))
        latest = sa.select(
            submissions_t.c.assessment_id,
            submissions_t.c.number,
            submissions_t.c.submitted_at,
            submissions_t.c.returned_at,
        ).where(submissions_t.c.assessment_id.in_(ids))
        for aid, number, at, returned in conn.execute(latest):
            if aid not in submitted or number > submitted[aid].number:
                submitted[aid] = Submitted(number, at, returned is None)
        files = conn.execute(
            sa.select(files_t.c.assessment_id, files_t.c.criterion_id, sa.func.count())
            .where(files_t.c.assessment_id.in_(ids), files_t.c.removed_at.is_(None))
            .group_by(files_t.c.assessment_id, files_t.c.criterion_id)
        )
        for aid, cid, n in files:
            counts.setdefault(aid, {})[cid] = int(n)
        for row in conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id.in_(ids))):
            n = counts.get(row.assessment_id, {}).get(row.criterion_id, 0)
            answers.setdefault(row.assessment_id, {})[row.criterion_id] = answer_from_row(row, n)
        for row in conn.execute(sa.select(reviews_t).where(reviews_t.c.assessment_id.in_(ids))):
            reviews[row.assessment_id] = review_info(row)
        query = sa.select(verdicts_t).where(verdicts_t.c.assessment_id.in_(ids))
        for row in conn.execute(query):
            verdicts.setdefault(row.assessment_id, {})[row.criterion_id] = verdict_from_row(row)
    for aid, by_criterion in counts.items():  # files but no answer: unanswered, with files
        sheet = answers.setdefault(aid, {})
        for cid, n in by_criterion.items():
            sheet.setdefault(cid, Answer(attachments=n))
    return {
        aid: Sheets(
            answers.get(aid, {}),
            reviews.get(aid),
            verdicts.get(aid, {}),
            submitted.get(aid),
            items.get(aid, []),
        )
        for aid in set(aids)
    }
