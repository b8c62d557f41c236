"""Database outages seen from a real browser, on SQLite and PostgreSQL.

PostgreSQL is reached through a TCP proxy the test controls (tests/tcp_proxy.py): ``kill``
(the server is down), ``freeze`` (it stalls). SQLite has no connection to cut: another process
holding the file's write lock stalls every write the same way.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from jiguan.rubric import load_rubric
from jiguan.store import Store
from tests.browser_support import TIMEOUT, UNIT, VIEWPORT, AppServer, _settle, _wait_total
from tests.conftest import require_service
from tests.store_support import PG_HOW, PG_URL, _pg_admin, pg_available
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.browser
DB_TIMEOUT = "3"  # seconds: the app's statement/lock timeout in these tests


class Outage:
    """Take one backend's database away and bring it back."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.proxy: TcpProxy | None = None
        self.lock: sqlite3.Connection | None = None
        self.schema = ""
        if backend == "sqlite":
            (tmp_path / "data").mkdir()
            self.direct_url = f"sqlite:///{(tmp_path / 'data' / 'jiguan.db').as_posix()}"
            self.app_url = self.direct_url
            return
        require_service(pg_available(), f"PostgreSQL at {PG_URL}", PG_HOW)
        self.schema = f"jiguan_test_{uuid.uuid4().hex[:12]}"
        with _pg_admin().connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={self.schema}"})
        self.direct_url = url.render_as_string(hide_password=False)
        self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
        self.app_url = self.proxy.url_for(self.direct_url)

    def down(self) -> None:
        """The database stops answering."""
        if self.proxy is not None:
            self.proxy.kill()
            return
        db = self.direct_url.removeprefix("sqlite:///")
        self.lock = sqlite3.connect(db, timeout=10, isolation_level=None)
        self.lock.execute("BEGIN EXCLUSIVE")

    def stall(self) -> None:
        if self.proxy is not None:
            self.proxy.freeze()
        else:
            self.down()

    def back(self) -> None:
        if self.proxy is not None:
            self.proxy.resume()
        elif self.lock is not None:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = None

    def close(self) -> None:
        self.back()
        if self.proxy is not None:
            self.proxy.close()
        if self.schema:
            with _pg_admin().connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    require_service(os.path.exists("/usr/bin/chromium"), "Chromium", "apt-get install -y chromium")
    o = Outage(request.param, tmp_path)
    try:
        yield o
    finally:
        o.close()


@contextmanager
def serving(outage: Outage, tmp_path: Path) -> Iterator[AppServer]:
    env = {"JIGUAN_DATABASE_URL": outage.app_url, "JIGUAN_DB_TIMEOUT": DB_TIMEOUT}
    server = AppServer(tmp_path / "data", tmp_path / "server.log", env=env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _store(outage: Outage) -> Store:
    store = Store(outage.direct_url, load_rubric(), files_dir=Path("/nonexistent"))
    return store


def _start_item1(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    page.get_by_role("button", name=re.compile("开始填写")).click()
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()


def _wait_saved(outage: Outage, cid: str, value: str, seconds: float = 30) -> bool:
    store = _store(outage)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            aid = max((a.id for a in store.list_assessments()), default=None)
            if (
                aid is not None
                and store.answers(aid).get(cid)
                and store.answers(aid)[cid].value == value
            ):
                return True
            time.sleep(0.5)
        return False
    finally:
        store.close()


def test_changes_made_while_the_database_is_down_are_saved_after_the_tab_closed(
    outage: Outage, browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    with serving(outage, tmp_path) as server:
        page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
        page.set_default_timeout(TIMEOUT)
        _start_item1(page, server.url)
        page.get_by_role("radio", name="符合", exact=True).first.click()
        _wait_total(page, "2 / 100")
        _settle(page)

        outage.down()
        page.get_by_role("radio", name="符合", exact=True).nth(1).click()
        _wait_total(page, "4 / 100")  # the page shows what the user did
        page.get_by_text(re.compile("项修改已暂存在服务器上|修改待写入数据库")).first.wait_for(
            timeout=30_000
        )
        page.screenshot(path=str(artifacts_dir / "screenshots" / f"outage_{outage.backend}.png"))
        page.close()  # the tab goes away while the database is still down

        outage.back()
        assert _wait_saved(outage, "2.1", "yes"), "the journaled change was not saved"


def test_a_stalled_database_shows_unsaved_within_seconds_and_the_page_stays_usable(
    outage: Outage, browser, tmp_path: Path
) -> None:
    with serving(outage, tmp_path) as server:
        page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
        page.set_default_timeout(TIMEOUT)
        _start_item1(page, server.url)
        _settle(page)

        outage.stall()
        started = time.monotonic()
        page.get_by_role("radio", name="符合", exact=True).first.click()
        page.locator('[data-testid="stSidebar"]').get_by_text(
            re.compile("修改待写入数据库")
        ).wait_for(timeout=15_000)
        noticed = time.monotonic() - started
        assert noticed < 10, f"未保存 shown only after {noticed:.1f} s"
        started = time.monotonic()
        page.get_by_role("radio", name="符合", exact=True).nth(1).click()
        _wait_total(page, "4 / 100")
        assert time.monotonic() - started < 3  # no second wait for the timeout: journaled

        outage.back()
        assert _wait_saved(outage, "2.1", "yes")
