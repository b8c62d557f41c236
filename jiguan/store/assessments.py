"""Queries on units and assessments (each runs in the caller's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from jiguan.limits import MAX_ID
from jiguan.rubric import Rubric
from jiguan.scoring import answer_problem
from jiguan.store.errors import StoreError, assessment_deleted, assessment_not_found
from jiguan.store.history import Change, record_change
from jiguan.store.records import (
    AssessmentInfo,
    answer_from_row,
    answer_json,
    answer_values,
    assessment_info,
    clean_user,
)
from jiguan.store.schema import (
    MAX_NAME_CHARS,
    answers_t,
    assessments,
    files_t,
    history_t,
    rectification_files_t,
    review_history_t,
    reviews_t,
    units,
    verdicts_t,
)

_INFO = sa.select(
    assessments.c.id,
    units.c.name.label("unit_name"),
    assessments.c.round_name,
    assessments.c.rubric_version,
    assessments.c.profile,
    assessments.c.created_at,
    assessments.c.updated_at,
    assessments.c.deleted_at,
    assessments.c.predecessor_id,
).join(units, units.c.id == assessments.c.unit_id)


def get_info(conn: Connection, aid: int) -> AssessmentInfo:
    """The assessment, also when soft-deleted.

    Raises:
        NotFoundError: no such assessment (never created, or purged).
    """
    if not isinstance(aid, int) or not 0 < aid <= MAX_ID:
        raise assessment_not_found(aid)  # not a number the database could hold
    row = conn.execute(_INFO.where(assessments.c.id == aid)).first()
    if row is None:
        raise assessment_not_found(aid)
    return assessment_info(row)


def stamps(conn: Connection, aids: list[int]) -> dict[int, datetime]:
    """``updated_at`` of each of ``aids`` that exists, in one query."""
    ids = [aid for aid in aids if isinstance(aid, int) and 0 < aid <= MAX_ID]
    if not ids:
        return {}
    query = sa.select(assessments.c.id, assessments.c.updated_at).where(assessments.c.id.in_(ids))
    return {row.id: row.updated_at for row in conn.execute(query)}


def list_infos(conn: Connection, include_deleted: bool) -> list[AssessmentInfo]:
    query = _INFO.order_by(assessments.c.updated_at.desc(), assessments.c.id.desc())
    if not include_deleted:
        query = query.where(assessments.c.deleted_at.is_(None))
    return [assessment_info(row) for row in conn.execute(query)]


def lock(conn: Connection, aid: int, *, live: bool = True) -> Any:
    """Lock the assessment row for this transaction (serialises writers) and return it.

    Raises:
        NotFoundError: no such assessment.
        StoreError: it is soft-deleted and ``live`` (a write to a deleted assessment).
    """
    row = conn.execute(
        sa.select(assessments).where(assessments.c.id == aid).with_for_update()
    ).first()
    if row is None:
        raise assessment_not_found(aid)
    if live and row.deleted_at is not None:
        raise assessment_deleted()
    return row


def _unit_id(conn: Connection, name: str, now: datetime) -> int:
    found = conn.execute(sa.select(units.c.id).where(units.c.name == name)).scalar()
    if found is not None:
        return int(found)
    try:
        with conn.begin_nested():
            return int(
                conn.execute(
                    sa.insert(units).values(name=name, created_at=now).returning(units.c.id)
                ).scalar_one()
            )
    except sa_exc.IntegrityError:  # created meanwhile by another writer
        return int(conn.execute(sa.select(units.c.id).where(units.c.name == name)).scalar_one())


def _round_taken(conn: Connection, unit_id: int, round_name: str, exclude: int | None) -> bool:
    query = sa.select(assessments.c.id).where(
        assessments.c.unit_id == unit_id,
        assessments.c.round_name == round_name,
        assessments.c.deleted_at.is_(None),
    )
    if exclude is not None:
        query = query.where(assessments.c.id != exclude)
    return conn.execute(query).first() is not None


def _check_round_free(
    conn: Connection, unit_id: int, round_name: str, exclude: int | None = None
) -> None:
    if _round_taken(conn, unit_id, round_name, exclude):
        raise StoreError(f"该单位已有名为「{round_name}」的自评，请换一个名称")


def _insert(
    conn: Connection,
    unit_id: int,
    round_name: str,
    rubric: Rubric,
    profile: dict[str, str],
    now: datetime,
    predecessor_id: int | None = None,
) -> int:
    new_id = conn.execute(
        sa.insert(assessments)
        .values(
            unit_id=unit_id,
            round_name=round_name,
            rubric_version=rubric.version,
            profile=profile,
            created_at=now,
            updated_at=now,
            predecessor_id=predecessor_id,
        )
        .returning(assessments.c.id)
    ).scalar_one()
    return int(new_id)


def create(
    conn: Connection,
    rubric: Rubric,
    unit_name: str,
    round_name: str,
    profile: dict[str, str],
    now: datetime,
) -> AssessmentInfo:
    unit_id = _unit_id(conn, unit_name, now)
    _check_round_free(conn, unit_id, round_name)
    return get_info(conn, _insert(conn, unit_id, round_name, rubric, profile, now))


def update(
    conn: Connection,
    aid: int,
    *,
    unit_name: str | None,
    round_name: str | None,
    profile: dict[str, str] | None,
    now: datetime,
) -> AssessmentInfo:
    """Rename and/or replace the profile; None leaves a field as it is (names are clean)."""
    row = lock(conn, aid)
    values: dict[str, Any] = {}
    unit_id = row.unit_id
    if unit_name is not None:
        unit_id = values["unit_id"] = _unit_id(conn, unit_name, now)
    new_round = row.round_name
    if round_name is not None:
        new_round = values["round_name"] = round_name
    if unit_id != row.unit_id or new_round != row.round_name:
        _check_round_free(conn, unit_id, new_round, exclude=aid)
    if profile is not None:
        values["profile"] = profile
    if values:
        values["updated_at"] = now
        conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(**values))
    return get_info(conn, aid)


def duplicate(
    conn: Connection, rubric: Rubric, aid: int, round_name: str, user: str, now: datetime
) -> AssessmentInfo:
    """A new round with the answers (that still fit the rubric) and live files of ``aid``."""
    src = lock(conn, aid, live=False)
    _check_round_free(conn, src.unit_id, round_name)
    new_id = _insert(conn, src.unit_id, round_name, rubric, dict(src.profile or {}), now, aid)
    copied: list[dict[str, Any]] = []
    changes: list[Change] = []
    detail = f"复制自「{src.round_name}」"
    for row in conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid)):
        criterion = rubric.criteria.get(row.criterion_id)
        answer = answer_from_row(row)
        if criterion is None or answer_problem(criterion, answer) is not None:
            continue
        if answer.is_blank() and answer.points is None:
            continue
        copied.append(
            {
                "assessment_id": new_id,
                "criterion_id": row.criterion_id,
                **answer_values(answer),
                "version": 1,
                "updated_by": row.updated_by,
                "updated_at": row.updated_at,
            }
        )
        by = clean_user(user or row.updated_by)
        changes.append(
            Change(row.criterion_id, "copied", answer_json(answer), None, 1, None, detail, by)
        )
    if copied:
        conn.execute(sa.insert(answers_t), copied)
        record_change(conn, new_id, changes, user=clean_user(user), now=now)
    files = [
        {
            "assessment_id": new_id,
            "criterion_id": f.criterion_id,
            "filename": f.filename,
            "sha256": f.sha256,
            "size": f.size,
            "content_type": f.content_type,
            "uploaded_by": f.uploaded_by,
            "uploaded_at": f.uploaded_at,
        }
        for f in conn.execute(
            sa.select(files_t).where(files_t.c.assessment_id == aid, files_t.c.removed_at.is_(None))
        )
        if f.criterion_id in rubric.criteria
    ]
    if files:
        conn.execute(sa.insert(files_t), files)
    return get_info(conn, new_id)


def chain(conn: Connection, aid: int) -> list[AssessmentInfo]:
    """``aid`` and its predecessors, oldest first (a loop, impossible by construction, stops)."""
    out = [get_info(conn, aid)]
    seen = {aid}
    while out[0].predecessor_id is not None and out[0].predecessor_id not in seen:
        seen.add(out[0].predecessor_id)
        row = conn.execute(_INFO.where(assessments.c.id == out[0].predecessor_id)).first()
        if row is None:
            break
        out.insert(0, assessment_info(row))
    return out


def delete(conn: Connection, aid: int, now: datetime) -> None:
    row = lock(conn, aid, live=False)
    if row.deleted_at is None:
        conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(deleted_at=now))


def restore(conn: Connection, aid: int, now: datetime) -> AssessmentInfo:
    """Undo a soft delete; renamed 「<name>（恢复）」, 「（恢复2）」 … if the name is taken."""
    row = lock(conn, aid, live=False)
    if row.deleted_at is not None:
        round_name = row.round_name
        for n in range(2, 101):
            if not _round_taken(conn, row.unit_id, round_name, aid):
                break
            suffix = "（恢复）" if n == 2 else f"（恢复{n - 1}）"
            round_name = (row.round_name + suffix)[-MAX_NAME_CHARS:]
        conn.execute(
            sa.update(assessments)
            .where(assessments.c.id == aid)
            .values(deleted_at=None, updated_at=now, round_name=round_name)
        )
    return get_info(conn, aid)


def purge(conn: Connection, aid: int) -> set[str]:
    """Hard delete a soft-deleted assessment's rows; returns the hashes of its files.

    Raises:
        StoreError: the assessment is not deleted yet.
    """
    row = lock(conn, aid, live=False)
    if row.deleted_at is None:
        raise StoreError("只能彻底清除已删除的自评，请先删除。")
    hashes = {
        sha
        for table in (files_t, rectification_files_t)
        for sha in conn.execute(
            sa.select(table.c.sha256).where(table.c.assessment_id == aid)
        ).scalars()
    }
    for table in (
        rectification_files_t,
        review_history_t,
        verdicts_t,
        reviews_t,
        history_t,
        files_t,
        answers_t,
    ):
        conn.execute(sa.delete(table).where(table.c.assessment_id == aid))
    conn.execute(sa.delete(assessments).where(assessments.c.id == aid))
    return hashes


def unused_hashes(conn: Connection, hashes: set[str]) -> set[str]:
    """Which of these contents no evidence row refers to any more."""
    if not hashes:
        return set()
    used = {
        sha
        for table in (files_t, rectification_files_t)  # answers' and 整改事项' files share blobs
        for sha in conn.execute(
            sa.select(table.c.sha256).where(table.c.sha256.in_(hashes)).distinct()
        ).scalars()
    }
    return hashes - used
