"""SQLite and PostgreSQL set-up, transactions, the SQLite writer lock and the time limits.

Every database call the store makes runs in `Database.read` or `Database.write` and is bounded
by ``op_timeout`` seconds (``JIGUAN_DB_TIMEOUT``, default 5), so a stalled database surfaces as
`StoreUnavailable` within seconds instead of hanging the page:

* SQLite: the busy timeout, and the writer lock below, wait at most ``op_timeout``.
* PostgreSQL, on the server: ``lock_timeout`` (0.8 × op_timeout, so a lock wait is reported
  as such) and ``statement_timeout`` (op_timeout), set as start-up options (no extra round trip).
* PostgreSQL, on the client: ``connect_timeout``, TCP keepalives and ``tcp_user_timeout`` for a
  dead network; and a watchdog for what those cannot see (a server or proxy that is stopped
  but whose kernel still acknowledges packets): when an operation outlives op_timeout + 1 s,
  the watchdog shuts the socket of the connection it is using, the driver call returns with
  an error, and the caller gets `DatabaseTimeout` → StoreUnavailable. A pooled connection is
  pinged when checked out (under the same watchdog), so connections that died while idle are
  replaced and a call after an outage works again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from jiguan.store.config import normalise_url
from jiguan.store.errors import DatabaseTimeout, StoreError, StoreUnavailable

log = logging.getLogger("jiguan.store")

# Key of the PostgreSQL advisory lock that lets one process at a time run migrations
# (any constant works; it only has to be the same in every process of this app).
MIGRATION_LOCK_KEY = 4242004
POOL_SIZE = 10  # PostgreSQL connections kept per process (as many again while busy)
WATCHDOG_GRACE = 1.0  # seconds after op_timeout: server-side timeouts, clearer, come first


def make_engine(url: str, *, op_timeout: float = 5.0) -> Engine:
    """A configured engine: SQLite with WAL, foreign keys, busy timeout and BEGIN IMMEDIATE
    for writes; PostgreSQL through psycopg 3 with the timeouts of the module docstring.

    Raises:
        StoreUnavailable: the URL is invalid or its driver is not installed.
    """
    try:
        parsed = make_url(normalise_url(url))
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            engine = sa.create_engine(
                parsed,
                connect_args={"timeout": op_timeout, "check_same_thread": False},
                json_serializer=_json_dumps,
            )
            _configure_sqlite(engine, op_timeout)
        elif backend == "postgresql":
            engine = sa.create_engine(
                _with_server_timeouts(parsed, op_timeout),
                connect_args=_client_timeouts(op_timeout),
                json_serializer=_json_dumps,
                # Streamlit runs each session's script in a thread of its own: with the default
                # 5 kept connections, 200 open tabs polling made ~1 new PostgreSQL connection
                # (a server process) per poll, closed again after it (bench/README.md).
                pool_size=POOL_SIZE,
                max_overflow=POOL_SIZE,
            )
        else:
            engine = sa.create_engine(parsed, pool_pre_ping=True, json_serializer=_json_dumps)
    except StoreError:
        raise
    except Exception as exc:
        log.warning("store: cannot create engine", exc_info=exc)
        raise StoreUnavailable(
            "数据库地址无效或缺少对应的数据库驱动，请检查 JIGUAN_DATABASE_URL 或 "
            ".streamlit/secrets.toml 中的设置"
        ) from None
    return engine


def _json_dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _with_server_timeouts(url: sa.URL, op_timeout: float) -> sa.URL:
    ms = max(1, int(op_timeout * 1000))
    ours = f"-c statement_timeout={ms} -c lock_timeout={max(1, int(ms * 0.8))}"
    given = url.query.get("options")
    given = " ".join(given) if isinstance(given, tuple) else given
    return url.update_query_dict({"options": f"{given} {ours}" if given else ours})


def _client_timeouts(op_timeout: float) -> dict[str, int]:
    seconds = max(2, math.ceil(op_timeout))  # libpq counts whole seconds, 2 at least
    return {
        "connect_timeout": seconds,
        "keepalives": 1,
        "keepalives_idle": seconds,
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": int(op_timeout * 1000),
    }


def _enable_wal(cur: Any, timeout: float) -> None:
    """WAL lets readers work while one writer writes. The mode is stored in the file, so only
    the very first connection switches it; that switch needs a moment alone with the file and
    SQLite does not wait for it, so several processes starting at once retry here."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() in ("wal", "memory"):
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: Engine, timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, issue BEGIN (see the "begin" hook below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        _enable_wal(cur, timeout)
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so the busy timeout applies and a read-then-
        # write transaction never fails half way with SQLITE_BUSY.
        immediate = conn.get_execution_options().get("jiguan_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.Lock:
    """One lock per database file in this process, shared by every Store opened on it."""
    database = engine.url.database or ":memory:"
    key = database if database == ":memory:" else os.path.realpath(database)
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(key, threading.Lock())


class _Operation:
    """One store call on PostgreSQL: the connections it uses, and whether it ran out of time."""

    def __init__(self) -> None:
        self.expired = False
        self._conns: list[Any] = []
        self._lock = threading.Lock()

    def watch(self, dbapi_conn: Any) -> None:
        with self._lock:
            self._conns.append(dbapi_conn)
            if self.expired:
                _shut(dbapi_conn)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for conn in self._conns:
                _shut(conn)


class _Watchdog:
    """Expires PostgreSQL operations that outlive their time: one thread per database, started
    on first use. (A ``threading.Timer`` per operation started an OS thread for every query:
    ~20 % of the server CPU of a sidebar poll, bench/README.md.)"""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[_Operation, float] = {}  # insertion order = deadline order
        self._thread: threading.Thread | None = None

    def add(self, op: _Operation, seconds: float) -> None:
        with self._cond:
            wake = not self._due  # every operation has the same limit: only a first one is
            self._due[op] = time.monotonic() + seconds  # due sooner than what is waited for
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="jiguan-db-watchdog", daemon=True
                )
                self._thread.start()
            elif wake:
                self._cond.notify()

    def remove(self, op: _Operation) -> None:
        with self._cond:
            self._due.pop(op, None)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                expired = [op for op, at in self._due.items() if at <= now]
                for op in expired:
                    del self._due[op]
                if not expired:
                    self._cond.wait(min(self._due.values()) - now if self._due else None)
            for op in expired:
                op.expire()


def _shut(dbapi_conn: Any) -> None:
    """Wake a driver call blocked on this connection: shut its socket down (both ways)."""
    try:
        with socket.fromfd(dbapi_conn.pgconn.socket, socket.AF_INET, socket.SOCK_STREAM) as s:
            s.shutdown(socket.SHUT_RDWR)
    except Exception:  # already closed: nothing is waiting on it
        pass


class Database:
    """An engine plus the rules for using it: transactions, turns for writers, time limits."""

    def __init__(self, url: str, *, op_timeout: float) -> None:
        self.op_timeout = float(op_timeout)
        self.engine = make_engine(url, op_timeout=self.op_timeout)
        self.dialect = self.engine.dialect.name
        self._writer_lock = _sqlite_writer_lock(self.engine) if self.dialect == "sqlite" else None
        self._local = threading.local()
        self._watchdog = _Watchdog()
        if self.dialect == "postgresql":
            sa.event.listen(self.engine, "checkout", self._on_checkout)

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction, bounded by op_timeout."""
        with self._deadline(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def write(self, *, bounded: bool = True) -> Iterator[Connection]:
        """A write transaction: this process's writers take turns (SQLite), the whole call is
        bounded by op_timeout unless ``bounded`` is False (migrations)."""
        deadline = self._deadline() if bounded else contextlib.nullcontext()
        with self._writer_turn(), deadline, self.engine.connect() as conn:
            conn.execution_options(jiguan_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _writer_turn(self) -> Iterator[None]:
        """On SQLite, writers of this process take turns on a lock before asking SQLite for its
        write lock: SQLite's own busy handler polls with growing sleeps, so threads competing
        through it waited far longer than the write itself (bench/README.md); a lock hands
        over at once. Other processes still meet the busy timeout."""
        lock = self._writer_lock
        if lock is None:
            yield
            return
        if not lock.acquire(timeout=self.op_timeout):
            raise StoreUnavailable("数据库繁忙，保存未完成，请稍后重试")
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[None]:
        if self.dialect != "postgresql" or getattr(self._local, "op", None) is not None:
            yield  # SQLite has its busy timeout; a nested call runs under the outer deadline
            return
        op = _Operation()
        self._local.op = op
        self._watchdog.add(op, self.op_timeout + WATCHDOG_GRACE)
        try:
            yield
        except Exception as exc:
            if op.expired:
                raise DatabaseTimeout(self.op_timeout) from exc
            raise
        finally:
            self._watchdog.remove(op)
            self._local.op = None
        if op.expired:  # finished, but only after the socket was shut: the result is unknown
            raise DatabaseTimeout(self.op_timeout)

    def _on_checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        """Ping a pooled connection before use, under the caller's watchdog; a dead one is
        replaced by the pool (DisconnectionError makes it connect afresh)."""
        op = getattr(self._local, "op", None)
        if op is not None:
            op.watch(dbapi_conn)
        try:
            self.engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            if op is not None and op.expired:
                raise DatabaseTimeout(self.op_timeout) from exc
            raise sa_exc.DisconnectionError() from exc

    @contextlib.contextmanager
    def migration_connection(self) -> Iterator[Connection]:
        """A write transaction for alembic, with no time limit, holding the migration lock
        (PostgreSQL), foreign keys off while tables are rebuilt and checked after (SQLite)."""
        if self.dialect == "sqlite":
            with self._writer_turn(), self.engine.connect() as conn:
                yield from _sqlite_migration(conn)
            return
        with self.write(bounded=False) as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
                conn.execute(sa.text("SET LOCAL lock_timeout = '60s'"))
                conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
            yield conn


def _sqlite_migration(conn: Connection) -> Iterator[Connection]:
    """Rebuilding a table in SQLite drops the old one, and with foreign keys on a DROP deletes
    (and cascades to) every referencing row; the pragma only works outside a transaction."""
    raw = conn.connection.driver_connection
    assert raw is not None  # a live connection (it was just checked out)
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execution_options(jiguan_write=True)
        with conn.begin():
            yield conn
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise StoreError(f"数据库升级后外键不一致（表 {broken[0]}），已撤销升级。")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
