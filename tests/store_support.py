"""Fixtures shared by the store tests: one database per test, on SQLite and PostgreSQL.

PostgreSQL: ``JIGUAN_TEST_PG_URL`` or postgres@127.0.0.1:5432/test (trust auth). Each test
gets its own schema (``search_path`` set through the connection options), dropped afterwards,
so tests never see each other's tables and can run against a shared server.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric
from jiguan.store import Store
from tests.conftest import require_service

PG_URL = os.environ.get("JIGUAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_HOW = (
    "apt-get install -y postgresql && pg_ctlcluster 15 main start "
    "(trust auth for 127.0.0.1, database `test`), or set JIGUAN_TEST_PG_URL"
)
WORKER = Path(__file__).with_name("store_worker.py")

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@functools.cache
def pg_available() -> bool:
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


@functools.cache
def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL (not yet migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'jiguan.db').as_posix()}"
        return
    require_service(pg_available(), f"PostgreSQL at {PG_URL}", PG_HOW)
    schema = f"jiguan_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin().connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _pg_admin().connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def store(db_url: str, rubric: Rubric, files_dir: Path) -> Iterator[Store]:
    s = Store(db_url, rubric, files_dir=files_dir)
    s.migrate()
    yield s
    s.close()


def run_worker(*args: str, timeout: float = 60) -> subprocess.Popen[str]:
    """Start tests/store_worker.py in a separate Python process."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=str(PROJECT_ROOT),
    )


@contextlib.contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL on its own, empty PostgreSQL schema (dropped afterwards)."""
    require_service(pg_available(), f"PostgreSQL at {PG_URL}", PG_HOW)
    schema = f"jiguan_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin().connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _pg_admin().connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def guessed_for_a_while(store: Store, name: str, address: str = "10.6.6.6") -> None:
    """Someone at ``address`` guessed ``name``'s password every two minutes until now: the
    name must now wait a minute (throttle.NAME's longest wait) before the next sign-in."""
    from datetime import UTC, datetime, timedelta

    from jiguan.accounts import AccountError

    users, now = store.users, datetime.now(UTC)
    for minutes_ago in range(22, -1, -2):
        with contextlib.suppress(AccountError):
            users.login(
                name,
                "猜的密码猜的密码猜的",
                address=address,
                at=now - timedelta(minutes=minutes_ago),
            )
