"""What the review store returns (frozen dataclasses) and how verdicts are encoded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from jiguan.cells import VERDICT_CELL
from jiguan.review import FINAL, STATE_LABELS, Verdict
from jiguan.scoring import Answer
from jiguan.store.errors import ConflictError
from jiguan.store.records import SavedCell, answer_from_json, answer_json, json_dict


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    """A review of one assessment.

    ``state`` is "open" (评审中) or "final" (已定稿). ``claims`` is the unit's answer sheet as it
    was when the review was finalised (None while open): the side by side of a finalised review
    compares against it, whatever the unit changes later.
    """

    assessment_id: int
    state: str
    reviewers: str
    review_date: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    finalised_by: str | None = None
    finalised_at: datetime | None = None
    claims: dict[str, Answer] | None = None

    @property
    def final(self) -> bool:
        return self.state == FINAL

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


class SavedVerdict(SavedCell[Verdict]):
    """A verdict as saved (`SavedCell`); ``.verdict`` is its cell."""

    __slots__ = ()
    verdict: Verdict = property(attrgetter("cell"))  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One entry of a review's history.

    ``event``: "started", "details" (reviewers/date changed), "verdict" (``criterion_id``,
    ``old``/``new``), "finalised", "reopened" (``detail`` carries the reason given).
    """

    event: str
    changed_by: str
    changed_at: datetime
    criterion_id: str | None = None
    old: Verdict | None = None
    new: Verdict | None = None
    detail: str = ""


class VerdictConflict(ConflictError[SavedVerdict]):
    """Someone saved this verdict since the caller read it; nothing was written.

    Attributes:
        current: the verdict as saved now (None when there is none).
    """

    def __init__(self, current: SavedVerdict | None) -> None:
        by = current.updated_by if current is not None and current.version else "他人"
        super().__init__(None, f"{by} 刚刚修改了此评分项的评审意见，您的修改未保存")
        self.current = current


# How a verdict is kept: the one encoding of answers and verdicts (jiguan.cells).
verdict_json = VERDICT_CELL.to_json
verdict_from_json = VERDICT_CELL.from_json
verdict_values = VERDICT_CELL.values
verdict_from_row = VERDICT_CELL.from_row


def saved_verdict(row: Any) -> SavedVerdict:
    return SavedVerdict(
        row.criterion_id, verdict_from_row(row), row.version, row.updated_by, row.updated_at
    )


def claims_json(claims: Mapping[str, Answer]) -> dict[str, Any]:
    return {cid: {**answer_json(a), "attachments": a.attachments} for cid, a in claims.items()}


def claims_from_json(data: Any) -> dict[str, Answer] | None:
    raw = json_dict(data)
    if raw is None:
        return None
    out: dict[str, Answer] = {}
    for cid, entry in raw.items():
        answer = answer_from_json(entry, int((entry or {}).get("attachments") or 0))
        if answer is not None:
            out[cid] = answer
    return out


def review_info(row: Any) -> ReviewInfo:
    return ReviewInfo(
        assessment_id=row.assessment_id,
        state=row.state,
        reviewers=row.reviewers or "",
        review_date=row.review_date or "",
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finalised_by=row.finalised_by,
        finalised_at=row.finalised_at,
        claims=claims_from_json(row.claims),
    )


def review_event(row: Any) -> ReviewEvent:
    return ReviewEvent(
        event=row.event,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
        criterion_id=row.criterion_id,
        old=verdict_from_json(json_dict(row.old)),
        new=verdict_from_json(json_dict(row.new)),
        detail=row.detail or "",
    )
