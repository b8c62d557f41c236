"""Is a backup's database this app's, at a revision it knows? (`jiguan.backup.restore`, before the
current database is touched.)

The tables and columns are read from the file itself (SQLite) or from the dump's own DDL
(``pg_restore --schema-only``), the revision from its ``alembic_version`` row. At the head
revision they must be exactly `jiguan.store.schema.metadata`'s; at an older known revision every
table and column must be one the app knows (the app upgrades it at start-up, as any old database).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import subprocess
from functools import cache
from pathlib import Path

from jiguan.store.config import MIGRATIONS_DIR
from jiguan.store.schema import metadata

VERSION_TABLE = "alembic_version"
Tables = dict[str, set[str]]


@cache
def known_revisions() -> tuple[str, ...]:
    """The revisions of ``migrations/versions``, head first."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    return tuple(s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions())


def _expected() -> Tables:
    return {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}


def schema_problem(tables: Tables, revision: str | None) -> str | None:
    """Why these tables at this revision are not this app's database (Chinese), or None."""
    expected = _expected()
    if VERSION_TABLE not in tables or revision is None:
        missing = sorted(set(expected) - set(tables))
        listed = "、".join([VERSION_TABLE, *missing][:6])
        return f"不是本程序的数据库：缺少表 {listed}"
    known = known_revisions()
    if revision not in known:
        return (
            f"数据库结构版本 {revision[:40]} 不是本程序已知的版本"
            f"（已知：{'、'.join(reversed(known))}）；"
            "如来自更新版本的程序，请用该版本恢复"
        )
    tables = {name: cols for name, cols in tables.items() if name != VERSION_TABLE}
    extra = sorted(set(tables) - set(expected))
    missing = sorted(set(expected) - set(tables)) if revision == known[0] else []
    if extra or missing:
        parts = [f"缺少表 {'、'.join(missing[:6])}"] if missing else []
        parts += [f"多出表 {'、'.join(extra[:6])}"] if extra else []
        return f"不是本程序的数据库：{'；'.join(parts)}"
    for name, columns in sorted(tables.items()):
        unknown = sorted(columns - expected[name])
        lacking = sorted(expected[name] - columns) if revision == known[0] else []
        if unknown or lacking:
            parts = [f"缺少列 {'、'.join(lacking[:6])}"] if lacking else []
            parts += [f"多出列 {'、'.join(unknown[:6])}"] if unknown else []
            return f"不是本程序的数据库：表 {name} {'；'.join(parts)}"
    return None


def sqlite_schema(path: Path) -> tuple[Tables, str | None]:
    """Tables with their columns, and the alembic revision, of a SQLite file (read only)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        tables = {
            name: {r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (name,))}
            for name in names
        }
        revision = None
        if VERSION_TABLE in tables and tables[VERSION_TABLE] == {"version_num"}:
            rows = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
            revision = str(rows[0][0]) if len(rows) == 1 else None
    return tables, revision


_CREATE = re.compile(r"^CREATE TABLE (?:\S+\.)?\"?(\w+)\"? \((.*?)^\);", re.M | re.S)
_COPY = re.compile(
    r"^COPY (?:\S+\.)?\"?alembic_version\"? .*? FROM stdin;\n(.*?)^\\\.", re.M | re.S
)


def _pg_restore(args: list[str]) -> str:
    done = subprocess.run(
        ["pg_restore", *args], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise ValueError((done.stderr.strip().splitlines() or ["（无输出）"])[-1])
    return done.stdout


def pgdump_schema(dump: Path) -> tuple[Tables, str | None]:
    """Tables with their columns (from the dump's DDL) and the alembic revision (its data).

    Raises:
        ValueError: pg_restore cannot read the file (the message says why).
        FileNotFoundError: pg_restore is not installed.
    """
    if shutil.which("pg_restore") is None:
        raise FileNotFoundError("pg_restore")
    ddl = _pg_restore(["--schema-only", "--no-owner", "-f", "-", str(dump)])
    tables: Tables = {}
    for match in _CREATE.finditer(ddl):
        lines = [line.strip() for line in match.group(2).splitlines() if line.strip()]
        tables[match.group(1)] = {
            line.split()[0].strip('"') for line in lines if not line.startswith("CONSTRAINT")
        }
    revision = None
    if VERSION_TABLE in tables:
        data = _pg_restore(["--data-only", "-t", VERSION_TABLE, "-f", "-", str(dump)])
        found = _COPY.search(data)
        values = found.group(1).split() if found else []
        revision = values[0] if len(values) == 1 else None
    return tables, revision
