"""Schema migrations: from an empty database, from the previous revision, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store, metadata
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir

HEAD = "0014"
TABLES = {
    "units",
    "assessments",
    "answers",
    "answer_history",
    "evidence_files",
    "reviews",
    "review_verdicts",
    "review_history",
    "users",
    "user_units",
    "audit_log",
}


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_from_empty_database(db_url: str, rubric: Rubric, files_dir: Path) -> None:
    s = Store(db_url, rubric, files_dir=files_dir)
    assert s.schema_revision() is None
    s.migrate()
    assert s.schema_revision() == HEAD
    assert TABLES | {"alembic_version"} <= table_names(db_url)
    s.migrate()  # every start-up calls it; the second time does nothing
    assert s.schema_revision() == HEAD
    s.close()


def test_head_matches_the_store_tables(db_url: str, rubric: Rubric, files_dir: Path) -> None:
    """The migrations and jiguan.store.metadata describe the same schema."""
    s = Store(db_url, rubric, files_dir=files_dir)
    s.migrate()
    with s.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    s.close()


def test_from_the_previous_revision_keeps_data(
    db_url: str, rubric: Rubric, files_dir: Path
) -> None:
    s = Store(db_url, rubric, files_dir=files_dir)
    s.migrate("0001")
    assert s.schema_revision() == "0001"
    assert "answer_history" not in table_names(db_url)
    now = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    # data written by a 0001-era app, with plain SQL (the 0001 tables only)
    with s.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO units (id, name, created_at) VALUES (1, '某局', :t)"), {"t": now}
        )
        conn.execute(
            sa.text(
                "INSERT INTO assessments (id, unit_id, round_name, rubric_version, profile, "
                "created_at, updated_at) VALUES (1, 1, '第一次自评', '2026.1', :p, :t, :t)"
            ),
            {"p": '{"填表人": "张三"}', "t": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO answers (assessment_id, criterion_id, value, points, evidence, "
                "note, version, updated_by, updated_at) VALUES "
                "(1, '1.1', 'partial', 1.5, '会议纪要', '', 3, '张三', :t), "
                "(1, '17.1', '2', NULL, '', '两项', 1, '李四', :t)"
            ),
            {"t": now},
        )
    s.migrate()
    assert s.schema_revision() == HEAD
    [info] = s.list_assessments()
    assert (info.unit_name, info.round_name, info.profile) == (
        "某局",
        "第一次自评",
        {"填表人": "张三"},
    )
    saved = s.load_answers(1)
    assert saved["1.1"].answer == Answer("partial", 1.5, "会议纪要")
    assert (saved["1.1"].version, saved["1.1"].updated_by) == (3, "张三")
    assert saved["1.1"].updated_at == now
    assert saved["17.1"].answer == Answer(2, note="两项")
    # the new tables work with the old data
    assert s.history(1) == []
    s.save_answer(1, "1.1", Answer("yes"), expected_version=3, user="王五")
    assert s.history(1, "1.1")[0].old == Answer("partial", 1.5, "会议纪要")
    s.add_file(1, "1.1", "纪要.pdf", b"%PDF-1.4", user="王五")
    assert s.answers(1)["1.1"].attachments == 1
    s.close()


def test_concurrent_start_ups_migrate_once(db_url: str, rubric: Rubric, files_dir: Path) -> None:
    stores = [Store(db_url, rubric, files_dir=files_dir) for _ in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def start(s: Store) -> None:
        barrier.wait()
        try:
            s.migrate()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].schema_revision() == HEAD
    for s in stores:
        s.close()


def test_alembic_command_line_from_another_directory(tmp_path: Path) -> None:
    """Developers can run `alembic upgrade head` with the repo's alembic.ini."""
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    env = {**os.environ, "JIGUAN_DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(PROJECT_ROOT / "alembic.ini"),
            "upgrade",
            "head",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert table_names(url) >= TABLES


def _fill_0002(conn: sa.Connection, now: datetime) -> None:
    """Data as a 0002-era app wrote it: two assessments, answers, history, files."""
    conn.execute(
        sa.text("INSERT INTO units (id, name, created_at) VALUES (1, '某局', :t)"), {"t": now}
    )
    for aid, name in ((1, "第一次自评"), (2, "第二次自评")):
        conn.execute(
            sa.text(
                "INSERT INTO assessments (id, unit_id, round_name, rubric_version, profile, "
                "created_at, updated_at) VALUES (:id, 1, :n, '2026.1', '{}', :t, :t)"
            ),
            {"id": aid, "n": name, "t": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO answers (assessment_id, criterion_id, value, points, evidence, "
                "note, version, updated_by, updated_at) VALUES "
                "(:id, '1.1', 'yes', NULL, '会议纪要', '', 1, '张三', :t)"
            ),
            {"id": aid, "t": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO answer_history (assessment_id, criterion_id, event, version, old, "
                "new, detail, changed_by, changed_at) VALUES "
                "(:id, '1.1', 'answer', 1, NULL, :new, '', '张三', :t)"
            ),
            {"id": aid, "t": now, "new": '{"value": "yes", "evidence": "会议纪要"}'},
        )
        conn.execute(
            sa.text(
                "INSERT INTO evidence_files (assessment_id, criterion_id, filename, sha256, size, "
                "content_type, uploaded_by, uploaded_at) VALUES "
                "(:id, '1.1', '纪要.pdf', :sha, 8, 'application/pdf', '张三', :t)"
            ),
            {"id": aid, "t": now, "sha": "0" * 64},
        )
    if conn.dialect.name == "postgresql":  # explicit ids do not move the sequences
        for table in ("units", "assessments"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 2)"))


def test_0003_keeps_data_and_stops_id_reuse(db_url: str, rubric: Rubric, files_dir: Path) -> None:
    s = Store(db_url, rubric, files_dir=files_dir)
    s.migrate("0002")
    now = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    with s.engine.begin() as conn:
        _fill_0002(conn, now)
    s.migrate()
    assert s.schema_revision() == HEAD
    # rebuilding the parent table did not cascade to its children
    for aid in (1, 2):
        assert s.answers(aid)["1.1"] == Answer("yes", evidence="会议纪要", attachments=1)
        assert [e.new.evidence for e in s.history(aid)] == ["会议纪要"]
        assert [f.filename for f in s.list_files(aid)] == ["纪要.pdf"]
    if s.dialect == "sqlite":
        with s.engine.connect() as conn:
            sql = dict(conn.execute(sa.text("SELECT name, sql FROM sqlite_master")).all())
        for table in ("assessments", "evidence_files", "answer_history"):
            assert "AUTOINCREMENT" in sql[table], sql[table]
    # the highest id, purged, is not given out again
    s.delete_assessment(2)
    s.purge_assessment(2)
    assert s.create_assessment("另一局", "第一次自评").id == 3
    s.close()


def test_alembic_command_line_upgrades_0002_data(tmp_path: Path, rubric: Rubric) -> None:
    """`alembic upgrade head` takes the same care as Store.migrate (no cascade on rebuild)."""
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    s = Store(url, rubric, files_dir=tmp_path / "files")
    s.migrate("0002")
    with s.engine.begin() as conn:
        _fill_0002(conn, datetime(2025, 3, 1, tzinfo=UTC))
    s.close()
    env = {**os.environ, "JIGUAN_DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(PROJECT_ROOT / "alembic.ini"),
            "upgrade",
            "head",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    s = Store(url, rubric, files_dir=tmp_path / "files")
    assert s.schema_revision() == HEAD
    assert s.answers(1)["1.1"].evidence == "会议纪要"
    assert len(s.history(2)) == 1
    s.close()


def test_0004_keeps_data_and_adds_the_review(db_url: str, rubric: Rubric, files_dir: Path) -> None:
    """From 0003 with data: rounds keep their answers, history and files (the assessments
    rebuild did not cascade), have no predecessor, and can be reviewed and copied."""
    s = Store(db_url, rubric, files_dir=files_dir)
    s.migrate("0003")
    now = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    with s.engine.begin() as conn:
        _fill_0002(conn, now)
    s.migrate()
    assert s.schema_revision() == HEAD
    for aid in (1, 2):
        info = s.get_assessment(aid)
        assert info.predecessor_id is None and info.created_at == now
        assert s.answers(aid)["1.1"] == Answer("yes", evidence="会议纪要", attachments=1)
        assert len(s.history(aid)) == 1 and len(s.list_files(aid)) == 1
        assert s.reviews.get(aid) is None
    if s.dialect == "sqlite":
        with s.engine.connect() as conn:
            sql = dict(conn.execute(sa.text("SELECT name, sql FROM sqlite_master")).all())
        assert "AUTOINCREMENT" in sql["assessments"]
    from jiguan.review import Verdict

    s.reviews.save_verdict(
        1, "1.1", Verdict("no", reason="纪要未签发"), expected_version=0, user="王"
    )
    third = s.duplicate_assessment(2, "第三次自评")
    assert third.id == 3 and third.predecessor_id == 2
    assert [a.id for a in s.rounds(3)] == [2, 3]
    s.close()
