"""The store: assessments, answers, conflicts, history, import, configuration, errors.

Every test that touches a database runs on SQLite and on PostgreSQL (see store_support).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric
from jiguan.scoring import NO_EVIDENCE, Answer, score
from jiguan.store import (
    DEFAULT_MAX_FILE_BYTES,
    ConflictError,
    NotFoundError,
    Store,
    StoreError,
    StoreUnavailable,
    database_url,
    normalise_url,
    translate_error,
    upload_limit_bytes,
)
from tests import store_support
from tests.store_support import BACKENDS, PG_URL

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

CJK = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.7\n%test\n"


def assert_user_message(exc: BaseException) -> None:
    """Chinese, and nothing from the driver or Python leaks into it."""
    text = str(exc)
    assert CJK.search(text), text
    for leak in ("Traceback", "sqlite3", "psycopg", "sqlalchemy", "SELECT", "INSERT", "UPDATE"):
        assert leak not in text, text


@pytest.fixture
def aid(store: Store) -> int:
    return store.create_assessment("某市机关事务管理局", "第一次自评").id


# ---- assessments ---------------------------------------------------------------------------


def test_create_list_get_update(store: Store, rubric: Rubric) -> None:
    a = store.create_assessment(
        " 某市机关事务管理局 ", "第一次自评", profile={"评估日期": "2025-03-01", "填表人": "张三"}
    )
    assert a.unit_name == "某市机关事务管理局"
    assert a.rubric_version == rubric.version
    assert a.profile == {"评估日期": "2025-03-01", "填表人": "张三"}
    assert a.created_at.tzinfo is not None and a.deleted_at is None
    b = store.create_assessment("某县机关事务服务中心", "第一次自评")
    assert [x.id for x in store.list_assessments()] == [b.id, a.id]  # newest change first
    assert store.get_assessment(a.id) == a

    renamed = store.update_assessment(
        a.id, round_name="第一次自评（修订）", profile={"填表人": "李四"}
    )
    assert renamed.round_name == "第一次自评（修订）"
    assert renamed.profile == {"填表人": "李四"}
    assert renamed.unit_name == a.unit_name
    moved = store.update_assessment(a.id, unit_name="某市机关事务服务中心")
    assert moved.unit_name == "某市机关事务服务中心"
    assert store.get_assessment(a.id).unit_name == "某市机关事务服务中心"
    # now the most recently changed
    assert store.list_assessments()[0].id == a.id


def test_names_are_checked(store: Store) -> None:
    store.create_assessment("某局", "第一次自评")
    with pytest.raises(StoreError, match="已有名为「第一次自评」") as info:
        store.create_assessment("某局", "第一次自评")
    assert_user_message(info.value)
    with pytest.raises(StoreError, match="单位名称不能为空"):
        store.create_assessment("   ", "第二次自评")
    with pytest.raises(StoreError, match="过长"):
        store.create_assessment("某局", "长" * 201)
    assert len(store.list_assessments()) == 1


def test_unknown_assessment(store: Store) -> None:
    with pytest.raises(NotFoundError, match="找不到编号为 999 的自评"):
        store.get_assessment(999)
    with pytest.raises(NotFoundError):
        store.load_answers(999)
    with pytest.raises(NotFoundError):
        store.save_answer(999, "1.1", Answer("yes"), expected_version=0, user="张三")


def test_soft_delete_restore_purge(store: Store, aid: int, db_url: str) -> None:
    store.save_answer(aid, "1.1", Answer("yes", evidence="通知"), expected_version=0, user="张三")
    store.add_file(aid, "1.1", "通知.pdf", PDF, user="张三")
    store.delete_assessment(aid)
    assert store.list_assessments() == []
    [deleted] = store.list_assessments(include_deleted=True)
    assert deleted.id == aid and deleted.deleted_at is not None
    assert store.load_answers(aid)["1.1"].answer.value == "yes"  # still readable
    with pytest.raises(StoreError, match="已删除") as info:
        store.save_answer(aid, "1.1", Answer("no"), expected_version=1, user="张三")
    assert_user_message(info.value)

    restored = store.restore_assessment(aid)
    assert restored.deleted_at is None
    assert [a.id for a in store.list_assessments()] == [aid]
    with pytest.raises(StoreError, match="请先删除"):
        store.purge_assessment(aid)

    # restoring next to a live namesake renames instead of refusing
    store.delete_assessment(aid)
    twin = store.create_assessment("某市机关事务管理局", "第一次自评")
    assert store.restore_assessment(aid).round_name == "第一次自评（恢复）"
    store.delete_assessment(twin.id)
    store.purge_assessment(twin.id)

    store.delete_assessment(aid)
    store.purge_assessment(aid)
    with pytest.raises(NotFoundError):
        store.get_assessment(aid)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        for table in ("answers", "answer_history", "evidence_files", "assessments"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
    engine.dispose()


def test_duplicate_copies_answers_and_files_with_fresh_history(store: Store, aid: int) -> None:
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    store.save_answer(aid, "1.1", Answer("partial", 1.5), expected_version=1, user="李四")
    store.save_answer(
        aid, "17.1", Answer(2, evidence="标准A\n标准B"), expected_version=0, user="张三"
    )
    kept = store.add_file(aid, "1.1", "制度.pdf", PDF, user="张三")
    gone = store.add_file(aid, "17.1", "旧.pdf", PDF + b"old", user="张三")
    store.remove_file(gone.id, user="张三")

    copy = store.duplicate_assessment(aid, "第二次自评", user="王五")
    assert copy.id != aid
    assert copy.unit_name == "某市机关事务管理局" and copy.round_name == "第二次自评"
    assert store.answers(copy.id) == store.answers(aid)
    saved = store.load_answers(copy.id)
    assert {s.version for s in saved.values()} == {1}
    assert saved["1.1"].updated_by == "李四"  # who answered, kept for display
    history = store.history(copy.id)
    assert [(h.criterion_id, h.event, h.old) for h in history] == [
        ("1.1", "copied", None),
        ("17.1", "copied", None),
    ]
    assert history[0].detail == "复制自「第一次自评」"
    [copied_file] = store.list_files(copy.id)
    assert copied_file.sha256 == kept.sha256 and copied_file.id != kept.id
    assert store.read_file(copied_file.id) == PDF

    # the rounds are independent from here on
    store.save_answer(copy.id, "1.1", Answer("yes"), expected_version=1, user="王五")
    assert store.load_answers(aid)["1.1"].answer == Answer("partial", 1.5, attachments=1)
    with pytest.raises(StoreError, match="已有名为"):
        store.duplicate_assessment(aid, "第二次自评")


# ---- answers -------------------------------------------------------------------------------


def test_save_and_load(store: Store, aid: int, rubric: Rubric) -> None:
    s1 = store.save_answer(
        aid, "2.1", Answer("partial", 1.5, "文件甲", "备注"), expected_version=0, user="张三"
    )
    assert (s1.version, s1.updated_by) == (1, "张三")
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    store.save_answer(aid, "17.1", Answer(3), expected_version=0, user="李四")
    loaded = store.load_answers(aid)
    assert list(loaded) == ["1.1", "2.1", "17.1"]  # rubric order
    assert loaded["2.1"] == s1
    assert loaded["17.1"].answer.value == 3 and isinstance(loaded["17.1"].answer.value, int)
    sheet = store.answers(aid)
    assert sheet == {
        "1.1": Answer("yes"),
        "2.1": Answer("partial", 1.5, "文件甲", "备注"),
        "17.1": Answer(3),
    }
    assert score(rubric, sheet).criteria["17.1"] == 3 * rubric.criteria["17.1"].points


def test_invalid_answers_are_refused(store: Store, aid: int) -> None:
    with pytest.raises(StoreError, match="部分符合的得分须大于 0 且小于满分 2") as info:
        store.save_answer(aid, "1.1", Answer("partial", 2), expected_version=0, user="张三")
    assert_user_message(info.value)
    with pytest.raises(StoreError, match="计数评分项的答案应为非负整数"):
        store.save_answer(aid, "17.1", Answer("yes"), expected_version=0, user="张三")
    with pytest.raises(StoreError, match=r"没有评分项「99\.9」"):
        store.save_answer(aid, "99.9", Answer("yes"), expected_version=0, user="张三")
    with pytest.raises(StoreError, match="控制字符"):
        store.save_answer(
            aid, "1.1", Answer("yes", evidence="a\x00b"), expected_version=0, user="张三"
        )
    assert store.load_answers(aid) == {}
    assert store.history(aid) == []


def test_identical_save_is_a_noop(store: Store, aid: int) -> None:
    first = store.save_answer(
        aid, "1.1", Answer("yes", evidence="x"), expected_version=0, user="张三"
    )
    again = store.save_answer(
        aid, "1.1", Answer("yes", evidence="x"), expected_version=1, user="李四"
    )
    assert again == first
    assert len(store.history(aid)) == 1
    # a blank answer where nothing is saved is not a save either
    blank = store.save_answer(aid, "2.1", Answer(), expected_version=0, user="张三")
    assert blank.version == 0
    assert "2.1" not in store.load_answers(aid)


def test_stale_version_is_a_conflict_and_changes_nothing(store: Store, aid: int) -> None:
    store.save_answer(aid, "1.1", Answer("no"), expected_version=0, user="张三")
    # 张三 and 李四 both see version 1; 张三 saves first
    zhang = store.save_answer(
        aid, "1.1", Answer("yes", evidence="制度文件"), expected_version=1, user="张三"
    )
    with pytest.raises(ConflictError) as info:
        store.save_answer(aid, "1.1", Answer("partial", 1.0), expected_version=1, user="李四")
    assert info.value.current == zhang
    assert "此项已被「张三」于" in str(info.value) and "修改" in str(info.value)
    assert_user_message(info.value)
    assert store.load_answers(aid)["1.1"] == zhang
    assert len(store.history(aid, "1.1")) == 2

    # "I saw nothing" when something is saved
    with pytest.raises(ConflictError) as info:
        store.save_answer(aid, "1.1", Answer("no"), expected_version=0, user="李四")
    assert info.value.current == zhang
    # a version from the future / for a row that does not exist
    with pytest.raises(ConflictError) as info:
        store.save_answer(aid, "2.1", Answer("no"), expected_version=3, user="李四")
    assert info.value.current is None
    assert "2.1" not in store.load_answers(aid)
    # a stale save is a conflict even when it matches what is saved
    with pytest.raises(ConflictError):
        store.save_answer(
            aid, "1.1", Answer("yes", evidence="制度文件"), expected_version=1, user="李四"
        )


def test_history_keeps_every_change_old_to_new(store: Store, aid: int) -> None:
    steps = [
        ("张三", Answer("no")),
        ("李四", Answer("partial", 0.5, "会议纪要")),
        ("张三", Answer("yes", evidence="会议纪要\n制度")),
    ]
    version = 0
    for user, answer in steps:
        version = store.save_answer(aid, "1.1", answer, expected_version=version, user=user).version
    store.save_answer(aid, "2.1", Answer("yes"), expected_version=0, user="王五")
    history = store.history(aid, "1.1")
    assert [(h.old, h.new, h.changed_by, h.version) for h in history] == [
        (None, steps[0][1], "张三", 1),
        (steps[0][1], steps[1][1], "李四", 2),
        (steps[1][1], steps[2][1], "张三", 3),
    ]
    assert all(h.event == "answer" for h in history)
    assert history[0].changed_at <= history[1].changed_at <= history[2].changed_at
    assert len(store.history(aid)) == 4


def test_history_records_evidence_only_and_note_only_edits(store: Store, aid: int) -> None:
    """The answer stays 符合 while the text changes: each edit is an entry with both texts."""
    steps = [
        Answer("yes", evidence="会议纪要"),
        Answer("yes", evidence="会议纪要\n制度文件"),  # evidence only
        Answer("yes", evidence="会议纪要\n制度文件", note="待补盖章版"),  # note only
        Answer("yes", evidence="会议纪要\n制度文件", note=""),  # note cleared
        Answer("yes", evidence="", note=""),  # evidence cleared (and the criterion flagged)
    ]
    version = 0
    for answer in steps:
        version = store.save_answer(
            aid, "1.1", answer, expected_version=version, user="张三"
        ).version
    history = store.history(aid, "1.1")
    assert [(h.old, h.new) for h in history] == list(zip([None, *steps[:-1]], steps, strict=True))
    assert [h.version for h in history] == [1, 2, 3, 4, 5]
    assert all(h.event == "answer" and h.new.value == "yes" for h in history)


def test_attached_files_count_as_evidence(store: Store, aid: int, rubric: Rubric) -> None:
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    assert NO_EVIDENCE in score(rubric, store.answers(aid)).indicators[1].flags
    store.add_file(aid, "1.1", "制度.pdf", PDF, user="张三")
    sheet = store.answers(aid)
    assert sheet["1.1"].attachments == 1
    assert store.load_answers(aid)["1.1"].answer.attachments == 1
    assert NO_EVIDENCE not in score(rubric, sheet).indicators[1].flags
    # a file on a criterion not yet answered still shows up for scoring
    store.add_file(aid, "2.1", "方案.pdf", PDF + b"2", user="张三")
    assert store.answers(aid)["2.1"] == Answer(attachments=1)


# ---- replace_answers (CSV import) ------------------------------------------------------------


def test_replace_answers_replaces_the_sheet(store: Store, aid: int) -> None:
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    store.save_answer(aid, "2.1", Answer("no"), expected_version=0, user="张三")
    store.save_answer(aid, "3.1", Answer("no", evidence="x"), expected_version=0, user="张三")
    store.replace_answers(
        aid, {"1.1": Answer("yes"), "2.1": Answer("partial", 1.0), "17.1": Answer(4)}, user="导入人"
    )
    saved = store.load_answers(aid)
    assert saved["1.1"].version == 1  # unchanged, untouched
    assert (saved["2.1"].answer, saved["2.1"].version, saved["2.1"].updated_by) == (
        Answer("partial", 1.0),
        2,
        "导入人",
    )
    assert saved["3.1"].answer == Answer()  # not in the import: now unanswered
    assert saved["17.1"].answer == Answer(4)
    imported = [h for h in store.history(aid) if h.changed_by == "导入人"]
    assert sorted(h.criterion_id for h in imported) == ["17.1", "2.1", "3.1"]
    assert all(h.detail == "导入答题表" for h in imported)


def _snapshot(store: Store, aid: int) -> tuple:
    return store.load_answers(aid), store.history(aid), store.get_assessment(aid).updated_at


def test_replace_answers_with_an_invalid_answer_changes_nothing(store: Store, aid: int) -> None:
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    before = _snapshot(store, aid)
    with pytest.raises(StoreError) as info:
        store.replace_answers(
            aid,
            {"1.1": Answer("no"), "2.1": Answer("partial", 5.0), "99.1": Answer("yes")},
            user="导入人",
        )
    message = str(info.value)
    assert "已保存的自评保持不变" in message and "2.1" in message and "99.1" in message
    assert _snapshot(store, aid) == before


def test_replace_answers_failing_midway_rolls_back(store: Store, aid: int) -> None:
    for cid in ("1.1", "2.1", "3.1"):
        store.save_answer(aid, cid, Answer("no"), expected_version=0, user="张三")
    before = _snapshot(store, aid)
    writes = 0

    def fail_on_third_write(conn, cursor, statement, parameters, context, executemany):
        nonlocal writes
        if statement.lstrip().upper().startswith(("UPDATE ANSWERS", "INSERT INTO ANSWERS")):
            writes += 1
            if writes == 3:
                # the driver's own error, as if the disk failed under the database
                raise conn.dialect.loaded_dbapi.OperationalError("disk I/O error")

    sa.event.listen(store.engine, "before_cursor_execute", fail_on_third_write)
    try:
        new = {cid: Answer("yes", evidence="导入") for cid in ("1.1", "2.1", "3.1", "4.1")}
        with pytest.raises(StoreError) as info:
            store.replace_answers(aid, new, user="导入人")
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", fail_on_third_write)
    assert writes == 3
    assert_user_message(info.value)
    assert "导入答题表未完成" in str(info.value)
    assert _snapshot(store, aid) == before
    # and the store still works afterwards
    store.replace_answers(aid, new, user="导入人")
    assert {s.answer for s in store.load_answers(aid).values()} == {Answer("yes", evidence="导入")}


# ---- configuration -------------------------------------------------------------------------


def test_database_url_order(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[connections.jiguan]\nurl = "postgresql://jiguan@db.example/jiguan"\n')
    env = {"JIGUAN_DATABASE_URL": "sqlite:////srv/x.db", "JIGUAN_DATA_DIR": str(tmp_path / "d")}
    assert database_url(env=env, secrets_path=secrets) == "sqlite:////srv/x.db"
    env.pop("JIGUAN_DATABASE_URL")
    assert (
        database_url(env=env, secrets_path=secrets)
        == "postgresql+psycopg://jiguan@db.example/jiguan"
    )
    url = database_url(env=env, secrets_path=tmp_path / "missing.toml")
    assert url == f"sqlite:///{(tmp_path / 'd').as_posix()}/jiguan.db"
    assert (tmp_path / "d").is_dir()
    explicit = database_url(tmp_path / "e", env={}, secrets_path=tmp_path / "missing.toml")
    assert explicit == f"sqlite:///{(tmp_path / 'e').as_posix()}/jiguan.db"


def test_database_url_default_is_under_the_project(tmp_path: Path) -> None:
    url = database_url(env={"JIGUAN_DATA_DIR": "data"}, secrets_path=tmp_path / "none.toml")
    assert url == f"sqlite:///{(PROJECT_ROOT / 'data').as_posix()}/jiguan.db"


def test_bad_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[connections.jiguan\nurl=", encoding="utf-8")
    with pytest.raises(StoreError, match="无法读取配置文件"):
        database_url(env={}, secrets_path=secrets)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///data/x.db", "sqlite:///data/x.db"),
    ],
)
def test_postgres_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_upload_limit_from_environment() -> None:
    assert upload_limit_bytes({}) == DEFAULT_MAX_FILE_BYTES == 20 * 2**20
    assert upload_limit_bytes({"JIGUAN_MAX_UPLOAD_MB": "5"}) == 5 * 2**20
    with pytest.raises(StoreError, match="JIGUAN_MAX_UPLOAD_MB"):
        upload_limit_bytes({"JIGUAN_MAX_UPLOAD_MB": "很多"})


def test_from_environment(tmp_path: Path, rubric: Rubric) -> None:
    env = {"JIGUAN_DATA_DIR": str(tmp_path / "data"), "JIGUAN_MAX_UPLOAD_MB": "1"}
    s = Store.from_environment(rubric, env)
    s.migrate()
    assert s.files_dir == tmp_path / "data" / "files"
    assert s.max_file_bytes == 2**20
    assert (tmp_path / "data" / "jiguan.db").is_file()
    s.close()


# ---- the database is unavailable ---------------------------------------------------------


@pytest.mark.parametrize("url", ["nonsense", "mysql+nodriver://x@y/z", "sqlite+nope:///x.db"])
def test_bad_url_is_unavailable(url: str, rubric: Rubric, tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable) as info:
        Store(url, rubric, files_dir=tmp_path).migrate()
    assert_user_message(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_sqlite_file_cannot_be_opened(rubric: Rubric, tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path}/no/such/dir/x.db", rubric, files_dir=tmp_path)
    with pytest.raises(StoreUnavailable, match="无法打开数据库文件") as info:
        s.migrate()
    assert_user_message(info.value)
    with pytest.raises(StoreUnavailable):
        s.list_assessments()


def test_sqlite_locked_is_unavailable_then_recovers(rubric: Rubric, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    s = Store(url, rubric, files_dir=tmp_path / "files", op_timeout=0.2)
    s.migrate()
    aid = s.create_assessment("某局", "第一次自评").id
    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        with pytest.raises(StoreUnavailable, match="已锁定") as info:
            s.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
        assert_user_message(info.value)
        assert "已填写的内容仍在页面上" in str(info.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    # the same save goes through once the lock is released
    assert s.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三").version == 1
    s.close()


@pytest.mark.parametrize("db_url", [BACKENDS[1]], indirect=True)
def test_postgres_lock_held_too_long_is_unavailable(
    db_url: str, rubric: Rubric, files_dir: Path
) -> None:
    s = Store(db_url, rubric, files_dir=files_dir, op_timeout=0.5)
    s.migrate()
    aid = s.create_assessment("某局", "第一次自评").id
    blocker = sa.create_engine(db_url)
    with blocker.connect() as conn, conn.begin():
        conn.execute(sa.text("SELECT id FROM assessments WHERE id = :a FOR UPDATE"), {"a": aid})
        with pytest.raises(StoreUnavailable, match="已锁定") as info:
            s.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
        assert_user_message(info.value)
    blocker.dispose()
    assert s.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三").version == 1
    s.close()


def test_postgres_server_down_is_unavailable(rubric: Rubric, tmp_path: Path) -> None:
    # nothing listens on port 1: the same as a stopped server
    s = Store("postgresql://postgres@127.0.0.1:1/test", rubric, files_dir=tmp_path, op_timeout=3)
    with pytest.raises(StoreUnavailable, match="无法连接数据库服务器") as info:
        s.list_assessments()
    assert_user_message(info.value)
    with pytest.raises(StoreUnavailable):
        s.save_answer(1, "1.1", Answer("yes"), expected_version=0, user="张三")


@pytest.mark.parametrize("db_url", [BACKENDS[1]], indirect=True)
def test_postgres_connections_killed_by_a_restart_are_replaced(
    store: Store, aid: int, db_url: str
) -> None:
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    app_name = sa.make_url(db_url).query["application_name"]  # unique to this test
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": app_name},
        ).scalar()
    admin.dispose()
    assert killed >= 1
    # the pool notices the dead connections and reconnects; nothing is lost
    assert store.load_answers(aid)["1.1"].answer.value == "yes"
    assert store.save_answer(aid, "1.1", Answer("no"), expected_version=1, user="张三").version == 2


@pytest.mark.parametrize(
    ("driver_message", "expected"),
    [
        ("database or disk is full", "磁盘空间已满"),
        ("database is locked", "已锁定"),
        ("disk I/O error", "磁盘读写出错"),
        ('connection failed: connection to server at "127.0.0.1", port 5432 failed', "无法连接"),
        ("terminating connection due to administrator command", "无法连接"),
        ('FATAL:  database "nope" does not exist', "数据库不存在"),
        ('FATAL:  password authentication failed for user "x"', "登录失败"),
    ],
)
def test_driver_errors_become_chinese_messages(driver_message: str, expected: str) -> None:
    exc = sa.exc.OperationalError("SELECT 1", {}, Exception(driver_message))
    out = translate_error(exc, "保存答案")
    assert isinstance(out, StoreUnavailable)
    assert expected in str(out) and "保存答案未完成" in str(out)
    assert_user_message(out)


def test_disk_full_while_writing_a_file_is_unavailable() -> None:
    out = translate_error(OSError(28, "No space left on device"), "上传佐证材料")
    assert isinstance(out, StoreUnavailable) and "磁盘空间已满" in str(out)
