"""Writes the crafted data archives and backups of issue 21 into tests/data/crafted/
(committed; run again after a schema change: ``python tests/data/make_archives.py``).

Each starts from a real export of a small database (`base_store`) and changes one thing.
The large bombs are made at test time by `archive_bomb` / `backup_bomb` (a few MB).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jiguan.archive import export_archive  # noqa: E402
from jiguan.backup import backup  # noqa: E402
from jiguan.rubric import load_rubric  # noqa: E402
from jiguan.scoring import Answer  # noqa: E402
from jiguan.store import Store  # noqa: E402

HERE = Path(__file__).with_name("crafted")
PDF = b"%PDF-1.7\n%evidence\n"
RECT_PDF = b"%PDF-1.7\n%rectification evidence\n"
STAMP = "2026-01-05T08:00:00+00:00"
COOKIE = "crafted-cookie-token-that-signs-in-without-a-password-0123456789"
Rows = dict[str, list[dict]]


def base_store(where: Path) -> Store:
    store = Store(f"sqlite:///{where / 'base.db'}", load_rubric(), files_dir=where / "files")
    store.migrate()
    a = store.create_assessment("某市机关事务管理局", "第一次自评", profile={"填表人": "张三"})
    store.save_answer(a.id, "1.1", Answer("yes", evidence="通知"), expected_version=0, user="张三")
    store.save_answer(a.id, "2.1", Answer("partial", points=0.5), expected_version=0, user="张三")
    store.save_answer(a.id, "17.1", Answer(3, note="三项"), expected_version=0, user="张三")
    store.add_file(a.id, "1.1", "通知.pdf", PDF, user="张三")
    store.rectification.sync(a.id, user="张三")  # 2.1 部分符合: a 整改事项, with a file
    item = store.rectification.items(a.id)[0]
    store.rectification.add_file(item.id, "整改通知.pdf", RECT_PDF, user="张三")
    return store


def _read(path: Path) -> tuple[dict, Rows, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("archive.json"))
        rows = {
            n[len("tables/") : -len(".jsonl")]: [json.loads(x) for x in zf.read(n).splitlines()]
            for n in zf.namelist()
            if n.startswith("tables/")
        }
        files = {n: zf.read(n) for n in zf.namelist() if n.startswith("files/")}
    return manifest, rows, files


def _write(path: Path, manifest: dict, rows: Rows, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for table, lines in rows.items():
            zf.writestr(f"tables/{table}.jsonl", "".join(json.dumps(r) + "\n" for r in lines))
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("archive.json", json.dumps(manifest))


def _variant(base: Path, out: Path, change: Callable[[dict, Rows], None]) -> None:
    manifest, rows, files = _read(base)
    change(manifest, rows)
    for table, lines in rows.items():
        if isinstance(manifest.get("tables"), dict) and table in manifest["tables"]:
            manifest["tables"][table]["rows"] = len(lines)
    _write(out, manifest, rows, files)


def _backdoor(manifest: dict, rows: Rows) -> None:
    rows["users"].append(
        {"id": 1, "name": "backdoor", "role": "admin", "password_hash": None,
         "must_change": False, "failed_logins": 0, "locked_until": None,
         "password_changed_at": STAMP, "created_at": STAMP, "disabled_at": None}
    )  # fmt: skip
    rows["logins"].append(
        {"id": 1, "token_hash": hashlib.sha256(COOKIE.encode()).hexdigest(), "code_hash": None,
         "user_id": 1, "name": "backdoor", "role": "admin", "workshop": "",
         "created_at": "2099-01-01T00:00:00+00:00", "seen_at": "2099-01-01T00:00:00+00:00",
         "cookie_set_at": STAMP, "ended_at": None}
    )  # fmt: skip
    rows["audit_log"].append(
        {"id": 1, "at": STAMP, "actor": "张三", "action": "删除自评", "target": "#1",
         "detail": "伪造的记录", "address": "10.0.0.1"}
    )  # fmt: skip


def _answer(**change: object) -> Callable[[dict, Rows], None]:
    def apply(manifest: dict, rows: Rows) -> None:
        row = next(r for r in rows["answers"] if r["criterion_id"] == "2.1")
        row.update(change)

    return apply


def _profile_list(manifest: dict, rows: Rows) -> None:
    rows["assessments"][0]["profile"] = ["填表人", "张三"]


def _manifest(**change: object) -> Callable[[dict, Rows], None]:
    return lambda manifest, rows: manifest.update(change)


def _unhashable_sha(manifest: dict, rows: Rows) -> None:
    rows["evidence_files"][0]["sha256"] = {"a": 1}


ARCHIVES: dict[str, Callable[[dict, Rows], None]] = {
    "archive_backdoor.zip": _backdoor,
    "archive_points_999.zip": _answer(points=999),
    "archive_evidence_200k.zip": _answer(evidence="证" * 200_000),
    "archive_criterion_99_9.zip": _answer(criterion_id="99.9"),
    "archive_value_hacked.zip": _answer(value="hacked", points=None),
    "archive_profile_list.zip": _profile_list,
    "archive_manifest_tables_list.zip": _manifest(tables=["answers"]),
    "archive_manifest_files_number.zip": _manifest(files=7),
    "archive_manifest_missing_text.zip": _manifest(missing_files="abc"),
    "archive_sha_object.zip": _unhashable_sha,
}


def archive_bomb(base: Path, out: Path, megabytes: int) -> None:
    """The base archive whose answer_history.jsonl is ``megabytes`` of blank lines (1000:1)."""
    manifest, rows, files = _read(base)
    del rows["answer_history"]
    _write(out, manifest, rows, files)
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("tables/answer_history.jsonl", "w", force_zip64=True) as entry,
    ):
        for _ in range(megabytes):
            entry.write(b"\n" * 2**20)


def _backup_with(base: Path, out: Path, database: bytes | None, blob: bytes | None) -> None:
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "database.sqlite3" and database is not None:
                data = database
            if name.startswith("files/") and blob is not None:
                data = blob
            zout.writestr(name, data)


def _sqlite_bytes(where: Path, *statements: str) -> bytes:
    path = where / "crafted.sqlite3"
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return path.read_bytes()


def backup_bomb(base: Path, out: Path, megabytes: int) -> None:
    """The base backup whose database.sqlite3 is ``megabytes`` of zeros."""
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name == "database.sqlite3":
                with zout.open(name, "w", force_zip64=True) as entry:
                    for _ in range(megabytes):
                        entry.write(b"\0" * 2**20)
            else:
                zout.writestr(name, zin.read(name))


def main() -> None:
    HERE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        store = base_store(where)
        export_archive(store, where / "base.zip")
        backup(store, where / "backup.zip")
        store.close()
        for name, change in ARCHIVES.items():
            _variant(where / "base.zip", HERE / name, change)
        (HERE / "archive_ok.zip").write_bytes((where / "base.zip").read_bytes())
        (HERE / "backup_ok.zip").write_bytes((where / "backup.zip").read_bytes())
        _backup_with(where / "backup.zip", HERE / "backup_empty_sqlite.zip",
                     _sqlite_bytes(where, "VACUUM"), None)  # fmt: skip
        _backup_with(
            where / "backup.zip",
            HERE / "backup_garbage_0007.zip",
            _sqlite_bytes(
                where,
                "CREATE TABLE garbage (x TEXT)",
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
                "INSERT INTO alembic_version VALUES ('0007')",
            ),
            None,
        )
        _backup_with(where / "backup.zip", HERE / "backup_bad_blob.zip", None, b"%PDF-1.7\nevil")


if __name__ == "__main__":
    main()
