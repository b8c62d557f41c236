"""Saved assessments: a SQLAlchemy 2 store on SQLite (default) or PostgreSQL.

Callers import from here (``from jiguan.store import Store, StoreError``); the modules are:

* `config` — database URL, data dir, upload limit, operation timeout (resolved once);
* `errors` — the StoreError family and driver-error translation;
* `schema` — the tables (mirrored by ``migrations/``);
* `engine` — SQLite/PostgreSQL set-up, transactions, writer lock, time limits;
* `records` — the dataclasses returned and the codecs for answers and names;
* `uploads` — checks on uploaded files; `blobs` — content-addressed file storage;
* `assessments`, `answers`, `files`, `history` — the queries; `history.record_change` is the
  one place a change is logged;
* `facade` — `Store`, which runs each call as a bounded transaction.
"""

from __future__ import annotations

from jiguan.format import format_time
from jiguan.store.config import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_OP_TIMEOUT,
    StoreConfig,
    database_url,
    default_files_dir,
    load_config,
    normalise_url,
    op_timeout_seconds,
    reload_config,
    resolve_data_dir,
    upload_limit_bytes,
)
from jiguan.store.engine import make_engine
from jiguan.store.errors import (
    ConflictError,
    EvidenceFileError,
    NotFoundError,
    StoreError,
    StoreUnavailable,
    translate_error,
)
from jiguan.store.facade import Store
from jiguan.store.overview import Sheets
from jiguan.store.records import AssessmentInfo, EvidenceFile, HistoryEntry, SavedAnswer
from jiguan.store.schema import metadata
from jiguan.store.uploads import (
    ALLOWED_EXTENSIONS,
    MAX_FILENAME_CHARS,
    check_evidence_file,
    display_filename,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_OP_TIMEOUT",
    "MAX_FILENAME_CHARS",
    "AssessmentInfo",
    "ConflictError",
    "EvidenceFile",
    "EvidenceFileError",
    "HistoryEntry",
    "NotFoundError",
    "SavedAnswer",
    "Sheets",
    "Store",
    "StoreConfig",
    "StoreError",
    "StoreUnavailable",
    "check_evidence_file",
    "database_url",
    "default_files_dir",
    "display_filename",
    "format_time",
    "load_config",
    "make_engine",
    "metadata",
    "normalise_url",
    "op_timeout_seconds",
    "reload_config",
    "resolve_data_dir",
    "translate_error",
    "upload_limit_bytes",
]
