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

HEAD = "0002"
TABLES = {"units", "assessments", "answers", "answer_history", "evidence_files"}


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
