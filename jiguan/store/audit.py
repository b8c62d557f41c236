"""The audit log: reading it with filters, and its CSV export (the writing is
`jiguan.store.users.Users.record`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.format import format_time
from jiguan.store.schema import audit_t


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str
    address: str


def audit_query(
    conn: Connection,
    limit: int = 1000,
    *,
    actor: str = "",
    action: str = "",
    text: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` entries, newest first, optionally filtered: ``actor`` and
    ``action`` exactly, ``text`` anywhere in target or detail, ``since ≤ at < until``."""
    query = sa.select(audit_t)
    if actor:
        query = query.where(audit_t.c.actor == actor)
    if action:
        query = query.where(audit_t.c.action == action)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            audit_t.c.target.like(pattern, escape="\\")
            | audit_t.c.detail.like(pattern, escape="\\")
        )
    if since is not None:
        query = query.where(audit_t.c.at >= since)
    if until is not None:
        query = query.where(audit_t.c.at < until)
    rows = conn.execute(query.order_by(audit_t.c.id.desc()).limit(limit)).all()
    return [AuditEntry(r.at, r.actor, r.action, r.target, r.detail, r.address) for r in rows]


def audit_actions(conn: Connection) -> list[str]:
    query = sa.select(audit_t.c.action).distinct().order_by(audit_t.c.action)
    return list(conn.execute(query).scalars())


AUDIT_HEADERS = ("时间", "账户", "操作", "对象", "详情", "地址")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv(entries: list[AuditEntry]) -> bytes:
    """The audit log as CSV (UTF-8 with BOM, Chinese headers, times in 北京时间)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_HEADERS)
    for e in entries:
        cells = (format_time(e.at), e.actor, e.action, e.target, e.detail, e.address)
        writer.writerow([_cell(str(c)) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
