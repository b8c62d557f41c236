"""Issue 21 item 3: `import` and `restore` check everything before they write.

The crafted archives and backups are in tests/data/crafted/ (made by tests/data/make_archives.py
from a real export); the bombs are made here, a few MB each.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jiguan import PROJECT_ROOT
from jiguan.archive import ArchiveError, import_archive
from jiguan.backup import restore
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from tests.data.make_archives import COOKIE, archive_bomb, backup_bomb

CRAFTED = PROJECT_ROOT / "tests" / "data" / "crafted"


@pytest.fixture
def target(rubric: Rubric, tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'target.db'}", rubric, files_dir=tmp_path / "files")
    store.migrate()
    yield store
    store.close()


def unchanged(store: Store) -> bool:
    return store.list_assessments(include_deleted=True) == [] and not list(
        store.files_dir.glob("??/*")
    )


REFUSED = [
    ("archive_points_999.zip", r"answers\.jsonl 第 \d 行：评分项 2\.1.*部分符合的得分须大于 0"),
    ("archive_evidence_200k.zip", r"answers\.jsonl 第 \d 行：评分项 2\.1.*佐证材料过长：200,000"),
    ("archive_criterion_99_9.zip", r"answers\.jsonl 第 \d 行：评估指引中没有评分项「99\.9」"),
    ("archive_value_hacked.zip", r"answers\.jsonl 第 \d 行：评分项 2\.1.*实为「hacked」"),
    ("archive_profile_list.zip", r"assessments\.jsonl 第 1 行 列 profile：应为"),
    ("archive_manifest_tables_list.zip", r"archive\.json 中的 tables 格式不符"),
    ("archive_manifest_files_number.zip", r"archive\.json 中的 files 格式不符"),
    ("archive_manifest_missing_text.zip", r"archive\.json 中的 missing_files 格式不符"),
    ("archive_sha_object.zip", r"evidence_files\.jsonl 第 1 行 列 sha256：应为文字"),
]


@pytest.mark.parametrize(("name", "message"), REFUSED)
def test_a_crafted_archive_is_refused_and_changes_nothing(
    target: Store, name: str, message: str
) -> None:
    with pytest.raises(ArchiveError, match=message):
        import_archive(target, CRAFTED / name)
    assert unchanged(target)


def test_the_untouched_export_is_accepted(target: Store) -> None:
    summary = import_archive(target, CRAFTED / "archive_ok.zip")
    assert summary.assessments == 1 and summary.files == 2  # an answer's and a 整改事项's
    answers = target.load_answers(1)
    assert answers["2.1"].answer == Answer("partial", 0.5)
    (item,) = target.rectification.items(1)
    (attached,) = item.files
    assert attached.filename == "整改通知.pdf"
    assert target.rectification.read_file(attached.id).startswith(b"%PDF-")


def test_accounts_logins_and_audit_rows_stay_out_without_with_accounts(target: Store) -> None:
    import_archive(target, CRAFTED / "archive_backdoor.zip")
    assert len(target.list_assessments()) == 1  # the data came in
    assert target.users.list() == []  # no 'backdoor' administrator
    assert target.logins.resume(COOKIE) is None  # its cookie signs nobody in
    assert all(e.detail != "伪造的记录" for e in target.users.audit_log())


def test_with_accounts_brings_accounts_but_never_logins(target: Store) -> None:
    import_archive(target, CRAFTED / "archive_backdoor.zip", with_accounts=True)
    assert [u.name for u in target.users.list()] == ["backdoor"]
    assert target.logins.resume(COOKIE) is None  # everyone signs in again


def test_a_zip_bomb_is_refused_before_it_is_read(target: Store, tmp_path: Path) -> None:
    archive_bomb(CRAFTED / "archive_ok.zip", tmp_path / "bomb.zip", 300)
    assert (tmp_path / "bomb.zip").stat().st_size < 1_000_000
    with pytest.raises(ArchiveError, match=r"数据表解压后共 300\.\d MB，超过上限 256\.0 MB"):
        import_archive(target, tmp_path / "bomb.zip")
    assert unchanged(target)


def cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIGUAN_DATA_DIR": str(data), "JIGUAN_DATABASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "jiguan", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    "name",
    [
        "archive_manifest_tables_list.zip",
        "archive_manifest_files_number.zip",
        "archive_manifest_missing_text.zip",
        "archive_sha_object.zip",
        "archive_profile_list.zip",
    ],
)
def test_the_cli_says_one_chinese_sentence_and_exits_2(tmp_path: Path, name: str) -> None:
    done = cli("import", str(CRAFTED / name), data=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith("错误：归档")


def test_the_cli_takes_with_accounts(tmp_path: Path) -> None:
    done = cli("import", "--with-accounts", str(CRAFTED / "archive_backdoor.zip"), data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 个账户" in done.stdout and "登录" in done.stdout


# ---- restore --------------------------------------------------------------------------------


@pytest.fixture
def filled(target: Store) -> Store:
    aid = target.create_assessment("本单位", "第一次自评").id
    target.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    return target


def still_there(store: Store) -> bool:
    again = Store(store.url, store.rubric, files_dir=store.files_dir)
    try:
        return [i.unit_name for i in again.list_assessments()] == ["本单位"]
    finally:
        again.close()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("backup_empty_sqlite.zip", r"不是本程序的数据库.*缺少表"),
        ("backup_garbage_0007.zip", r"不是本程序的数据库.*(缺少表|多出表 garbage)"),
        ("backup_bad_blob.zip", r"files/0d/0d9ae5.*已损坏（校验不符）"),
    ],
)
def test_restore_refuses_a_crafted_backup(filled: Store, name: str, message: str) -> None:
    with pytest.raises(ArchiveError, match=message):
        restore(filled, CRAFTED / name)
    assert still_there(filled)
    assert not list(filled.files_dir.glob("??/*"))


def test_restore_refuses_an_unknown_revision(filled: Store, tmp_path: Path) -> None:
    with zipfile.ZipFile(CRAFTED / "backup_ok.zip") as zf:
        db = tmp_path / "db.sqlite3"
        db.write_bytes(zf.read("database.sqlite3"))
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.close()
        with zipfile.ZipFile(tmp_path / "b.zip", "w") as out:
            for n in zf.namelist():
                out.writestr(n, db.read_bytes() if n == "database.sqlite3" else zf.read(n))
    with pytest.raises(ArchiveError, match="9999"):
        restore(filled, tmp_path / "b.zip")
    assert still_there(filled)


def test_restore_refuses_a_bomb_before_extracting(
    filled: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_bomb(CRAFTED / "backup_ok.zip", tmp_path / "bomb.zip", 200)
    extracted: list[str] = []
    real_open = zipfile.ZipFile.open

    def watch(self, name, *args, **kwargs):
        extracted.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", watch)
    with pytest.raises(ArchiveError, match=r"database\.sqlite3」解压后 200\.0 MB"):
        restore(filled, tmp_path / "bomb.zip")
    assert "database.sqlite3" not in extracted
    assert still_there(filled)


def test_restore_of_the_untouched_backup_works(filled: Store) -> None:
    restore(filled, CRAFTED / "backup_ok.zip")
    again = Store(filled.url, filled.rubric, files_dir=filled.files_dir)
    assert [i.unit_name for i in again.list_assessments()] == ["某市机关事务管理局"]
    assert again.read_file(again.list_files(1)[0].id).startswith(b"%PDF")
    again.close()


@pytest.mark.postgres
def test_restore_reads_a_postgresql_dumps_schema(rubric: Rubric, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from jiguan.backup import backup
    from tests.store_support import pg_schema_url

    with pg_schema_url() as url:
        store = Store(url, rubric, files_dir=tmp_path / "files")
        store.migrate()
        store.create_assessment("本单位", "第一次自评")
        backup(store, tmp_path / "good.zip")
        with store.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE garbage (x text)"))
            conn.execute(sa.text("ALTER TABLE answers ADD COLUMN extra text"))
        backup(store, tmp_path / "bad.zip")
        with pytest.raises(ArchiveError, match="多出表 garbage"):
            restore(store, tmp_path / "bad.zip")
        store = Store(url, rubric, files_dir=tmp_path / "files")
        with store.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE garbage"))
        backup(store, tmp_path / "bad.zip")
        with pytest.raises(ArchiveError, match="表 answers 多出列 extra"):
            restore(store, tmp_path / "bad.zip")
        restore(store, tmp_path / "good.zip")
        store = Store(url, rubric, files_dir=tmp_path / "files")
        assert [i.unit_name for i in store.list_assessments()] == ["本单位"]
        store.close()


@pytest.mark.parametrize("method", [99, 12])  # AES-encrypted (WinZip), bzip2 with a broken stream
def test_an_unreadable_entry_is_refused_in_chinese(target: Store, tmp_path: Path, method: int):
    data = bytearray((CRAFTED / "archive_ok.zip").read_bytes())
    # Every header's compression method (local: offset 8, central: offset 10) becomes `method`.
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        while at != -1:
            data[at + offset : at + offset + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    (tmp_path / "odd.zip").write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=r"无法读取|不是有效的 ZIP 文件"):
        import_archive(target, tmp_path / "odd.zip")
    with pytest.raises(ArchiveError, match=r"无法读取|不是有效的 ZIP 文件|不是本程序生成的备份"):
        restore(target, tmp_path / "odd.zip")
    assert unchanged(target)


def test_an_administrator_made_first_does_not_stop_an_import(target: Store) -> None:
    from jiguan.accounts import ADMIN, COMMAND_LINE

    target.users.add(
        "管理员", ADMIN, "一个足够长的密码123", by=COMMAND_LINE
    )  # user add --admin, then import
    with pytest.raises(ArchiveError, match=r"有数据的表：.*users"):  # accounts need an empty one
        import_archive(target, CRAFTED / "archive_backdoor.zip", with_accounts=True)
    import_archive(target, CRAFTED / "archive_backdoor.zip")
    assert [u.name for u in target.users.list()] == ["管理员"]
    assert len(target.list_assessments()) == 1
