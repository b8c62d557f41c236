"""Saved assessments: a SQLAlchemy 2 store on SQLite (default) or PostgreSQL.

Callers import from here only (``from jiguan.store import Store, StoreError``; pages are held
to it by tests/test_imports.py). The package's modules:

* `config` — database URL, data dir, upload limit, operation timeout (resolved once);
* `errors` — the StoreError family and driver-error translation;
* `schema` — the tables (mirrored by ``migrations/``);
* `engine` — SQLite/PostgreSQL set-up, transactions, writer lock, time limits;
* `records`, `review_records` — the dataclasses returned and the codecs for answers and names;
  `view` — `AssessmentView`, what `Store.view` reads for a page in one transaction;
* `uploads` — checks on uploaded files; `blobs` — content-addressed file storage;
* `assessments`, `answers`, `files`, `history` — the queries; `history.record_change` is the
  one place a change is logged;
* `facade` — `Store`, which runs each call as a bounded transaction, and carries the parts for
  the other tables, built on its database: ``store.reviews`` (`reviews`, the formal review),
  ``store.users`` (`users`: accounts, units, the audit log), ``store.workshops``
  (`workshops`), ``store.logins`` (`logins`: logins kept as rows);
* `scoped` — `ScopedStore(store, caller)`: the same calls limited to what the caller may see;
  its parts: `scoped_review` (``.submissions``, ``.reviews``), `scoped_rectification`
  (``.rectification``);
* `contract` — `StoreContract`, the protocol `Store` and `ScopedStore` both fulfil: what pages
  are typed against.
"""

from __future__ import annotations

from jiguan.format import format_time
from jiguan.store.audit import AuditEntry, audit_csv
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
from jiguan.store.contract import (
    RectificationContract,
    ReviewsContract,
    StoreContract,
    SubmissionsContract,
)
from jiguan.store.engine import make_engine
from jiguan.store.errors import (
    AccessDenied,
    ConflictError,
    EvidenceFileError,
    NotFoundError,
    StoreError,
    StoreUnavailable,
    translate_error,
)
from jiguan.store.facade import Store
from jiguan.store.logins import COOKIE as LOGIN_COOKIE
from jiguan.store.logins import RECHECK as LOGIN_RECHECK
from jiguan.store.logins import Login, Logins, login_token
from jiguan.store.overview import Sheets
from jiguan.store.records import (
    AssessmentInfo,
    EvidenceFile,
    HistoryEntry,
    SavedAnswer,
)
from jiguan.store.rectification import (
    PastDueDate,
    Rectification,
    RectificationConflict,
    SyncResult,
)
from jiguan.store.review_records import ReviewEvent, ReviewInfo, SavedVerdict, VerdictConflict
from jiguan.store.reviews import Reviews
from jiguan.store.schema import metadata
from jiguan.store.scoped import ReadOnly, ScopedStore
from jiguan.store.submissions import SubmissionInfo, Submissions
from jiguan.store.uploads import (
    ALLOWED_EXTENSIONS,
    MAX_FILENAME_CHARS,
    check_evidence_file,
    display_filename,
)
from jiguan.store.users import UserInfo, Users
from jiguan.store.view import AssessmentView
from jiguan.store.workshops import ENDED as WORKSHOP_ENDED
from jiguan.store.workshops import MAX_WORKSHOP_DAYS, WorkshopInfo, Workshops

__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_OP_TIMEOUT",
    "LOGIN_COOKIE",
    "LOGIN_RECHECK",
    "MAX_FILENAME_CHARS",
    "MAX_WORKSHOP_DAYS",
    "WORKSHOP_ENDED",
    "AccessDenied",
    "AssessmentInfo",
    "AssessmentView",
    "AuditEntry",
    "ConflictError",
    "EvidenceFile",
    "EvidenceFileError",
    "HistoryEntry",
    "Login",
    "Logins",
    "NotFoundError",
    "PastDueDate",
    "ReadOnly",
    "Rectification",
    "RectificationConflict",
    "RectificationContract",
    "ReviewEvent",
    "ReviewInfo",
    "Reviews",
    "ReviewsContract",
    "SavedAnswer",
    "SavedVerdict",
    "ScopedStore",
    "Sheets",
    "Store",
    "StoreConfig",
    "StoreContract",
    "StoreError",
    "StoreUnavailable",
    "SubmissionInfo",
    "Submissions",
    "SubmissionsContract",
    "SyncResult",
    "UserInfo",
    "Users",
    "VerdictConflict",
    "WorkshopInfo",
    "Workshops",
    "audit_csv",
    "check_evidence_file",
    "database_url",
    "default_files_dir",
    "display_filename",
    "format_time",
    "load_config",
    "login_token",
    "make_engine",
    "metadata",
    "normalise_url",
    "op_timeout_seconds",
    "reload_config",
    "resolve_data_dir",
    "translate_error",
    "upload_limit_bytes",
]
