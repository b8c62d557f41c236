"""Queries on evidence file rows (the contents live in `blobs`). Adding or removing a file is
a change of the criterion: it is recorded in the history with the attachment count."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.store.answers import attachment_counts, row_answer
from jiguan.store.errors import NotFoundError
from jiguan.store.history import Change, record_change
from jiguan.store.records import EvidenceFile, answer_json, evidence_file
from jiguan.store.schema import files_t


def _record(
    conn: Connection,
    aid: int,
    criterion_id: str,
    event: str,
    file_id: int,
    filename: str,
    before: int,
    user: str,
    now: datetime,
) -> None:
    after = before + (1 if event == "file_added" else -1)
    base = answer_json(row_answer(conn, aid, criterion_id))
    change = Change(
        criterion_id,
        event,
        new={**base, "attachments": after, "filename": filename},
        old={**base, "attachments": before, "filename": filename},
        file_id=file_id,
        detail=filename,
    )
    record_change(conn, aid, [change], user=user, now=now)


def add(
    conn: Connection,
    aid: int,
    criterion_id: str,
    *,
    shown: str,
    sha: str,
    size: int,
    content_type: str,
    user: str,
    now: datetime,
) -> EvidenceFile:
    """Attach a stored blob to a criterion (the caller holds the assessment lock); the same
    content on the same criterion returns the existing file."""
    same = conn.execute(
        sa.select(files_t).where(
            files_t.c.assessment_id == aid,
            files_t.c.criterion_id == criterion_id,
            files_t.c.sha256 == sha,
            files_t.c.removed_at.is_(None),
        )
    ).first()
    if same is not None:
        return evidence_file(same)
    before = attachment_counts(conn, aid, criterion_id).get(criterion_id, 0)
    file_id = conn.execute(
        sa.insert(files_t)
        .values(
            assessment_id=aid,
            criterion_id=criterion_id,
            filename=shown,
            sha256=sha,
            size=size,
            content_type=content_type,
            uploaded_by=user,
            uploaded_at=now,
        )
        .returning(files_t.c.id)
    ).scalar_one()
    _record(conn, aid, criterion_id, "file_added", file_id, shown, before, user, now)
    return get(conn, file_id)


def listing(
    conn: Connection, aid: int, criterion_id: str | None, include_removed: bool
) -> list[EvidenceFile]:
    query = sa.select(files_t).where(files_t.c.assessment_id == aid)
    if criterion_id is not None:
        query = query.where(files_t.c.criterion_id == criterion_id)
    if not include_removed:
        query = query.where(files_t.c.removed_at.is_(None))
    rows = conn.execute(query.order_by(files_t.c.uploaded_at, files_t.c.id))
    return [evidence_file(r) for r in rows]


def get(conn: Connection, file_id: int) -> EvidenceFile:
    """Raises NotFoundError when there is no such file (or its assessment was purged)."""
    row = conn.execute(sa.select(files_t).where(files_t.c.id == file_id)).first()
    if row is None:
        raise NotFoundError(f"找不到编号为 {file_id} 的佐证材料")
    return evidence_file(row)


def remove(conn: Connection, file: EvidenceFile, user: str, now: datetime) -> None:
    """Detach (soft; the caller holds the assessment lock and re-read ``file``)."""
    if file.removed_at is not None:
        return
    cid = file.criterion_id
    before = attachment_counts(conn, file.assessment_id, cid).get(cid, 0)
    conn.execute(
        sa.update(files_t).where(files_t.c.id == file.id).values(removed_at=now, removed_by=user)
    )
    _record(
        conn, file.assessment_id, cid, "file_removed", file.id, file.filename, before, user, now
    )
