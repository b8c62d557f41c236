"""What one server process holds: the rubric, the Store, the outage journal and its one replayer.

Both the ASGI lifespan (`jiguan.web`) and the pages (`pages/common/state.py`) take them from
here, so a process has one Store and one replayer per configuration. Resources are keyed by the
settings they were made from (rubric file; database URL, files dir, upload limit, journal dir),
so a test, or a second configuration in one process, gets its own.
"""

from __future__ import annotations

import gc
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jiguan import DEFAULT_RUBRIC_PATH
from jiguan.journal import Journal
from jiguan.replay import Outage, Replayer, audit_bad, replay_with
from jiguan.rubric import RUBRIC_ENV, Rubric, load_rubric
from jiguan.stamps import Stamps
from jiguan.store import Store, StoreError, load_config, resolve_data_dir


@dataclass(frozen=True)
class Held:
    """The database side of a process: the store, the journal of changes made while the
    database was away, the thread that replays it, and whether the database is away."""

    store: Store
    journal: Journal
    replayer: Replayer
    outage: Outage
    stamps: Stamps  # when each open assessment last changed, for every tab's poll


_lock = threading.Lock()
_held: dict[tuple[str, str, int, str], Held] = {}


def rubric() -> Rubric:
    """The rubric (``$JIGUAN_RUBRIC`` or config/indicators.yaml), loaded once per file; raises
    RubricError, and tries again on the next call."""
    return _rubric_at(os.environ.get(RUBRIC_ENV) or str(DEFAULT_RUBRIC_PATH))


@cache
def _rubric_at(path: str) -> Rubric:
    return load_rubric(path)


# The settings that decide which store a process holds (jiguan/store/config.py).
_SETTINGS = ("JIGUAN_DATABASE_URL", "JIGUAN_DATA_DIR", "JIGUAN_MAX_UPLOAD_MB", "JIGUAN_DB_TIMEOUT")


def _key() -> tuple[str, str, int, str]:
    # Called on every store access (many per page run): resolved once per settings, not
    # re-parsed each time (~3% of a page load's server time; bench/README.md).
    return _key_for(tuple(os.environ.get(name, "") for name in _SETTINGS))


@cache
def _key_for(settings: tuple[str, ...]) -> tuple[str, str, int, str]:
    config = load_config()
    journal_dir = resolve_data_dir() / "journal"
    return config.database_url, str(config.files_dir), config.max_file_bytes, str(journal_dir)


def held() -> Held:
    """The store (migrated on first use), journal and running replayer for the configured
    database; raises StoreError when the database can't be opened (tried again next call)."""
    key = _key()
    found = _held.get(key)
    if found is not None:
        return found
    with _lock:
        found = _held.get(key)
        if found is None:
            found = _held[key] = _open(rubric(), Path(key[3]))
    return found


def store() -> Store:
    return held().store


def _open(the_rubric: Rubric, journal_dir: Path) -> Held:
    store = Store.from_environment(the_rubric)
    try:
        store.migrate()
    except StoreError:
        store.close()
        raise
    outage = Outage()

    def probe() -> None:
        if outage.down:
            try:
                store.schema_revision()
            except StoreError:
                return
            outage.ok()

    journal = Journal(journal_dir, on_bad=audit_bad(store))
    replayer = Replayer(journal, replay_with(store, outage), probe=probe).start()
    return Held(store, journal, replayer, outage, Stamps(store.stamps))


@cache
def settle() -> None:
    """Once per process, after start-up: move what exists now (modules, the rubric, plotly's and
    pandas' tables) out of the garbage collector's reach, so its full collections stop walking
    them under load (numbers in bench/README.md)."""
    gc.collect()
    gc.freeze()


def close() -> None:
    """Stop every replayer and close every store (the lifespan's end)."""
    with _lock:
        for found in _held.values():
            found.replayer.stop()
            found.store.close()
        _held.clear()
