"""The change log: every write that changes what a criterion shows goes through
`record_change`, which adds the history entries and touches the assessment's ``updated_at``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.scoring import Answer
from jiguan.store.records import HistoryEntry, answer_from_json, json_dict
from jiguan.store.schema import assessments, history_t


@dataclass(frozen=True, slots=True)
class Change:
    """One history entry to write. ``old``/``new`` are answers as JSON (`answer_json`), for
    file events with ``attachments`` and ``filename`` added."""

    criterion_id: str
    event: str  # "answer", "file_added", "file_removed", "copied"
    new: dict[str, Any]
    old: dict[str, Any] | None = None
    version: int | None = None
    file_id: int | None = None
    detail: str = ""
    by: str | None = None  # who, when not the caller (a copied answer keeps its author)


def record_change(
    conn: Connection, aid: int, changes: Iterable[Change], *, user: str, now: datetime
) -> None:
    """Add the entries and touch ``updated_at``, in the caller's transaction (nothing for none)."""
    rows = [
        {
            "assessment_id": aid,
            "criterion_id": c.criterion_id,
            "event": c.event,
            "version": c.version,
            "old": c.old,
            "new": c.new,
            "file_id": c.file_id,
            "detail": c.detail,
            "changed_by": c.by or user,
            "changed_at": now,
        }
        for c in changes
    ]
    if not rows:
        return
    conn.execute(sa.insert(history_t), rows)
    conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(updated_at=now))


def read_history(conn: Connection, aid: int, criterion_id: str | None) -> list[HistoryEntry]:
    """Every change, oldest first (per criterion when ``criterion_id`` is given)."""
    query = sa.select(history_t).where(history_t.c.assessment_id == aid)
    if criterion_id is not None:
        query = query.where(history_t.c.criterion_id == criterion_id)
    query = query.order_by(history_t.c.changed_at, history_t.c.id)
    out: list[HistoryEntry] = []
    for r in conn.execute(query):
        old_data, new_data = json_dict(r.old), json_dict(r.new)
        out.append(
            HistoryEntry(
                criterion_id=r.criterion_id,
                old=answer_from_json(old_data, (old_data or {}).get("attachments", 0)),
                new=answer_from_json(new_data, (new_data or {}).get("attachments", 0)) or Answer(),
                changed_by=r.changed_by,
                changed_at=r.changed_at,
                event=r.event,
                version=r.version,
                filename=(new_data or {}).get("filename"),
                detail=r.detail or "",
            )
        )
    return out
