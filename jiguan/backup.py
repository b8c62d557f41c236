"""A consistent snapshot of the database and evidence files while the app runs, and its restore.

Unlike `jiguan.archive` (database-independent, for moving), a backup is the database's own
copy: SQLite's online backup API (one read transaction, so writers keep going), or ``pg_dump``
in custom format on PostgreSQL. The ZIP holds::

    backup.json                 format, database kind, created_at, schema revision
    database.sqlite3 | database.pgdump
    files/<sha[:2]>/<sha256>    evidence file contents

The database is copied first and the files after: a file's content is stored before its row
commits, so every row in the snapshot finds its file. Restoring replaces the whole database;
stop the app processes first (restore cannot tell whether they run).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from jiguan.archive import ArchiveError, zip_errors
from jiguan.backup_check import pgdump_schema, schema_problem, sqlite_schema
from jiguan.format import size_text
from jiguan.limits import MAX_ARCHIVE_ENTRIES
from jiguan.store import Store, StoreError
from jiguan.store.blobs import BlobStore, sha256
from jiguan.text import os_error_text
from jiguan.zipcheck import ratio_problem

FORMAT = "jiguan-backup"
VERSION = 1
MANIFEST = "backup.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
PG_CLIENT_HOW = "请在服务器上安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）"


@dataclass(frozen=True)
class BackupSummary:
    database: str
    files: int
    bytes: int


def _sqlite_path(store: Store) -> Path:
    database = sa.make_url(store.url).database
    if not database or database == ":memory:":
        raise ArchiveError("内存数据库无法备份")
    return Path(database)


def _libpq(store: Store) -> tuple[str, list[str]]:
    """The libpq URL for pg_dump/pg_restore and, when the URL pins a search_path (one schema
    of a shared database), the ``-n`` option limiting them to that schema."""
    url = sa.make_url(store.url).set(drivername="postgresql")
    options = url.query.get("options", "")
    schema = []
    if isinstance(options, str) and "search_path=" in options:
        schema = ["-n", options.split("search_path=", 1)[1].split()[0].split(",")[0]]
    return url.render_as_string(hide_password=False), schema


def _run_pg(tool: str, args: list[str]) -> None:
    if shutil.which(tool) is None:
        raise ArchiveError(f"找不到 {tool}，无法备份或恢复 PostgreSQL 数据库。{PG_CLIENT_HOW}")
    done = subprocess.run([tool, *args], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["（无输出）"])[-1]
        raise ArchiveError(f"{tool} 执行失败（退出码 {done.returncode}）：{detail}")


def _dump_database(store: Store, target: Path) -> None:
    if store.dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(store), timeout=store.op_timeout)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # one step: a consistent snapshot, writers only wait briefly
        finally:
            copy.close()
            source.close()
    elif store.dialect == "postgresql":
        url, schema = _libpq(store)
        _run_pg("pg_dump", ["--format=custom", "--no-owner", *schema, f"--file={target}", url])
    else:
        raise ArchiveError(f"不支持备份 {store.dialect} 数据库")


def backup(store: Store, out: Path) -> BackupSummary:
    """Write a snapshot of the database and evidence files to ``out`` (a ZIP).

    Raises:
        ArchiveError: a tool is missing, the database cannot be read or ``out`` written.
    """
    partial = out.with_name(out.name + ".part")
    try:
        revision = store.schema_revision()
        with tempfile.TemporaryDirectory(prefix="jiguan-backup-") as tmp:
            dump = Path(tmp) / DUMP_NAMES.get(store.dialect, "database")
            _dump_database(store, dump)
            files = sorted(p for p in store.files_dir.glob("??/*") if p.is_file())
            files = [p for p in files if not p.name.startswith(".")]  # half-written uploads
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.write(dump, dump.name)
                for path in files:
                    zf.write(path, f"files/{path.parent.name}/{path.name}", zipfile.ZIP_STORED)
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "database": store.dialect,
                    "created_at": datetime.now(UTC).isoformat(),
                    "schema": revision,
                }
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        partial.replace(out)
    except ArchiveError:
        partial.unlink(missing_ok=True)
        raise
    except (StoreError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"无法读取数据库：{exc}") from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"无法写入备份 {out}：{os_error_text(exc)}") from None
    return BackupSummary(store.dialect, len(files), out.stat().st_size)


def _read_manifest(zf: zipfile.ZipFile, path: Path, dialect: str) -> str:
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise ArchiveError(
            f"{path} 不是本程序生成的备份（缺少或无法解读 {MANIFEST}）。"
            "数据归档（export 生成）请用 import 导入。"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{path} 不是本程序生成的备份（{MANIFEST} 格式不符）")
    kind = manifest.get("database")
    if kind != dialect:
        raise ArchiveError(
            f"备份来自 {kind} 数据库，当前数据库是 {dialect}；在两种数据库之间迁移请用 "
            "export / import"
        )
    name = DUMP_NAMES[dialect]
    if name not in zf.namelist():
        raise ArchiveError(f"备份 {path} 不完整：缺少 {name}")
    return name


def _check_sqlite(dump: Path) -> None:
    check = sqlite3.connect(dump)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"备份中的数据库文件已损坏：{exc}") from None
    finally:
        check.close()
    if ok != "ok":
        raise ArchiveError(f"备份中的数据库文件已损坏：{ok}")


def _restore_sqlite(store: Store, dump: Path) -> None:
    store.close()
    target = _sqlite_path(store)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        # Fold the write-ahead log into the old file, which is kept beside the new one.
        with contextlib.closing(sqlite3.connect(target, timeout=store.op_timeout)) as old:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        os.replace(target, target.with_name(f"{target.name}.before-restore-{stamp}"))
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(dump, target.with_name(target.name + ".restoring"))
    os.replace(target.with_name(target.name + ".restoring"), target)


def _check_bounds(zf: zipfile.ZipFile, max_file_bytes: int) -> None:
    """Declared sizes, before anything is extracted: entry count, each evidence file's size,
    each entry's ratio (a database is not a zip bomb either)."""
    infos = zf.infolist()
    if len(infos) > MAX_ARCHIVE_ENTRIES:
        raise ArchiveError(f"备份中有 {len(infos):,} 个文件，超过 {MAX_ARCHIVE_ENTRIES:,} 个")
    for info in infos:
        problem = ratio_problem(info)
        is_file = info.filename.startswith("files/")
        if problem is None and is_file and info.file_size > max_file_bytes:
            size = size_text(info.file_size)
            problem = f"的「{info.filename}」有 {size}，超过单个佐证材料的上限"
        if problem:
            raise ArchiveError(f"备份未被接受，数据库没有任何改动：备份中{problem}")


