"""整改台账 in the store (``store.rectification``): one 整改事项 per indicator that lost points.

`Rectification.sync` makes the items follow the scores: an item for every indicator that lost
points (the finalised review's verdicts, else the unit's own answers; `jiguan.rectification`), its
prefilled points and 扣分理由 kept current; an item whose indicator no longer loses points is
closed with a note (never deleted), and opened again if it loses points once more.

`Rectification.update` saves what the unit (or the 评估组) typed over the version they saw, as
answers are saved (`jiguan.journal.save_change`'s rule): on a stale version the fields it sets are
written over the current item when nobody else changed *those* fields since ``base`` (what the
user's form showed); else `RectificationConflict` and nothing is written. A 完成时限 in the past
needs ``confirm_past_due``; 已核验 follows `jiguan.rectification.may_set_status` (the unscoped
store acts as the 评估组: 单机模式, the CLI; `ScopedRectification` decides per caller).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.format import format_time, today
from jiguan.limits import MAX_NAME_CHARS, MAX_RECTIFICATION_CHARS, too_long
from jiguan.rectification import (
    CLOSED_NOTE,
    FIELD_LABELS,
    FINISHED,
    NOT_STARTED,
    SHORT_FIELDS,
    SOURCE_LABELS,
    TEXT_FIELDS,
    UNIT_FIELDS,
    VERIFIED,
    Lost,
    RectificationFile,
    RectificationItem,
    lost_points,
    may_set_status,
    sheet_and_source,
)
from jiguan.review import FINAL
from jiguan.rubric import Rubric
from jiguan.scoring import Result, score
from jiguan.store import answers as answers_q
from jiguan.store import assessments as assessments_q
from jiguan.store.blobs import BlobStore
from jiguan.store.engine import Database
from jiguan.store.errors import (
    ConflictError,
    NotFoundError,
    StoreError,
    guard,
)
from jiguan.store.records import clean_user, now
from jiguan.store.rectification_files import RectificationFiles, item_files
from jiguan.store.review_records import saved_verdict
from jiguan.store.schema import rectification_t, reviews_t, verdicts_t

REOPENED_NOTE = "指标再次失分，重新打开"


class RectificationConflict(ConflictError[RectificationItem]):
    """Someone changed the same field(s) of this item since the caller's form was drawn;
    nothing was written. ``current`` is the item as saved now."""

    def __init__(self, current: RectificationItem, fields: list[str]) -> None:
        what = "、".join(FIELD_LABELS.get(f, f) for f in fields)
        super().__init__(
            None,
            f"「{current.updated_by or '他人'}」于 {format_time(current.updated_at)} 修改了"
            f"指标 {current.indicator_id} 整改事项的{what}，您的修改未保存。"
            "请查看已保存的内容，再决定保留哪一份。",
        )
        self.current = current
        self.fields = fields


class PastDueDate(StoreError):
    """A 完成时限 before today (Beijing): saved only when the user confirms it."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    created: int = 0
    closed: int = 0
    reopened: int = 0
    updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.closed or self.reopened or self.updated)


def item_from_row(row: Any, files: tuple[RectificationFile, ...] = ()) -> RectificationItem:
    return RectificationItem(
        id=row.id,
        assessment_id=row.assessment_id,
        indicator_id=row.indicator_id,
        source=row.source,
        points_lost=float(row.points_lost),
        reason=row.reason or "",
        measures=row.measures or "",
        department=row.department or "",
        owner=row.owner or "",
        due_date=row.due_date,
        progress=row.progress or "",
        evidence=row.evidence or "",
        status=row.status,
        version=row.version,
        created_at=row.created_at,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        closed_note=row.closed_note or "",
        carried_from=row.carried_from,
        verified_by=row.verified_by or "",
        files=files,
    )


def item_rows(
    conn: Connection, aids: list[int], *, with_files: bool = True
) -> dict[int, list[RectificationItem]]:
    """The items of ``aids`` (one query, and one for their files), by assessment, in indicator
    order."""
    out: dict[int, list[RectificationItem]] = {}
    files = item_files(conn, aids) if with_files else {}
    query = (
        sa.select(rectification_t)
        .where(rectification_t.c.assessment_id.in_(aids))
        .order_by(rectification_t.c.assessment_id, rectification_t.c.indicator_id)
    )
    for row in conn.execute(query):
        out.setdefault(row.assessment_id, []).append(item_from_row(row, files.get(row.id, ())))
    return out


def _planned(conn: Connection, rubric: Rubric, aid: int) -> tuple[str, list[Lost], Result]:
    """(source, lost points, result) of the assessment as it is now."""
    review = conn.execute(sa.select(reviews_t).where(reviews_t.c.assessment_id == aid)).first()
    final = review is not None and review.state == FINAL
    verdicts = None
    if final:
        rows = conn.execute(sa.select(verdicts_t).where(verdicts_t.c.assessment_id == aid))
        verdicts = {r.criterion_id: saved_verdict(r).verdict for r in rows}
    sheet, source = sheet_and_source(answers_q.sheet(conn, aid), verdicts, final)
    result = score(rubric, sheet)
    return source, lost_points(rubric, sheet, verdicts, result), result


