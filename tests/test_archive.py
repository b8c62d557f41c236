"""Export/import (moving between databases) and backup/restore (a snapshot while writes go on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from jiguan import PROJECT_ROOT
from jiguan.archive import ArchiveError, export_archive, import_archive
from jiguan.backup import backup, restore
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from tests import store_support
from tests.store_support import pg_schema_url

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PDF = b"%PDF-1.7\n%evidence\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def fill(store: Store) -> None:
    """Two units, several versions, files added and removed, a copied round, a deleted one."""
    a = store.create_assessment("某市机关事务管理局", "第一次自评", profile={"填表人": "张三"})
    store.save_answer(a.id, "1.1", Answer("yes", evidence="通知"), expected_version=0, user="张三")
    store.save_answer(a.id, "1.1", Answer("partial", points=0.5), expected_version=1, user="李四")
    store.save_answer(a.id, "17.1", Answer(3, note="三项"), expected_version=0, user="张三")
    f = store.add_file(a.id, "1.1", "通知.pdf", PDF, user="张三")
    store.add_file(a.id, "2.1", "照片.png", PNG, user="李四")
    store.remove_file(f.id, user="李四")
    store.duplicate_assessment(a.id, "第二次自评", user="王五")
    b = store.create_assessment("某县机关事务服务中心", "第一次自评")
    store.save_answer(b.id, "3.1", Answer("no"), expected_version=0, user="赵六")
    store.delete_assessment(b.id)


def contents(store: Store) -> dict:
    """Everything a user can see, through the public API."""
    out = {}
    for info in store.list_assessments(include_deleted=True):
        out[info.id] = {
            "info": info,
            "answers": store.load_answers(info.id),
            "history": store.history(info.id),
            "files": store.list_files(info.id, include_removed=True),
            "data": [store.read_file(f.id) for f in store.list_files(info.id)],
        }
    return out


def archive_rows(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist() if n.startswith("tables/")}


def test_round_trip_sqlite_postgresql_sqlite(rubric: Rubric, tmp_path: Path) -> None:
    first = Store(f"sqlite:///{tmp_path / 'a.db'}", rubric, files_dir=tmp_path / "fa")
    first.migrate()
    fill(first)
    export_archive(first, tmp_path / "one.zip")
    with pg_schema_url() as pg_url:
        server = Store(pg_url, rubric, files_dir=tmp_path / "fb")
        summary = import_archive(server, tmp_path / "one.zip")
        assert summary.assessments == 3 and summary.files == 2
        assert contents(server) == contents(first)
        # New rows continue after the imported ids (sequences moved on).
        new = server.create_assessment("新单位", "第一次自评")
        assert new.id > max(contents(first))
        export_archive(server, tmp_path / "two.zip")
        server.close()
    back = Store(f"sqlite:///{tmp_path / 'c.db'}", rubric, files_dir=tmp_path / "fc")
    import_archive(back, tmp_path / "two.zip")
    assert {k: v for k, v in contents(back).items() if k != new.id} == contents(first)
    one, two = archive_rows(tmp_path / "one.zip"), archive_rows(tmp_path / "two.zip")
    assert one["tables/answers.jsonl"] == two["tables/answers.jsonl"]
    assert one["tables/answer_history.jsonl"] == two["tables/answer_history.jsonl"]


def test_import_refuses_a_database_that_is_not_empty(store: Store, tmp_path: Path) -> None:
    fill(store)
    export_archive(store, tmp_path / "a.zip")
    before = contents(store)
    with pytest.raises(ArchiveError, match="目标数据库不是空的（已有 3 个自评）"):
        import_archive(store, tmp_path / "a.zip")
    assert contents(store) == before


def rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)


def bad_answer_value(name: str, data: bytes) -> bytes:
    if name != "tables/answers.jsonl":
        return data
    rows = [json.loads(line) for line in data.decode().splitlines()]
    rows[1]["version"] = "二"
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (bad_answer_value, "tables/answers.jsonl 第 2 行 列 version：应为整数"),
        (lambda n, d: None if n.startswith("files/") else d, "缺少佐证材料文件 files/"),
        (lambda n, d: b"x" + d if n.startswith("files/") else d, "已损坏（校验不符）"),
        (lambda n, d: None if n == "tables/answers.jsonl" else d, "缺少 tables/answers.jsonl"),
        (lambda n, d: None if n == "archive.json" else d, "不是本程序导出的数据归档"),
    ],
)
def test_a_bad_archive_is_refused_and_changes_nothing(
    rubric: Rubric, tmp_path: Path, change, message: str
) -> None:
    source = Store(f"sqlite:///{tmp_path / 'a.db'}", rubric, files_dir=tmp_path / "fa")
    source.migrate()
    fill(source)
    export_archive(source, tmp_path / "good.zip")
    rewrite(tmp_path / "good.zip", tmp_path / "bad.zip", change)
    target = Store(f"sqlite:///{tmp_path / 'b.db'}", rubric, files_dir=tmp_path / "fb")
    target.migrate()
    with pytest.raises(ArchiveError, match=message) as caught:
        import_archive(target, tmp_path / "bad.zip")
    assert "Traceback" not in str(caught.value)
    assert target.list_assessments(include_deleted=True) == []
    assert not list((tmp_path / "fb").glob("??/*"))  # no file left behind either


def test_not_a_zip_is_refused(store: Store, tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="不是有效的 ZIP 文件"):
        import_archive(store, tmp_path / "x.zip")


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jiguan", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        timeout=120,
    )


def test_laptop_to_server_in_two_commands(rubric: Rubric, tmp_path: Path) -> None:
    laptop = {"JIGUAN_DATA_DIR": str(tmp_path / "laptop"), "JIGUAN_DATABASE_URL": ""}
    (tmp_path / "laptop").mkdir()
    store = Store(
        f"sqlite:///{tmp_path / 'laptop' / 'jiguan.db'}",
        rubric,
        files_dir=tmp_path / "laptop" / "files",
    )
    store.migrate()
    fill(store)
    expected = contents(store)
    store.close()
    done = cli("export", str(tmp_path / "move.zip"), env=laptop)
    assert done.returncode == 0, done.stderr
    assert "已导出" in done.stdout and "3 个自评" in done.stdout
    with pg_schema_url() as pg_url:
        server = {"JIGUAN_DATA_DIR": str(tmp_path / "server"), "JIGUAN_DATABASE_URL": pg_url}
        done = cli("import", str(tmp_path / "move.zip"), env=server)
        assert done.returncode == 0, done.stderr
        moved = Store(pg_url, rubric, files_dir=tmp_path / "server" / "files")
        assert contents(moved) == expected
        again = cli("import", str(tmp_path / "move.zip"), env=server)
        assert again.returncode == 2 and again.stderr.startswith("错误：目标数据库不是空的")
        moved.close()


# ---- backup and restore -----------------------------------------------------------------


class Writer(threading.Thread):
    """Saves criteria one after another, in rubric order, until stopped."""

    def __init__(self, store: Store, aid: int, criteria: list[str]) -> None:
        super().__init__(daemon=True)
        self.store, self.aid, self.criteria = store, aid, criteria
        self.saved = 0
        self.stop = threading.Event()

    def run(self) -> None:
        for cid in self.criteria:
            if self.stop.is_set():
                return
            kind = self.store.rubric.criteria[cid].kind
            value = 1 if kind == "count" else "yes"
            self.store.save_answer(self.aid, cid, Answer(value), expected_version=0, user="写入者")
            self.saved += 1


def test_backup_while_writing_then_restore(store: Store, rubric: Rubric, tmp_path: Path) -> None:
    aid = store.create_assessment("某市机关事务管理局", "第一次自评").id
    store.add_file(aid, "1.1", "通知.pdf", PDF, user="张三")
    criteria = list(rubric.criteria)
    writer = Writer(store, aid, criteria)
    writer.start()
    while writer.saved < 5:
        writer.join(0.01)
    at_start = writer.saved
    summary = backup(store, tmp_path / "snap.zip")
    at_end = writer.saved
    writer.join(60)
    assert writer.saved == len(criteria)  # the backup never stopped the writer
    assert summary.files == 1

    restore(store, tmp_path / "snap.zip")
    restored = Store(store.url, rubric, files_dir=store.files_dir)
    saved = list(restored.load_answers(aid))
    # A consistent snapshot: a prefix of what the writer saved, taken during the backup.
    # (On a quick machine the writer may finish before pg_dump does: no upper bound but that.)
    assert at_start <= len(saved) <= max(at_end, at_start) + 1
    assert saved == criteria[: len(saved)]
    answered = {h.criterion_id for h in restored.history(aid) if h.event == "answer"}
    assert answered == set(saved)
    assert restored.read_file(restored.list_files(aid)[0].id) == PDF
    restored.save_answer(aid, criteria[-1], Answer("no"), expected_version=0, user="恢复后")
    restored.close()


def test_restore_refuses_an_export_archive(store: Store, tmp_path: Path) -> None:
    fill(store)
    export_archive(store, tmp_path / "a.zip")
    with pytest.raises(ArchiveError, match="不是本程序生成的备份"):
        restore(store, tmp_path / "a.zip")
    assert len(store.list_assessments(include_deleted=True)) == 3


def test_restore_needs_confirmation(tmp_path: Path) -> None:
    done = cli("restore", str(tmp_path / "x.zip"), env={"JIGUAN_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2 and "--yes" in done.stderr


def test_backup_without_pg_dump_says_what_to_install(
    rubric: Rubric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg_schema_url() as pg_url:
        s = Store(pg_url, rubric, files_dir=tmp_path / "f")
        s.migrate()
        monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
        with pytest.raises(ArchiveError, match=r"找不到 pg_dump.*postgresql-client"):
            backup(s, tmp_path / "b.zip")
        assert not (tmp_path / "b.zip").exists()
        s.close()


def test_restore_of_a_missing_file_says_so(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="找不到文件"):
        restore(store, tmp_path / "missing.zip")
