"""Reading a data archive for `jiguan.archive.import_archive`: everything checked before
anything is written. First the ZIP's central directory (entry count, the tables' unpacked size,
each evidence file's size, each entry's ratio: `jiguan.limits`), then archive.json's shape, then
every row (`jiguan.archive_rows`), then each evidence file hashed against its name.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from jiguan.archive_rows import (
    ACCOUNT_TABLES,
    FILE_TABLES,
    NEVER_IMPORTED,
    check_references,
    check_table,
    decode,
)
from jiguan.format import size_text
from jiguan.limits import MAX_ARCHIVE_DATA_BYTES, MAX_ARCHIVE_ENTRIES
from jiguan.rubric import Rubric
from jiguan.store import metadata
from jiguan.store.config import DEFAULT_MAX_FILE_BYTES
from jiguan.zipcheck import ratio_problem

FORMAT = "jiguan-archive"
VERSION = 1
MANIFEST = "archive.json"
MAX_PROBLEMS = 10  # listed in one refusal; the rest are counted
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def _tables() -> list[sa.Table]:
    return list(metadata.sorted_tables)  # parents before children (foreign keys)


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
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise ArchiveError(f"{path} 不是有效的 ZIP 文件（文件损坏或未下载完整）") from None
    except (RuntimeError, NotImplementedError):  # zipfile's words for these two
        raise ArchiveError(f"{path} 中有加密或本程序不支持的压缩方式的内容，无法读取") from None


class _Problems(list[str]):
    def add(self, text: str) -> None:
        self.append(text)

    def raise_if_any(self, archive: Path) -> None:
        if not self:
            return
        shown = "\n".join(f"  {p}" for p in self[:MAX_PROBLEMS])
        more = f"\n  ……另有 {len(self) - MAX_PROBLEMS} 处" if len(self) > MAX_PROBLEMS else ""
        raise ArchiveError(f"归档 {archive} 未被接受，数据库没有任何改动：\n{shown}{more}")


def _refuse(path: Path, why: str) -> ArchiveError:
    return ArchiveError(f"归档 {path} 未被接受：{why}，数据库没有任何改动。")


def _check_bounds(zf: zipfile.ZipFile, path: Path, max_file_bytes: int) -> None:
    """Declared sizes, before anything is read: entries, the tables read into memory, each
    evidence file (at most an upload's size), the ratio of each entry."""
    infos = zf.infolist()
    if len(infos) > MAX_ARCHIVE_ENTRIES:
        raise _refuse(path, f"归档中有 {len(infos):,} 个文件，超过 {MAX_ARCHIVE_ENTRIES:,} 个")
    for info in (i for i in infos if i.filename.startswith("files/")):
        # Tables are bounded by their total below (long repeated evidence compresses well);
        # evidence files by an upload's size and, streamed to disk, by their ratio.
        problem = ratio_problem(info)
        if problem:
            raise _refuse(path, f"归档中{problem}")
        if info.file_size > max_file_bytes:
            raise _refuse(
                path,
                f"归档中的「{info.filename}」有 {size_text(info.file_size)}，"
                f"超过单个佐证材料的上限 {size_text(max_file_bytes)}",
            )
    data = sum(i.file_size for i in infos if not i.filename.startswith("files/"))
    if data > MAX_ARCHIVE_DATA_BYTES:
        raise _refuse(
            path,
            f"归档中的数据表解压后共 {size_text(data)}，"
            f"超过上限 {size_text(MAX_ARCHIVE_DATA_BYTES)}",
        )


def _hashes(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and _SHA_RE.match(v) for v in value)


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    """archive.json, its shape checked (each key of the right JSON type)."""
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise ArchiveError(
            f"{path} 不是本程序导出的数据归档（缺少 {MANIFEST}）。"
            "请使用 python -m jiguan export 生成的文件。"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{path} 不是本程序导出的数据归档（{MANIFEST} 格式不符）")
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"归档格式版本为 {str(manifest.get('version'))[:20]}，本程序只能导入版本 {VERSION}；"
            "请用与导出时相同或更新版本的程序导入"
        )
    tables = manifest.setdefault("tables", {})
    if not isinstance(tables, dict) or not all(
        isinstance(v, dict) and type(v.get("rows")) is int for v in tables.values()
    ):
        raise _refuse(path, f"{MANIFEST} 中的 tables 格式不符（应为每个表的列名和行数）")
    for key in ("files", "missing_files"):
        if not _hashes(manifest.setdefault(key, [])):
            raise _refuse(path, f"{MANIFEST} 中的 {key} 格式不符（应为 SHA-256 校验值的列表）")
    return manifest


Row = tuple[str, dict[str, Any]]  # where it came from, the row's columns
Rows = dict[str, list[Row]]


def _read_table(zf: zipfile.ZipFile, table: sa.Table, problems: _Problems) -> tuple[list[Row], int]:
    """The rows of one table whose types are right (with where each came from), and how many
    lines the file holds; a row with a wrong type is a problem and is not checked further."""
    name = f"tables/{table.name}.jsonl"
    if name not in zf.namelist():
        problems.add(f"缺少 {name}")
        return [], 0
    rows: list[Row] = []
    lines = 0
    with zf.open(name) as entry:
        text = io.TextIOWrapper(entry, encoding="utf-8")  # line by line, not the whole text
        for n, line in enumerate(text, start=1):
            lines += _read_row(table, line, f"{name} 第 {n} 行", rows, problems)
    return rows, lines


def _read_row(table: sa.Table, line: str, where: str, rows: list[Row], problems: _Problems) -> int:
    """One line of a table: appended to ``rows`` when its types are right; 1 if not blank."""
    if not line.strip():
        return 0
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        problems.add(f"{where}：不是有效的 JSON（{exc.msg}）")
        return 1
    if not isinstance(raw, dict):
        problems.add(f"{where}：应为一个对象")
        return 1
    unknown = set(raw) - set(table.columns.keys())
    if unknown:
        problems.add(f"{where}：本程序没有这些列：{'、'.join(sorted(unknown))[:200]}")
        return 1
    before = len(problems)
    row = {}
    for column in table.columns:
        if column.name in raw:
            row[column.name] = decode(
                column, raw[column.name], f"{where} 列 {column.name}", problems.add
            )
        elif not column.nullable and column.default is None:
            problems.add(f"{where}：缺少列 {column.name}")
        else:  # the same keys in every row (one executemany insert)
            default = column.default  # the schema's defaults are all plain values
            row[column.name] = default.arg if isinstance(default, sa.ColumnDefault) else None
    if len(problems) == before:
        rows.append((where, row))
    return 1


def _check_files(
    zf: zipfile.ZipFile, manifest: dict[str, Any], rows: Rows, problems: _Problems
) -> dict[str, str]:
    """The evidence files the imported rows need, each hashed (streamed) against its name and
    sized against its row: sha -> member name."""
    held, lacking = set(manifest["files"]), set(manifest["missing_files"])
    members = {i.filename: i for i in zf.infolist()}
    files: dict[str, str] = {}
    seen: set[str] = set()
    for where, row in (r for table in FILE_TABLES for r in rows.get(table, [])):
        sha = row["sha256"]
        member = members.get(f"files/{sha}")
        if sha in files or sha in seen or (sha in lacking and member is None):
            continue
        seen.add(sha)
        if sha in held and member is None:
            problems.add(f"缺少佐证材料文件 files/{sha}")
            continue
        if member is None:
            problems.add(f"{where}：佐证材料（编号 {row['id']}）的文件内容不在归档中")
            continue
        digest = hashlib.sha256()
        with zf.open(member) as entry:
            for chunk in iter(lambda: entry.read(2**20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            problems.add(f"佐证材料文件 files/{sha} 已损坏（校验不符）")
            continue
        if member.file_size != row["size"]:
            problems.add(f"{where}：佐证材料 files/{sha} 的大小与记录不符")
            continue
        files[sha] = member.filename
    return files


@dataclass(frozen=True)
class Archive:
    """An archive read and checked: the rows to insert per table, the evidence files they need
    (sha -> member name), the manifest, and the tables left out."""

    rows: dict[str, list[dict[str, Any]]]
    files: dict[str, str]
    manifest: dict[str, Any]
    left_out: tuple[str, ...]


def imported_tables(with_accounts: bool) -> list[sa.Table]:
    skip = NEVER_IMPORTED | (frozenset() if with_accounts else ACCOUNT_TABLES)
    return [t for t in _tables() if t.name not in skip]


def read_archive(
    path: Path,
    rubric: Rubric,
    *,
    with_accounts: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Archive:
    """Read and check everything an import would write; nothing is written.

    Raises:
        ArchiveError: the archive is unreadable, of another format, past the bounds of
            `jiguan.limits`, or any row is what the store would refuse (all problems listed).
    """
    problems = _Problems()
    tables = imported_tables(with_accounts)
    try:
        with zip_errors(path), zipfile.ZipFile(path) as zf:
            _check_bounds(zf, path, max_file_bytes)
            manifest = _read_manifest(zf, path)
            extra = set(manifest["tables"]) - {t.name for t in _tables()}
            if extra:
                problems.add(
                    f"本程序没有这些表（归档来自更新的版本？）：{'、'.join(sorted(extra))[:200]}"
                )
            rows: Rows = {}
            for table in tables:
                rows[table.name], lines = _read_table(zf, table, problems)
                declared = manifest["tables"].get(table.name, {}).get("rows")
                if declared is not None and declared != lines:
                    problems.add(
                        f"tables/{table.name}.jsonl 行数与 {MANIFEST} 不符（归档不完整？）"
                    )
                check_table(rubric, table, rows[table.name], problems.add)
            check_references(tables, rows, problems.add)
            files = _check_files(zf, manifest, rows, problems)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _refuse(path, f"其中的数据无法解读（{str(exc)[:100]}）") from None
    except OSError as exc:
        raise ArchiveError(f"无法读取 {path}：{exc.strerror or exc}") from None
    problems.raise_if_any(path)
    left_out = tuple(sorted({t.name for t in _tables()} - {t.name for t in tables}))
    return Archive({n: [r for _, r in v] for n, v in rows.items()}, files, manifest, left_out)