def _blobs(zf: zipfile.ZipFile) -> dict[str, str]:
    """The evidence files (sha -> member), each streamed against its hash; a member that is
    not one this program writes is never a path outside files_dir, and is refused."""
    out = {}
    for member in zf.namelist():
        if not member.startswith("files/") or member.endswith("/"):
            continue
        sha = member.rsplit("/", 1)[-1]
        if member != f"files/{sha[:2]}/{sha}" or not _SHA_RE.match(sha):
            raise ArchiveError(
                f"备份未被接受，数据库没有任何改动：备份中有不认识的文件 {member[:80]}"
            )
        digest = hashlib.sha256()
        with zf.open(member) as entry:
            for chunk in iter(lambda: entry.read(2**20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            raise ArchiveError(
                f"备份中的佐证材料文件 {member} 已损坏（校验不符），数据库没有任何改动"
            )
        out[sha] = member
    return out


def _check_schema(store: Store, dump: Path) -> None:
    try:
        if store.dialect == "sqlite":
            tables, revision = sqlite_schema(dump)
        else:
            tables, revision = pgdump_schema(dump)
    except (sqlite3.Error, ValueError) as exc:
        raise ArchiveError(f"备份中的数据库文件已损坏：{exc}，数据库没有任何改动") from None
    except FileNotFoundError:
        raise ArchiveError(
            f"找不到 pg_restore，无法恢复 PostgreSQL 数据库。{PG_CLIENT_HOW}"
        ) from None
    problem = schema_problem(tables, revision)
    if problem:
        raise ArchiveError(f"备份中的数据库{problem}，数据库没有任何改动")


def restore(store: Store, path: Path) -> BackupSummary:
    """Replace the database (and add the evidence files) with a backup's, once everything is
    checked: the ZIP's bounds before extracting, every evidence file against its hash, the
    database's integrity, tables, columns and revision (`jiguan.backup_check`).

    Raises:
        ArchiveError: the backup is refused (nothing changed) or a tool failed.
    """
    try:
        with (
            zip_errors(path),
            zipfile.ZipFile(path) as zf,
            tempfile.TemporaryDirectory(prefix="jiguan-") as tmp,
        ):
            _check_bounds(zf, store.max_file_bytes)
            name = _read_manifest(zf, path, store.dialect)
            blobs = _blobs(zf)
            dump = Path(zf.extract(name, tmp))
            if store.dialect == "sqlite":
                _check_sqlite(dump)
            _check_schema(store, dump)
            if store.dialect == "sqlite":
                _restore_sqlite(store, dump)
            else:
                url, schema = _libpq(store)
                store.close()
                _run_pg(
                    "pg_restore",
                    ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                     *schema, f"--dbname={url}", str(dump)],
                )  # fmt: skip
            files = BlobStore(store.files_dir)
            for sha, member in blobs.items():
                if not files.path(sha).exists():
                    data = zf.read(member)
                    if sha256(data) == sha:  # checked above; the file could change meanwhile
                        files.write(sha, data)
    except (OSError, sqlite3.Error) as exc:
        raise ArchiveError(
            f"恢复失败：{os_error_text(exc) if isinstance(exc, OSError) else exc}"
        ) from None
    return BackupSummary(store.dialect, len(blobs), path.stat().st_size)
