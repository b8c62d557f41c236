"""Queries on answers: reading the sheet, the compare-and-set save, the whole-sheet import.

Every answer row carries a version. `save` is a compare-and-set: the caller says which version
it saw (0 = "no saved answer"); if the row has moved on, nothing is written and `ConflictError`
carries the current value. The caller holds the assessment lock (`assessments.lock`), so the
check and the write cannot interleave.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.cells import ANSWER_CELL, C, Cell, CellKind
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import assessments as assessments_q
from jiguan.store.engine import Database
from jiguan.store.errors import ConflictError, StoreError
from jiguan.store.history import Change, record_change
from jiguan.store.records import (
    SavedAnswer,
    answer_from_row,
    answer_json,
    check_cell,
    check_cells,
    clean_user,
    same_answer,
    saved_answer,
)
from jiguan.store.schema import answers_t, files_t


def check_answer(rubric: Rubric, criterion_id: str, answer: Answer) -> None:
    """Raises StoreError (naming the criterion) when the answer cannot be saved."""
    check_cell(ANSWER_CELL, rubric, criterion_id, answer)


@contextmanager
def importing(
    db: Database,
    kind: CellKind[C],
    rubric: Rubric,
    key: tuple[int, Mapping[str, Cell]],
    user: str,
    refused: str,
) -> Iterator[tuple[Connection, str]]:
    """A whole sheet of cells (answers or verdicts) about to replace what is saved: every cell
    is checked first (StoreError lists every problem, ``refused`` first; nothing written),
    then one transaction holding the assessment lock, with the cleaned user name."""
    aid, cells = key
    check_cells(kind, rubric, cells, refused)
    with db.write() as conn:
        assessments_q.lock(conn, aid)
        yield conn, clean_user(user)


def attachment_counts(
    conn: Connection, aid: int, criterion_id: str | None = None
) -> dict[str, int]:
    query = (
        sa.select(files_t.c.criterion_id, sa.func.count())
        .where(files_t.c.assessment_id == aid, files_t.c.removed_at.is_(None))
        .group_by(files_t.c.criterion_id)
    )
    if criterion_id is not None:
        query = query.where(files_t.c.criterion_id == criterion_id)
    return {cid: int(n) for cid, n in conn.execute(query)}


def _row(conn: Connection, aid: int, criterion_id: str) -> Any:
    return conn.execute(
        sa.select(answers_t).where(
            answers_t.c.assessment_id == aid, answers_t.c.criterion_id == criterion_id
        )
    ).first()


def current(conn: Connection, aid: int, criterion_id: str) -> SavedAnswer | None:
    row = _row(conn, aid, criterion_id)
    if row is None:
        return None
    return saved_answer(row, attachment_counts(conn, aid, criterion_id).get(criterion_id, 0))


def row_answer(conn: Connection, aid: int, criterion_id: str) -> Answer:
    """The saved answer without attachments (blank when none is saved)."""
    row = _row(conn, aid, criterion_id)
    return Answer() if row is None else answer_from_row(row)


def load(conn: Connection, aid: int) -> dict[str, SavedAnswer]:
    counts = attachment_counts(conn, aid)
    rows = conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid))
    return {r.criterion_id: saved_answer(r, counts.get(r.criterion_id, 0)) for r in rows}


def sheet(conn: Connection, aid: int) -> dict[str, Answer]:
    """Saved answers, plus criteria that have files but no answer (unanswered, attachments)."""
    counts = attachment_counts(conn, aid)
    rows = conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid))
    out = {r.criterion_id: answer_from_row(r, counts.get(r.criterion_id, 0)) for r in rows}
    for cid, n in counts.items():
        out.setdefault(cid, Answer(attachments=n))
    return out


def write_cell(
    conn: Connection,
    table: sa.Table,
    kind: CellKind[C],
    key: tuple[int, str],
    row: Any,
    cell: Cell,
    user: str,
    now: datetime,
) -> int:
    """Insert or update one versioned cell (an answer or a verdict: the update only if the row
    is still at ``row.version``); returns the new version, 0 when the row had moved on."""
    aid, criterion_id = key
    stamp = {"updated_by": user, "updated_at": now, **kind.values(cell)}
    if row is None:
        conn.execute(
            sa.insert(table).values(
                assessment_id=aid, criterion_id=criterion_id, version=1, **stamp
            )
        )
        return 1
    version = row.version + 1
    result = conn.execute(
        sa.update(table)
        .where(table.c.id == row.id, table.c.version == row.version)
        .values(version=version, **stamp)
    )
    return version if result.rowcount == 1 else 0


def _write_row(
    conn: Connection, aid: int, cid: str, row: Any, answer: Answer, user: str, now: datetime
) -> int:
    return write_cell(conn, answers_t, ANSWER_CELL, (aid, cid), row, answer, user, now)


def save(
    conn: Connection,
    aid: int,
    criterion_id: str,
    answer: Answer,
    expected: int,
    user: str,
    now: datetime,
) -> SavedAnswer:
    """Compare-and-set one answer (the caller holds the assessment lock).

    Raises:
        ConflictError: the saved version is not ``expected``.
    """
    row = _row(conn, aid, criterion_id)
    if (row.version if row is not None else 0) != expected:
        raise ConflictError(current(conn, aid, criterion_id))
    attachments = attachment_counts(conn, aid, criterion_id).get(criterion_id, 0)
    if row is None and answer.is_blank() and answer.points is None:
        return SavedAnswer(criterion_id, Answer(attachments=attachments), 0, "", None)
    if row is not None and same_answer(row, answer):
        return saved_answer(row, attachments)
    version = _write_row(conn, aid, criterion_id, row, answer, user, now)
    if not version:
        raise ConflictError(current(conn, aid, criterion_id))
    old = None if row is None else answer_json(answer_from_row(row))
    change = Change(criterion_id, "answer", answer_json(answer), old, version)
    record_change(conn, aid, [change], user=user, now=now)
    return SavedAnswer(
        criterion_id=criterion_id,
        cell=Answer(answer.value, answer.points, answer.evidence, answer.note, attachments),
        version=version,
        updated_by=user,
        updated_at=now,
    )


def replace(
    conn: Connection,
    rubric: Rubric,
    aid: int,
    answers: Mapping[str, Answer],
    user: str,
    now: datetime,
) -> None:
    """Make the saved sheet equal ``answers`` (checked by the caller); criteria missing from
    it become unanswered; unchanged answers keep their version."""
    existing = {
        r.criterion_id: r
        for r in conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid))
    }
    blank = Answer()
    changes: list[Change] = []
    for cid in rubric.criteria:
        new = answers.get(cid, blank)
        row = existing.get(cid)
        if row is None and new.is_blank() and new.points is None:
            continue
        if row is not None and same_answer(row, new):
            continue
        version = _write_row(conn, aid, cid, row, new, user, now)
        if not version:  # cannot happen under the assessment lock
            raise StoreError("导入时此自评被同时修改，答题表未导入，请重试。")
        old = None if row is None else answer_json(answer_from_row(row))
        changes.append(Change(cid, "answer", answer_json(new), old, version, None, "导入答题表"))
    record_change(conn, aid, changes, user=user, now=now)
