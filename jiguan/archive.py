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
everything is checked first, then written in one transaction; a bad archive changes nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from jiguan.store import Store, StoreError, metadata
from jiguan.store.blobs import BlobStore, sha256
from jiguan.store.schema import UTCDateTime
from jiguan.text import os_error_text

FORMAT = "jiguan-archive"
VERSION = 1
MANIFEST = "archive.json"
MAX_PROBLEMS = 10  # listed in one refusal; the rest are counted


class ArchiveError(Exception):
    """The archive cannot be written or is refused; the message is Chinese and says where."""


@contextmanager
def zip_errors(path: Path) -> Iterator[None]:
    """Reading ``path`` as a ZIP (an archive or a backup): a missing or broken file becomes an
    `ArchiveError` that says so; other errors pass on to the caller's own wording."""
    try:
        yield
    except FileNotFoundError:
        raise ArchiveError(f"找不到文件：{path}") from None
    except (zipfile.BadZipFile, EOFError):
        raise ArchiveError(f"{path} 不是有效的 ZIP 文件（文件损坏或未下载完整）") from None


@dataclass(frozen=True)
class ArchiveSummary:
    """What an export wrote or an import read."""

    rows: dict[str, int]
    files: int
    missing_files: tuple[str, ...] = ()

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
    hashes = sorted(
        {row["sha256"] for t, rows in tables if t.name == "evidence_files" for row in rows}
    )
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


class _Problems(list[str]):
    def add(self, text: str) -> None:
        self.append(text)

    def raise_if_any(self, archive: Path) -> None:
        if not self:
            return
        shown = "\n".join(f"  {p}" for p in self[:MAX_PROBLEMS])
        more = f"\n  ……另有 {len(self) - MAX_PROBLEMS} 处" if len(self) > MAX_PROBLEMS else ""
        raise ArchiveError(f"归档 {archive} 未被接受，数据库没有任何改动：\n{shown}{more}")


def _decode(column: sa.Column[Any], value: Any, where: str, problems: _Problems) -> Any:
    """The database value for one archived cell; a problem is recorded when it does not fit."""
    kind = column.type
    if value is None:
        if not column.nullable:
            problems.add(f"{where}：不能为空")
        return None
    if isinstance(kind, UTCDateTime):
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            problems.add(f"{where}：不是带时区的时间（{str(value)[:40]}）")
        return parsed
    if isinstance(kind, sa.JSON):
        return value
    if isinstance(kind, sa.Integer):
        if type(value) is not int:
            problems.add(f"{where}：应为整数（{str(value)[:40]}）")
        return value
    if isinstance(kind, sa.Float):
        if type(value) not in (int, float):
            problems.add(f"{where}：应为数字（{str(value)[:40]}）")
        return value
    if isinstance(kind, sa.String):  # also Text
        if not isinstance(value, str):
            problems.add(f"{where}：应为文字")
        elif kind.length is not None and len(value) > kind.length:
            problems.add(f"{where}：超过 {kind.length} 个字符")
        return value
    return value


def _read_json(zf: zipfile.ZipFile, name: str) -> Any:
    return json.loads(zf.read(name).decode("utf-8"))


def _read_table(zf: zipfile.ZipFile, table: sa.Table, problems: _Problems) -> list[dict[str, Any]]:
    name = f"tables/{table.name}.jsonl"
    if name not in zf.namelist():
        problems.add(f"缺少 {name}")
        return []
    rows = []
    text = zf.read(name).decode("utf-8")
    for n, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        where = f"{name} 第 {n} 行"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(f"{where}：不是有效的 JSON（{exc.msg}）")
            continue
        if not isinstance(raw, dict):
            problems.add(f"{where}：应为一个对象")
            continue
        unknown = set(raw) - set(table.columns.keys())
        if unknown:
            problems.add(f"{where}：本程序没有这些列：{'、'.join(sorted(unknown))}")
            continue
        row = {}
        for column in table.columns:
            if column.name in raw:
                row[column.name] = _decode(
                    column, raw[column.name], f"{where} 列 {column.name}", problems
                )
            elif not column.nullable and column.default is None:
                problems.add(f"{where}：缺少列 {column.name}")
        rows.append(row)
    return rows


