"""Every assessment, answer, history entry and evidence file as one ZIP, independent of the
database: to move a unit's data from a laptop's SQLite to a server's PostgreSQL and back.

Format (``jiguan-archive`` version 1)::

    archive.json            format, version, created_at, schema revision, per-table columns
                            and row counts, the evidence file hashes it holds and lacks
    tables/<table>.jsonl    one JSON object per row, keyed by column name; datetimes as
                            ISO 8601 UTC strings, JSON columns as JSON
    files/<sha256>          evidence file contents (content-addressed, as on the server)

Tables are whatever `jiguan.store.schema.metadata` holds, so a table added with a migration is
carried without changing this module. Ids are kept, so links (``?a=<id>``) and history stay
valid. Import goes into an *empty* database only (merging two databases would renumber ids):
everything is checked first (`jiguan.archive_read`: bounds, shapes, every row by the store's own
checks, every file's hash), then written in one transaction; a bad archive changes nothing.
Accounts, their units, workshops and the audit log come in only when asked (``--with-accounts``);
logins never: whoever wrote the archive could have put a login row there whose cookie they hold.
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from jiguan.archive_read import (
    FORMAT,
    MANIFEST,
    VERSION,
    Archive,
    ArchiveError,
    imported_tables,
    read_archive,
    zip_errors,
)
from jiguan.archive_rows import FILE_TABLES
from jiguan.store import Store, StoreError, metadata
from jiguan.store.blobs import BlobStore, sha256
from jiguan.store.schema import UTCDateTime
from jiguan.text import os_error_text

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveSummary",
    "export_archive",
    "import_archive",
    "read_archive",
    "zip_errors",
]


@dataclass(frozen=True)
class ArchiveSummary:
    """What an export wrote or an import read."""

    rows: dict[str, int]
    files: int
    missing_files: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()  # tables not imported (accounts without --with-accounts)

    @property
    def assessments(self) -> int:
        return self.rows.get("assessments", 0)


def _tables() -> list[sa.Table]:
    return list(metadata.sorted_tables)  # parents before children (foreign keys)


# ---- export ---------------------------------------------------------------------------------


def _encode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return value.astimezone(UTC).isoformat()
    return value


def _snapshot(conn: sa.Connection) -> Iterator[tuple[sa.Table, list[dict[str, Any]]]]:
    for table in _tables():
        pk = list(table.primary_key.columns)
        rows = conn.execute(sa.select(table).order_by(*pk)).mappings()
        yield table, [{c.name: _encode(c, row[c.name]) for c in table.columns} for row in rows]


def export_archive(store: Store, out: Path) -> ArchiveSummary:
    """Write the whole database and its evidence files to ``out`` (a ZIP).

    The rows come from one read transaction (a consistent snapshot while the app runs). A file
    whose content is missing or damaged on the server is listed in ``missing_files`` and left
    out; its rows are kept.

    Raises:
        ArchiveError: the database cannot be read or ``out`` cannot be written.
    """
    try:
        revision = store.schema_revision()
        with store.engine.connect() as conn:
            if store.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                tables = list(_snapshot(conn))
    except (StoreError, sa.exc.SQLAlchemyError) as exc:
        raise ArchiveError(f"无法读取数据库：{_reason(exc)}") from None
    blobs = BlobStore(store.files_dir)
    hashes = sorted({row["sha256"] for t, rows in tables if t.name in FILE_TABLES for row in rows})
    partial = out.with_name(out.name + ".part")
    stored: list[str] = []
    missing: list[str] = []
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for table, rows in tables:
                lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
                zf.writestr(f"tables/{table.name}.jsonl", lines)
            for sha in hashes:
                try:
                    data = blobs.read(sha, sha)
                except StoreError:
                    missing.append(sha)
                    continue
                zf.writestr(f"files/{sha}", data, compress_type=zipfile.ZIP_STORED)
                stored.append(sha)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "schema": revision,
                "tables": {
                    t.name: {"columns": [c.name for c in t.columns], "rows": len(rows)}
                    for t, rows in tables
                },
                "files": stored,
                "missing_files": missing,
            }
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"无法写入 {out}：{os_error_text(exc)}") from None
    return ArchiveSummary({t.name: len(r) for t, r in tables}, len(stored), tuple(missing))


# ---- import ---------------------------------------------------------------------------------


def _reset_sequences(conn: sa.Connection) -> None:
    """PostgreSQL: the next id after the imported ones (SQLite's AUTOINCREMENT follows)."""
    for table in _tables():
        if "id" in table.columns and isinstance(table.c.id.type, sa.Integer):
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def import_archive(store: Store, path: Path, *, with_accounts: bool = False) -> ArchiveSummary:
    """Load an archive into this store's database, which must be empty (it is migrated first).

    Accounts, their units, workshops and the audit log come in only ``with_accounts``; logins
    never (everyone signs in again). The import itself is audited.

    Raises:
        ArchiveError: the archive is refused or the database is not empty; nothing changed.
    """
    archive = read_archive(
        path, store.rubric, with_accounts=with_accounts, max_file_bytes=store.max_file_bytes
    )
    tables = imported_tables(with_accounts)
    try:
        store.migrate()
        with store.engine.connect() as conn:
            # Only the tables it writes: an administrator made before the import may stay.
            present = {
                t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables
            }
    except (StoreError, sa.exc.SQLAlchemyError) as exc:
        raise ArchiveError(f"无法打开数据库：{_reason(exc)}") from None
    if any(present.values()):
        held = "、".join(name for name, n in present.items() if n)
        raise ArchiveError(
            f"目标数据库不是空的（已有 {present.get('assessments', 0)} 个自评），"
            f"有数据的表：{held}；导入只能写入空数据库，"
            "数据库没有任何改动。请换用新的数据库，或先用 backup 备份后清空。"
        )
    blobs = BlobStore(store.files_dir)
    written = [sha for sha in archive.files if not blobs.path(sha).exists()]
    try:
        with zip_errors(path), zipfile.ZipFile(path) as zf:
            for sha in written:
                data = zf.read(archive.files[sha])  # at most an upload's size (checked)
                if sha256(data) != sha:  # the file changed since it was checked
                    raise ArchiveError(f"佐证材料文件 files/{sha} 已损坏（校验不符）")
                blobs.write(sha, data)
        with store.engine.connect() as conn:
            conn.execution_options(jiguan_write=True)
            with conn.begin():
                for table in tables:
                    if archive.rows[table.name]:
                        conn.execute(sa.insert(table), archive.rows[table.name])
                if store.dialect == "postgresql":
                    _reset_sequences(conn)
    except (OSError, StoreError, ArchiveError, sa.exc.SQLAlchemyError) as exc:
        for sha in written:
            blobs.path(sha).unlink(missing_ok=True)
        raise ArchiveError(f"导入失败，数据库没有任何改动：{_reason(exc)}") from None
    summary = ArchiveSummary(
        {t: len(r) for t, r in archive.rows.items()},
        len(archive.files),
        tuple(archive.manifest["missing_files"]),
        archive.left_out,
    )
    _audit(store, path, summary)
    return summary


def _audit(store: Store, path: Path, summary: ArchiveSummary) -> None:
    from jiguan.accounts import LOCAL, Caller

    left_out = f"；未导入：{'、'.join(summary.left_out)}" if summary.left_out else ""
    detail = f"{summary.assessments} 个自评、{summary.files} 个文件{left_out}"
    # The data is in; an audit entry that cannot be written must not undo it.
    with contextlib.suppress(StoreError):
        store.users.record(Caller("命令行", LOCAL), "导入归档", path.name, detail)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, OSError):
        return os_error_text(exc)
    from jiguan.store import translate_error

    return str(translate_error(exc, "导入数据"))
