"""整改台账, pure: which indicators lost points and need a 整改事项, what each item holds, its
statuses and who may set them, and when an item is overdue.

The items come from the finalised review when there is one (the 评估组's verdicts and their
扣分理由), else from the unit's own answers (what it does not claim). An indicator "lost points"
when its score is below its maximum and can no longer change (`IndicatorResult.complete`): a
half-filled indicator is not yet a loss.

The store keeps the items (`jiguan.store.rectification`); pages, documents and the overview read
the `RectificationItem`s it returns and the helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from jiguan.format import points as fmt_points
from jiguan.review import Verdict, panel_sheet
from jiguan.rubric import Rubric
from jiguan.scoring import NO, PARTIAL, Answer, Result, criterion_points, score

# Statuses (kept in the table as these codes; people read STATUS_LABELS).
NOT_STARTED, IN_PROGRESS, DONE, VERIFIED = "not_started", "in_progress", "done", "verified"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, VERIFIED)
STATUS_LABELS = {NOT_STARTED: "未开始", IN_PROGRESS: "整改中", DONE: "已完成", VERIFIED: "已核验"}
UNIT_STATUSES = (NOT_STARTED, IN_PROGRESS, DONE)  # what the unit sets; 已核验 is the panel's
FINISHED = frozenset({DONE, VERIFIED})

# Where the points lost come from (`RectificationItem.source`).
PANEL, SELF = "panel", "self"
SOURCE_LABELS = {PANEL: "评估组定稿", SELF: "单位自评"}

# The fields the unit fills, with their labels (the page, the documents, the messages).
TEXT_FIELDS = {
    "measures": "整改措施",
    "department": "责任部门",
    "owner": "责任人",
    "progress": "完成情况",
    "evidence": "完成佐证",
}
UNIT_FIELDS = (*TEXT_FIELDS, "due_date", "status")
FIELD_LABELS = {**TEXT_FIELDS, "due_date": "完成时限", "status": "状态"}
SHORT_FIELDS = frozenset({"department", "owner"})  # one line, MAX_NAME_CHARS

CLOSED_NOTE = "指标已不再失分，自动关闭"


class Lost(NamedTuple):
    """An indicator that lost points: what a new item is prefilled with."""

    indicator_id: int
    points_lost: float  # max − scored
    reason: str  # the panel's 扣分理由 (one line per criterion), or the unit's own


@dataclass(frozen=True, slots=True)
class RectificationFile:
    """A file attached to a 整改事项 as completion evidence (完成佐证): its content is in the
    store's blobs by SHA-256, like an answer's evidence file; the name is for display only."""

    id: int
    item_id: int
    assessment_id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_by: str
    uploaded_at: datetime
    removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RectificationItem:
    """One 整改事项 as saved, with its attached files (oldest first, removed ones left out)."""

    id: int
    assessment_id: int
    indicator_id: int
    source: str
    points_lost: float
    reason: str
    measures: str
    department: str
    owner: str
    due_date: date | None
    progress: str
    evidence: str
    status: str
    version: int
    created_at: datetime
    updated_by: str
    updated_at: datetime
    closed_at: datetime | None = None
    closed_note: str = ""
    carried_from: int | None = None
    verified_by: str = ""
    files: tuple[RectificationFile, ...] = ()

    @property
    def closed(self) -> bool:
        """Closed automatically: its indicator no longer loses points (kept, not deleted)."""
        return self.closed_at is not None

    @property
    def open(self) -> bool:
        """Still to do: not closed, not 已完成 / 已核验."""
        return not self.closed and self.status not in FINISHED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)

    def overdue(self, today: date) -> bool:
        """完成时限 before ``today`` (Beijing) and not finished nor closed."""
        return self.open and self.due_date is not None and self.due_date < today

    def field(self, name: str) -> Any:
        return getattr(self, name)


def sheet_and_source(
    answers: Mapping[str, Answer], verdicts: Mapping[str, Verdict] | None, final: bool
) -> tuple[dict[str, Answer], str]:
    """The sheet the items come from: the panel's when its review is final, else the unit's."""
    if final and verdicts is not None:
        return panel_sheet(verdicts), PANEL
    return dict(answers), SELF


def _why(value: object, verdict: Verdict | None, note: str) -> str:
    if verdict is not None and verdict.reason.strip():
        return " ".join(verdict.reason.split())
    if value == NO:
        word = "不符合"
    elif value == PARTIAL:
        word = "部分符合"
    elif value is None:
        word = "未评"
    else:
        word = "未得满分"
    return word + (f"（{' '.join(note.split())[:200]}）" if note.strip() else "")


def lost_points(
    rubric: Rubric,
    sheet: Mapping[str, Answer],
    verdicts: Mapping[str, Verdict] | None = None,
    result: Result | None = None,
) -> list[Lost]:
    """Every indicator that lost points on ``sheet``, in rubric order, with the points at stake
    and why (``verdicts``: the panel's reasons, for a panel sheet)."""
    result = result or score(rubric, sheet)
    out = []
    for _, _, ind in rubric.indicators():
        r = result.indicators[ind.id]
        if not r.complete or r.score >= r.max:
            continue
        why = []
        for c in ind.criteria:
            a = sheet.get(c.id)
            earned = criterion_points(c, a)
            if c.kind == "count" or earned >= c.points:
                continue
            v = None if verdicts is None else verdicts.get(c.id)
            prefix = "评估组" if verdicts is not None else "自评"
            text = _why(None if a is None else a.value, v, "" if a is None else a.note)
            why.append(f"{c.id} {prefix}：{text}")
        if not why:  # a count or highest-level indicator short of its maximum
            why.append(f"得 {fmt_points(r.score)} 分，满分 {fmt_points(r.max)} 分")
        out.append(Lost(ind.id, round(r.max - r.score, 2), "\n".join(why)))
    return out


def may_set_status(new: str, old: str, *, reviewer: bool) -> str | None:
    """Why this status change is refused (Chinese), or None. Only the 评估组 sets 已核验, and
    only on an item the unit marked 已完成; only the 评估组 takes 已核验 back (核验不通过)."""
    if new not in STATUSES:
        return f"状态「{new}」无效"
    if new == old:
        return None
    if new == VERIFIED:
        if not reviewer:
            return "只有评估组可以将整改事项设为「已核验」"
        if old != DONE:
            return "只有「已完成」的整改事项可以核验"
        return None
    if old == VERIFIED and not reviewer:
        return "整改事项已由评估组核验，不能再修改；如有变化，请评估组取消核验"
    return None


def counts(items: Iterable[RectificationItem], today: date) -> tuple[int, int]:
    """(open, overdue) items."""
    listed = list(items)
    return sum(i.open for i in listed), sum(i.overdue(today) for i in listed)


def evidence_lines(item: RectificationItem) -> list[str]:
    return [line.strip() for line in item.evidence.splitlines() if line.strip()]


def file_lines(item: RectificationItem) -> list[str]:
    """The item's attached files as the documents list them: name and SHA-256 (by which a
    reader checks the copy they were handed)."""
    return [f"{f.filename}（SHA-256：{f.sha256}）" for f in item.files]


class RoundStep(NamedTuple):
    """What one round's 整改事项 came to in the next round (历轮进展)."""

    indicator_id: int
    status: str  # the item's status label in the earlier round
    lost_before: float
    lost_after: float  # 0 when the indicator no longer loses points

    @property
    def regained(self) -> float:
        return round(self.lost_before - self.lost_after, 2)

    @property
    def closed(self) -> bool:
        return self.lost_after <= 0


def round_steps(
    rubric: Rubric, items: Sequence[RectificationItem], after: Result
) -> list[RoundStep]:
    """The earlier round's items (not closed before) against the next round's scores."""
    out = []
    for item in items:
        if item.closed:
            continue
        r = after.indicators.get(item.indicator_id)
        if r is None:
            continue
        lost_after = round(r.max - r.score, 2) if r.complete else item.points_lost
        out.append(RoundStep(item.indicator_id, item.status_label, item.points_lost, lost_after))
    return out


def draft_items(
    rubric: Rubric,
    sheet: Mapping[str, Answer],
    verdicts: Mapping[str, Verdict] | None = None,
    source: str = SELF,
) -> list[RectificationItem]:
    """The items a sheet would give, unsaved (nothing filled in yet): for a document made from
    an answer sheet alone (``python -m jiguan report sheet.csv --format rectification-xlsx``)."""
    at = datetime(2000, 1, 1)
    return [
        RectificationItem(
            id=0,
            assessment_id=0,
            indicator_id=lost.indicator_id,
            source=source,
            points_lost=lost.points_lost,
            reason=lost.reason,
            measures="",
            department="",
            owner="",
            due_date=None,
            progress="",
            evidence="",
            status=NOT_STARTED,
            version=0,
            created_at=at,
            updated_by="",
            updated_at=at,
        )
        for lost in lost_points(rubric, sheet, verdicts)
    ]