def _plan_changes(
    rubric: Rubric, conn: Connection, aid: int
) -> tuple[list[dict[str, Any]], list[tuple[RectificationItem, dict[str, Any]]]]:
    """(rows to insert, (item, values) to update) to make the items follow the scores."""
    source, lost, result = _planned(conn, rubric, aid)
    existing = {i.indicator_id: i for i in item_rows(conn, [aid]).get(aid, [])}
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[RectificationItem, dict[str, Any]]] = []
    losing = {entry.indicator_id for entry in lost}
    for entry in lost:
        item = existing.get(entry.indicator_id)
        prefill = {"source": source, "points_lost": entry.points_lost, "reason": entry.reason}
        if item is None:
            inserts.append({"indicator_id": entry.indicator_id, **prefill})
            continue
        values = {k: v for k, v in prefill.items() if getattr(item, k) != v}
        if item.closed:
            values |= {"closed_at": None, "closed_note": REOPENED_NOTE}
        if values:
            updates.append((item, values))
    for ind_id, item in existing.items():
        r = result.indicators.get(ind_id)
        if item.closed or ind_id in losing or r is None or not r.complete:
            continue
        updates.append((item, {"closed_note": f"{CLOSED_NOTE}（{_source_word(source)}）"}))
    return inserts, updates


def _source_word(source: str) -> str:
    return f"依据{SOURCE_LABELS[source]}得满分"


def check_field(name: str, value: Any) -> Any:
    """A field's new value, checked; StoreError in Chinese naming the field."""
    label = FIELD_LABELS.get(name)
    if label is None or name not in UNIT_FIELDS:
        raise StoreError(f"整改事项没有可填写的「{name}」")
    if name == "due_date":
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise StoreError(f"完成时限「{value}」不是日期（如 2026-06-30）") from None
        if not isinstance(value, date):
            raise StoreError("完成时限不是日期")
        return value
    if name == "status":
        return str(value)
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise StoreError(f"{label}含有无法保存的控制字符")
    if name in SHORT_FIELDS:
        text = " ".join(text.split())
        problem = too_long(label, text, MAX_NAME_CHARS)
    else:
        text = text.strip()
        problem = too_long(label, text, MAX_RECTIFICATION_CHARS)
    if problem:
        raise StoreError(problem)
    return text


