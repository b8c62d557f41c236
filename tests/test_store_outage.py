"""A stalled or stopped PostgreSQL surfaces as StoreUnavailable within seconds, and the store
works again when the database is back (issue 9). The database is reached through
`tests.tcp_proxy.TcpProxy`, which the test freezes, kills and resumes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import DEFAULT_OP_TIMEOUT, Store, StoreUnavailable, op_timeout_seconds
from tests import store_support
from tests.store_support import BACKENDS
from tests.tcp_proxy import TcpProxy

db_url = store_support.db_url
files_dir = store_support.files_dir

ON_POSTGRES = pytest.mark.parametrize("db_url", [BACKENDS[1]], indirect=True)


@pytest.fixture
def proxy(db_url: str) -> Iterator[TcpProxy]:
    url = sa.make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as p:
        yield p


@pytest.fixture
def store(db_url: str, proxy: TcpProxy, rubric: Rubric, files_dir: Path) -> Iterator[Store]:
    s = Store(proxy.url_for(db_url), rubric, files_dir=files_dir)
    s.migrate()
    yield s
    s.close()


def timed(call: Callable[[], Any], bound: float = 20.0) -> tuple[BaseException | None, float]:
    """Run ``call`` in a thread; the exception it raised (or None) and the seconds it took.
    Fails, instead of hanging the suite, when it is still running after ``bound`` seconds."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    start = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(bound)
    assert not t.is_alive(), f"the call still hangs after {bound} s"
    return outcome[0], time.monotonic() - start


def test_the_default_timeout_is_five_seconds_and_configurable() -> None:
    assert op_timeout_seconds({}) == DEFAULT_OP_TIMEOUT == 5.0
    assert op_timeout_seconds({"JIGUAN_DB_TIMEOUT": "2.5"}) == 2.5


@ON_POSTGRES
def test_a_frozen_database_fails_a_save_within_seconds_then_recovers(
    store: Store, proxy: TcpProxy
) -> None:
    aid = store.create_assessment("某局", "第一次自评").id
    proxy.freeze()
    error, seconds = timed(
        lambda: store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    )
    assert isinstance(error, StoreUnavailable), error
    assert "没有响应" in str(error) and "保存答案未完成" in str(error)
    assert 4.5 <= seconds <= 8, seconds
    proxy.resume()
    # the stalled connection was dropped; the next call gets a working one
    error, _ = timed(
        lambda: store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    )
    assert error is None
    assert store.load_answers(aid)["1.1"].version == 1


@ON_POSTGRES
def test_a_database_frozen_before_connecting_fails_within_seconds(
    db_url: str, proxy: TcpProxy, rubric: Rubric, files_dir: Path
) -> None:
    s = Store(proxy.url_for(db_url), rubric, files_dir=files_dir, op_timeout=2)
    proxy.freeze()
    error, seconds = timed(s.list_assessments)
    assert isinstance(error, StoreUnavailable), error
    assert seconds <= 4, seconds
    proxy.resume()
    s.migrate()
    assert s.list_assessments() == []
    s.close()


@ON_POSTGRES
def test_a_killed_database_fails_at_once_then_recovers(store: Store, proxy: TcpProxy) -> None:
    aid = store.create_assessment("某局", "第一次自评").id
    proxy.kill()
    for call in (
        lambda: store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三"),
        lambda: store.load_answers(aid),
    ):
        error, seconds = timed(call)
        assert isinstance(error, StoreUnavailable), error
        assert "无法连接数据库服务器" in str(error)
        assert seconds < 2, seconds
    proxy.resume()
    saved = store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    assert saved.version == 1