def read_archive(path: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, bytes], dict]:
    """Rows per table, file contents by hash, and the manifest, all checked.

    Raises:
        ArchiveError: the archive is unreadable, of another format, or inconsistent.
    """
    problems = _Problems()
    try:
        with zip_errors(path), zipfile.ZipFile(path) as zf:
            try:
                manifest = _read_json(zf, MANIFEST)
            except KeyError:
                raise ArchiveError(
                    f"{path} 不是本程序导出的数据归档（缺少 {MANIFEST}）。"
                    "请使用 python -m jiguan export 生成的文件。"
                ) from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ArchiveError(f"{path} 不是本程序导出的数据归档（{MANIFEST} 格式不符）")
            if manifest.get("version") != VERSION:
                raise ArchiveError(
                    f"归档格式版本为 {manifest.get('version')}，本程序只能导入版本 {VERSION}；"
                    "请用与导出时相同或更新版本的程序导入"
                )
            known = {t.name for t in _tables()}
            extra = set(manifest.get("tables") or {}) - known
            if extra:
                problems.add(
                    f"本程序没有这些表（归档来自更新的版本？）：{'、'.join(sorted(extra))}"
                )
            rows = {t.name: _read_table(zf, t, problems) for t in _tables()}
            for name, info in (manifest.get("tables") or {}).items():
                if name in rows and isinstance(info, dict) and info.get("rows") != len(rows[name]):
                    problems.add(f"tables/{name}.jsonl 行数与 {MANIFEST} 不符（归档不完整？）")
            files = {}
            for sha in manifest.get("files") or []:
                try:
                    data = zf.read(f"files/{sha}")
                except KeyError:
                    problems.add(f"缺少佐证材料文件 files/{sha}")
                    continue
                if sha256(data) != sha:
                    problems.add(f"佐证材料文件 files/{sha} 已损坏（校验不符）")
                    continue
                files[sha] = data
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{path} 中的数据无法解读（{exc}）") from None
    except OSError as exc:
        raise ArchiveError(f"无法读取 {path}：{os_error_text(exc)}") from None
    lacking = set(manifest.get("missing_files") or [])
    for row in rows.get("evidence_files", []):
        sha = row.get("sha256")
        if sha not in files and sha not in lacking:
            problems.add(f"佐证材料（编号 {row.get('id')}）的文件内容不在归档中")
    problems.raise_if_any(path)
    return rows, files, manifest


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


def import_archive(store: Store, path: Path) -> ArchiveSummary:
    """Load an archive into this store's database, which must be empty (it is migrated first).

    Raises:
        ArchiveError: the archive is refused or the database is not empty; nothing changed.
    """
    rows, files, manifest = read_archive(path)
    try:
        store.migrate()
        with store.engine.connect() as conn:
            present = {
                t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in _tables()
            }
    except (StoreError, sa.exc.SQLAlchemyError) as exc:
        raise ArchiveError(f"无法打开数据库：{_reason(exc)}") from None
    if any(present.values()):
        raise ArchiveError(
            f"目标数据库不是空的（已有 {present.get('assessments', 0)} 个自评），"
            "导入只能写入空数据库，"
            "数据库没有任何改动。请换用新的数据库，或先用 backup 备份后清空。"
        )
    blobs = BlobStore(store.files_dir)
    written = [sha for sha in files if not blobs.path(sha).exists()]
    try:
        for sha in written:
            blobs.write(sha, files[sha])
        with store.engine.connect() as conn:
            conn.execution_options(jiguan_write=True)
            with conn.begin():
                for table in _tables():
                    if rows[table.name]:
                        conn.execute(sa.insert(table), rows[table.name])
                if store.dialect == "postgresql":
                    _reset_sequences(conn)
    except (OSError, StoreError, sa.exc.SQLAlchemyError) as exc:
        for sha in written:
            blobs.path(sha).unlink(missing_ok=True)
        raise ArchiveError(f"导入失败，数据库没有任何改动：{_reason(exc)}") from None
    missing = tuple(manifest.get("missing_files") or ())
    return ArchiveSummary({t: len(r) for t, r in rows.items()}, len(files), missing)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, OSError):
        return os_error_text(exc)
    from jiguan.store import translate_error

    return str(translate_error(exc, "导入数据"))