class Rectification(RectificationFiles):
    """The 整改台账 calls of a `Store` (``store.rectification``): one bounded transaction each."""

    def __init__(
        self, db: Database, rubric: Rubric, blobs: BlobStore, max_file_bytes: Callable[[], int]
    ) -> None:
        self._db = db
        self.rubric = rubric
        self._blobs = blobs
        self._max_file_bytes = max_file_bytes  # the store's limit, as it is at each upload

    def _item(self, conn: Connection, item_id: int) -> RectificationItem:
        return _get(conn, item_id)

    @guard("读取整改台账")
    def items(self, aid: int) -> list[RectificationItem]:
        """The assessment's items, in indicator order (closed ones included)."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return item_rows(conn, [aid]).get(aid, [])

    @guard("读取整改事项")
    def get(self, item_id: int) -> RectificationItem:
        with self._db.read() as conn:
            return _get(conn, item_id)

    @guard("读取整改事项")
    def assessment_of(self, item_id: int) -> int | None:
        """The assessment an item belongs to (None: no such item); for the scope check."""
        with self._db.read() as conn:
            aid = conn.execute(
                sa.select(rectification_t.c.assessment_id).where(rectification_t.c.id == item_id)
            ).scalar()
        return None if aid is None else int(aid)

    @guard("更新整改台账")
    def sync(self, aid: int, *, user: str) -> SyncResult:
        """Make the items follow the scores (see the module docstring). Reads first and writes
        only when something changed, so a page may call it whenever it draws."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            inserts, updates = _plan_changes(self.rubric, conn, aid)
        if not inserts and not updates:
            return SyncResult()
        user = clean_user(user)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            inserts, updates = _plan_changes(self.rubric, conn, aid)  # again, under the lock
            at = now()
            created = closed = reopened = updated = 0
            for values in inserts:
                conn.execute(
                    sa.insert(rectification_t).values(
                        assessment_id=aid,
                        measures="",
                        department="",
                        owner="",
                        due_date=None,
                        progress="",
                        evidence="",
                        status=NOT_STARTED,
                        verified_by="",
                        closed_note="",
                        version=1,
                        created_by=user,
                        created_at=at,
                        updated_by=user,
                        updated_at=at,
                        **values,
                    )
                )
                created += 1
            for item, values in updates:
                if "closed_note" in values and "closed_at" not in values:
                    values = {**values, "closed_at": at}
                    closed += 1
                elif "closed_at" in values:
                    reopened += 1
                else:
                    updated += 1
                conn.execute(
                    sa.update(rectification_t)
                    .where(rectification_t.c.id == item.id)
                    .values(**values, version=item.version + 1, updated_by=user, updated_at=at)
                )
            return SyncResult(created, closed, reopened, updated)

    @guard("保存整改事项")
    def update(
        self,
        item_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int,
        user: str,
        base: Mapping[str, Any] | None = None,
        confirm_past_due: bool = False,
        reviewer: bool = True,
    ) -> RectificationItem:
        """Save the fields in ``changes`` (整改措施, 责任部门, 责任人, 完成时限, 完成情况,
        完成佐证, 状态) over the item at ``expected_version``; ``base`` holds those fields as the
        user's form showed them (for the merge on a stale version). ``reviewer``: the caller
        acts as the 评估组 (may set 已核验).

        Raises:
            RectificationConflict: another person changed one of these fields meanwhile.
            PastDueDate: a new 完成时限 before today without ``confirm_past_due``.
            StoreError: a field too long or invalid, a status the caller may not set.
        """
        clean = {name: check_field(name, value) for name, value in changes.items()}
        user = clean_user(user)
        aid = self.assessment_of(item_id)
        if aid is None:
            raise NotFoundError("没有这个整改事项（可能已随自评一起清除）")
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            row = conn.execute(
                sa.select(rectification_t).where(rectification_t.c.id == item_id)
            ).first()
            if row is None:
                raise NotFoundError("没有这个整改事项（可能已随自评一起清除）")
            current = item_from_row(row)
            if current.version != expected_version:
                if base is None:
                    raise RectificationConflict(current, sorted(clean))
                if clean.get("status") == VERIFIED and current.status != VERIFIED:
                    # 核验 attests the item as the panel read it: never merged over changes
                    seen = [f for f in UNIT_FIELDS if f in base and current.field(f) != base[f]]
                    raise RectificationConflict(current, seen or sorted(clean))
                theirs = [
                    f
                    for f in clean
                    if current.field(f) != base.get(f) and current.field(f) != clean[f]
                ]
                if theirs:
                    raise RectificationConflict(current, theirs)
            values = {f: v for f, v in clean.items() if current.field(f) != v}
            if not values:
                return current
            if "status" in values:
                problem = may_set_status(values["status"], current.status, reviewer=reviewer)
                if problem:
                    raise StoreError(problem)
            elif current.status == VERIFIED and not reviewer:
                raise StoreError("整改事项已由评估组核验，不能再修改；如有变化，请评估组取消核验")
            due = values.get("due_date")
            if due is not None and due < today() and not confirm_past_due:
                raise PastDueDate(
                    f"完成时限 {due.isoformat()} 早于今天（北京时间 {today().isoformat()}），"
                    "请确认确实如此后再保存"
                )
            if values.get("status") == VERIFIED:
                values["verified_by"] = user
            elif "status" in values and current.status == VERIFIED:
                values["verified_by"] = ""
            conn.execute(
                sa.update(rectification_t)
                .where(rectification_t.c.id == item_id)
                .values(**values, version=current.version + 1, updated_by=user, updated_at=now())
            )
            saved = conn.execute(
                sa.select(rectification_t).where(rectification_t.c.id == item_id)
            ).one()
            return item_from_row(saved)


def _get(conn: Connection, item_id: int) -> RectificationItem:
    row = conn.execute(sa.select(rectification_t).where(rectification_t.c.id == item_id)).first()
    if row is None:
        raise NotFoundError("没有这个整改事项（可能已随自评一起清除）")
    files = item_files(conn, [row.assessment_id]).get(row.id, ())
    return item_from_row(row, files)


def carry(conn: Connection, src: int, dest: int, user: str, at: datetime) -> int:
    """复制为下一轮: the open items of ``src`` (not closed, not 已完成/已核验) into ``dest``,
    each naming the item it came from; how many."""
    rows = []
    for item in item_rows(conn, [src]).get(src, []):
        if item.closed or item.status in FINISHED:
            continue
        rows.append(
            {
                "assessment_id": dest,
                "indicator_id": item.indicator_id,
                "source": item.source,
                "points_lost": item.points_lost,
                "reason": item.reason,
                **{name: getattr(item, name) for name in TEXT_FIELDS},
                "due_date": item.due_date,
                "status": item.status,
                "verified_by": "",
                "closed_note": "",
                "carried_from": item.id,
                "version": 1,
                "created_by": user,
                "created_at": at,
                "updated_by": user,
                "updated_at": at,
            }
        )
    if rows:
        conn.execute(sa.insert(rectification_t), rows)
    return len(rows)
