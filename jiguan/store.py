"""Saved assessments: a SQLAlchemy 2 store on SQLite (default) or PostgreSQL.

Tables: ``units``; ``assessments`` (a unit's rounds, each with the rubric version it was made
with, soft-deletable); ``answers`` (one row per assessment and criterion, with a ``version``
counter for optimistic concurrency); ``answer_history`` (every change, old → new, who, when);
``evidence_files`` (metadata of uploaded evidence). The schema is created and upgraded by
alembic (``migrations/``), applied by `Store.migrate` at start-up.

Concurrency. Every answer row carries a version. `Store.save_answer` is a compare-and-set:
the caller says which version it saw (0 = "no saved answer"); if the row has moved on, nothing
is written and `ConflictError` carries the current value so the UI can show it. Writes to one
assessment are serialised (``SELECT … FOR UPDATE`` on the assessment row in PostgreSQL,
``BEGIN IMMEDIATE`` in SQLite), so the check and the write cannot interleave.

Evidence files. The bytes live on disk under ``<files_dir>/<first two hex digits>/<sha256>``,
named by the SHA-256 of their content; the database keeps the metadata and the original file
name *for display only*. Why:

* a hostile or merely odd name (``../../x.pdf``, 300 characters, bytes that are not UTF-8,
  names that are reserved on Windows) never reaches the file system, so it cannot escape
  ``files_dir`` or collide with another file;
* identical uploads (the same 通知 attached to several criteria, or copied into round 2 by
  `Store.duplicate_assessment`) are stored once;
* reading a file re-hashes it, so a damaged or tampered file is detected, not served;
* the database stays small and backups of ``files_dir`` are plain files.

The two-level fan-out keeps directories small. Files are written to a temporary name and
renamed into place, so a crash never leaves a half-written file under a valid hash. A file
whose database row failed to commit is an unreferenced blob and harmless. Removing a file
from a criterion is a soft removal (kept in history); purging an assessment deletes the blobs
that no other evidence row refers to. (An upload of the very same content committing in the
instant between a purge's reference check and its unlink would lose its blob; `read_file` then
says the content is missing and uploading it again repairs it.)
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import sqlite3
import tempfile
import threading
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, answer_problem

log = logging.getLogger(__name__)

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
DEFAULT_MAX_FILE_BYTES = 20 * 2**20
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"
MAX_NAME_CHARS = 200  # unit and round names
MAX_FILENAME_CHARS = 120  # display names of evidence files
CHINA_TZ = timezone(timedelta(hours=8), "北京时间")

# --------------------------------------------------------------------------------------------
# Errors


class StoreError(Exception):
    """Anything the store refuses or fails to do; the message is Chinese and user-facing."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or written now (server down, file locked, disk full).

    Nothing was saved; what the user typed should stay on the page and be saved again later.
    """


class NotFoundError(StoreError):
    """No assessment or file with that id (or it was purged)."""


class ConflictError(StoreError):
    """The answer changed since the caller read it; nothing was written.

    Attributes:
        current: the answer as it is saved now (None when there is none).
    """

    def __init__(self, current: SavedAnswer | None, message: str | None = None) -> None:
        self.current = current
        super().__init__(message or _conflict_message(current))


class EvidenceFileError(StoreError):
    """An uploaded evidence file was refused; the message names the file and the reason."""


# --------------------------------------------------------------------------------------------
# Values returned by the store


@dataclass(frozen=True, slots=True)
class AssessmentInfo:
    id: int
    unit_name: str
    round_name: str
    rubric_version: str
    profile: dict[str, str]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def title(self) -> str:
        """「单位 · 轮次」 for lists and headings."""
        return f"{self.unit_name} · {self.round_name}"


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    """An answer as saved, with the version to pass back as ``expected_version``.

    ``version`` 0 means nothing is saved for this criterion (``updated_at`` is then None).
    """

    criterion_id: str
    answer: Answer
    version: int
    updated_by: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change to a criterion.

    ``event`` is "answer" (an answer saved; ``old`` None when there was none), "file_added" /
    "file_removed" (``filename`` says which; old/new show the attachment count before and
    after) or "copied" (the answer was copied from another round; ``detail`` says which).
    """

    criterion_id: str
    old: Answer | None
    new: Answer
    changed_by: str
    changed_at: datetime
    event: str = "answer"
    version: int | None = None
    filename: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    id: int
    criterion_id: str
    filename: str  # for display only, sanitised
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    content_type: str = "application/octet-stream"
    assessment_id: int = 0
    removed_at: datetime | None = None


# --------------------------------------------------------------------------------------------
# Schema (mirrors the head revision in migrations/versions)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (stored naive UTC) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(MAX_NAME_CHARS), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("round_name", sa.String(MAX_NAME_CHARS), nullable=False),
    sa.Column("rubric_version", sa.String(50), nullable=False),
    sa.Column("profile", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
)

answers_t = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("criterion_id", sa.String(16), nullable=False),
    sa.Column("value", sa.String(32), nullable=True),
    sa.Column("points", sa.Float, nullable=True),
    sa.Column("evidence", sa.Text, nullable=False, default=""),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("assessment_id", "criterion_id", name="uq_answers_assessment_criterion"),
)

history_t = sa.Table(
    "answer_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("criterion_id", sa.String(16), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("old", sa.JSON, nullable=True),
    sa.Column("new", sa.JSON, nullable=True),
    sa.Column("file_id", sa.Integer, nullable=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index("ix_answer_history_assessment_criterion", "assessment_id", "criterion_id"),
)

files_t = sa.Table(
    "evidence_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("criterion_id", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("uploaded_by", sa.String(100), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("removed_at", UTCDateTime, nullable=True),
    sa.Column("removed_by", sa.String(100), nullable=True),
    sa.Index("ix_evidence_files_assessment_criterion", "assessment_id", "criterion_id"),
)

# --------------------------------------------------------------------------------------------
# Configuration


def resolve_data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The data directory: ``JIGUAN_DATA_DIR`` (relative to the project root) or ``./data``."""
    raw = env.get("JIGUAN_DATA_DIR", "").strip()
    path = Path(raw).expanduser() if raw else Path("data")
    return path if path.is_absolute() else PROJECT_ROOT / path


def default_files_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where evidence files live by default: ``<data dir>/files``."""
    return resolve_data_dir(env) / "files"


def upload_limit_bytes(env: Mapping[str, str] = os.environ) -> int:
    """The per-file upload limit: ``JIGUAN_MAX_UPLOAD_MB`` megabytes (default 20).

    Raises:
        StoreError: the variable is set but is not a positive number.
    """
    raw = env.get("JIGUAN_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_BYTES
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not 0 < mb < 100_000:
        raise StoreError(f"环境变量 JIGUAN_MAX_UPLOAD_MB 应为正数（单位 MB），实为「{raw}」")
    return int(mb * 2**20)


def normalise_url(url: str) -> str:
    """Map ``postgresql://`` / ``postgres://`` to the psycopg 3 driver; check the URL parses.

    Raises:
        StoreUnavailable: the URL cannot be parsed.
    """
    try:
        parsed = make_url(url.strip())
    except (sa_exc.ArgumentError, ValueError):
        raise StoreUnavailable(
            "数据库地址格式无效，请检查 JIGUAN_DATABASE_URL 或 .streamlit/secrets.toml 中的设置"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def database_url(
    data_dir: str | Path | None = None,
    env: Mapping[str, str] = os.environ,
    *,
    secrets_path: Path | None = None,
) -> str:
    """Which database to use.

    In order: ``JIGUAN_DATABASE_URL``; ``[connections.jiguan] url`` in
    ``<project root>/.streamlit/secrets.toml`` (Streamlit's ``st.connection`` convention);
    else ``sqlite:///<data dir>/jiguan.db``, where the data dir is the argument,
    ``JIGUAN_DATA_DIR`` or ``<project root>/data``, created if missing.

    Raises:
        StoreError: secrets.toml cannot be read, or the data directory cannot be created.
        StoreUnavailable: the configured URL cannot be parsed.
    """
    url = env.get("JIGUAN_DATABASE_URL", "").strip()
    if not url:
        url = _secrets_url(secrets_path or SECRETS_PATH)
    if url:
        return normalise_url(url)
    directory = Path(data_dir) if data_dir is not None else resolve_data_dir(env)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"无法创建数据目录 {directory}：{exc.strerror or exc}") from None
    return f"sqlite:///{directory.resolve().as_posix()}/jiguan.db"


def _secrets_url(path: Path) -> str:
    if not path.is_file():
        return ""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"无法读取配置文件 {path}：{exc}") from None
    section = data.get("connections", {}).get("jiguan", {})
    url = section.get("url", "") if isinstance(section, dict) else ""
    return url.strip() if isinstance(url, str) else ""


# --------------------------------------------------------------------------------------------
# Error translation: nothing from the driver reaches the user.

P = ParamSpec("P")
R = TypeVar("R")

_UNAVAILABLE_REASONS = (
    (
        ("database is locked", "database table is locked", "busy", "lock timeout"),
        "数据库正被其他操作占用（已锁定）",
    ),
    (("disk is full", "no space left", "could not extend file"), "磁盘空间已满"),
    (("disk i/o error",), "磁盘读写出错"),
    (("unable to open database file",), "无法打开数据库文件（目录不存在或无权限）"),
    (("readonly database", "read-only"), "数据库文件只读，无法写入"),
    (
        ("password authentication failed", "no password supplied"),
        "数据库登录失败（用户或密码有误）",
    ),
    (("role ",), "数据库登录失败（用户不存在）"),
    (('database "', "does not exist"), "数据库不存在"),
    (
        (
            "connection refused",
            "could not connect",
            "connection failed",
            "server closed the connection",
            "terminating connection",
            "timeout",
            "timed out",
            "could not translate host name",
            "name or service not known",
            "connection is closed",
            "the database system is",
        ),
        "无法连接数据库服务器",
    ),
)


def _unavailable_reason(text: str) -> str:
    text = text.lower()
    for needles, reason in _UNAVAILABLE_REASONS:
        if needles == ('database "', "does not exist"):
            if all(n in text for n in needles):
                return reason
        elif any(n in text for n in needles):
            return reason
    return "数据库连接异常"


def translate_error(exc: BaseException, action: str) -> StoreError:
    """A StoreError (Chinese, no driver text) for an exception raised while doing ``action``."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return StoreUnavailable("数据库地址无效或缺少对应的数据库驱动，请检查数据库设置")
    text = str(getattr(exc, "orig", None) or exc)
    if isinstance(
        exc,
        sa_exc.OperationalError
        | sa_exc.InterfaceError
        | sa_exc.DisconnectionError
        | sa_exc.TimeoutError,
    ):
        if isinstance(exc, sa_exc.OperationalError) and "no such table" in text.lower():
            return StoreError(
                f"数据库尚未初始化或结构不完整，{action}未完成。请重启应用以升级数据库。"
            )
        reason = _unavailable_reason(text)
        return StoreUnavailable(
            f"数据库暂时无法使用（{reason}），{action}未完成。已填写的内容仍在页面上，请稍后重试。"
        )
    if isinstance(exc, sa_exc.ProgrammingError) and ("does not exist" in text or "no such" in text):
        return StoreError(f"数据库尚未初始化或结构不完整，{action}未完成。请重启应用以升级数据库。")
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreUnavailable(f"磁盘空间已满，{action}未完成。请联系管理员清理磁盘后重试。")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return StoreUnavailable(f"没有写入数据目录的权限，{action}未完成。请联系管理员。")
        return StoreUnavailable(f"读写文件出错，{action}未完成。请稍后重试。")
    return StoreError(f"数据库操作失败，{action}未完成。请稍后重试；如仍失败请联系管理员。")


def _guard(
    action: str,
) -> Callable[[Callable[Concatenate[Store, P], R]], Callable[Concatenate[Store, P], R]]:
    """Turn driver and file-system errors into StoreError/StoreUnavailable; log the original."""

    def decorate(fn: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
        @wraps(fn)
        def wrapper(self: Store, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(self, *args, **kwargs)
            except StoreError:
                raise
            except (sa_exc.SQLAlchemyError, OSError) as exc:
                log.warning("store: %s failed", action, exc_info=exc)
                raise translate_error(exc, action) from None
            except Exception as exc:
                # A bug or an unexpected driver error: logged with its traceback for the
                # maintainers, a plain message for the user.
                log.exception("store: %s failed unexpectedly", action)
                raise StoreError(
                    f"{action}未完成：程序内部错误。请稍后重试；如仍失败请联系管理员。"
                ) from exc

        return wrapper

    return decorate


# --------------------------------------------------------------------------------------------
# Helpers


def _now() -> datetime:
    return datetime.now(UTC)


def format_time(when: datetime | None) -> str:
    """``2025-03-01 14:05``（北京时间） for messages."""
    if when is None:
        return "未知时间"
    return when.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _conflict_message(current: SavedAnswer | None) -> str:
    if current is None or current.version == 0:
        return "此项在您编辑期间已被他人清空，您的修改未保存。请查看当前内容后重新填写。"
    who = current.updated_by or "其他用户"
    return (
        f"此项已被「{who}」于 {format_time(current.updated_at)} 修改，您的修改未保存。"
        "请查看当前内容后再修改。"
    )


def _clean_name(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise StoreError(f"{what}应为文字")
    text = " ".join(text.split())
    if not text:
        raise StoreError(f"{what}不能为空")
    if len(text) > MAX_NAME_CHARS:
        raise StoreError(f"{what}过长（最多 {MAX_NAME_CHARS} 个字）")
    if "\x00" in text:
        raise StoreError(f"{what}含有无法保存的控制字符")
    return text


def _clean_user(user: str) -> str:
    user = " ".join(str(user or "").replace("\x00", "").split())
    return user[:100] or "未署名"


def _clean_profile(profile: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (profile or {}).items():
        if not isinstance(key, str) or not isinstance(value, str | int | float):
            raise StoreError("基本信息（profile）的项目名和内容应为文字")
        text = str(value)
        if "\x00" in key or "\x00" in text:
            raise StoreError(f"基本信息「{key}」含有无法保存的控制字符")
        out[key] = text
    return out


def _encode_value(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def _decode_value(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "value": answer.value,
        "points": answer.points,
        "evidence": answer.evidence,
        "note": answer.note,
    }


def _answer_from_json(data: Mapping[str, Any] | None, attachments: int = 0) -> Answer | None:
    if data is None:
        return None
    return Answer(
        value=data.get("value"),
        points=data.get("points"),
        evidence=data.get("evidence") or "",
        note=data.get("note") or "",
        attachments=attachments,
    )


def _answer_from_row(row: Any, attachments: int = 0) -> Answer:
    return Answer(
        value=_decode_value(row.value),
        points=row.points,
        evidence=row.evidence or "",
        note=row.note or "",
        attachments=attachments,
    )


def _same(row: Any, answer: Answer) -> bool:
    return (
        _decode_value(row.value) == answer.value
        and row.points == answer.points
        and (row.evidence or "") == answer.evidence
        and (row.note or "") == answer.note
    )


def _answer_values(answer: Answer) -> dict[str, Any]:
    return {
        "value": _encode_value(answer.value),
        "points": None if answer.points is None else float(answer.points),
        "evidence": answer.evidence,
        "note": answer.note,
    }


# --------------------------------------------------------------------------------------------
# Evidence file checks

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _is_ole(data: bytes) -> bool:
    return data[:8] == _OLE


def _is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def _is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n"


# extension -> (content type, what it is called, content check)
FILE_TYPES: dict[str, tuple[str, str, Callable[[bytes], bool]]] = {
    "pdf": ("application/pdf", "PDF", _is_pdf),
    "doc": ("application/msword", "Word 97-2003 文档", _is_ole),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word 文档",
        _is_zip,
    ),
    "xls": ("application/vnd.ms-excel", "Excel 97-2003 工作簿", _is_ole),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel 工作簿",
        _is_zip,
    ),
    "wps": ("application/wps-office.wps", "WPS 文字文档", _is_ole),
    "et": ("application/wps-office.et", "WPS 表格", _is_ole),
    "jpg": ("image/jpeg", "JPEG 图片", _is_jpeg),
    "jpeg": ("image/jpeg", "JPEG 图片", _is_jpeg),
    "png": ("image/png", "PNG 图片", _is_png),
    "zip": ("application/zip", "ZIP 压缩包", _is_zip),
}
ALLOWED_EXTENSIONS = tuple(FILE_TYPES)


def _decode_name_bytes(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def display_filename(name: str | bytes) -> str:
    """A safe display name for an uploaded file; never used as a path.

    Non-UTF-8 names (bytes, or str carrying surrogate escapes) are decoded as UTF-8, then
    GB18030 (Chinese Windows), else with replacement characters. Path components, control and
    format characters (including bidi overrides) are dropped and the name is shortened to
    MAX_FILENAME_CHARS keeping the extension. An empty result becomes 「未命名文件」.
    """
    if isinstance(name, bytes):
        name = _decode_name_bytes(name)
    else:
        name = str(name)
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            try:
                name = _decode_name_bytes(name.encode("utf-8", "surrogateescape"))
            except UnicodeEncodeError:
                name = name.encode("utf-8", "replace").decode("utf-8")
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if len(ext) > 10:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    if len(stem) + len(suffix) > MAX_FILENAME_CHARS:
        stem = stem[: MAX_FILENAME_CHARS - len(suffix) - 1] + "…"
    if not stem.strip(" ."):
        stem = "未命名文件"
    return stem + suffix


def check_evidence_file(filename: str | bytes, data: bytes, max_file_bytes: int) -> tuple[str, str]:
    """Check an upload before anything is stored.

    Returns:
        (display name, content type).

    Raises:
        EvidenceFileError: empty, too large, a refused type, or content that does not match
            the extension; the message names the file and the reason.
    """
    shown = display_filename(filename)
    _, dot, ext = shown.rpartition(".")
    ext = ext.lower() if dot else ""
    allowed = "、".join(ALLOWED_EXTENSIONS)
    if ext not in FILE_TYPES:
        raise EvidenceFileError(f"「{shown}」未上传：不支持此类文件。可上传的类型：{allowed}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EvidenceFileError(f"「{shown}」未上传：文件内容无法读取")
    data = bytes(data)
    if not data:
        raise EvidenceFileError(f"「{shown}」未上传：文件是空的")
    if len(data) > max_file_bytes:
        raise EvidenceFileError(
            f"「{shown}」未上传：文件大小 {_fmt_size(len(data))}，"
            f"超过单个文件上限 {_fmt_size(max_file_bytes)}"
        )
    content_type, label, check = FILE_TYPES[ext]
    if not check(data):
        raise EvidenceFileError(
            f"「{shown}」未上传：文件内容不是{label}，与扩展名 .{ext} 不符"
            "（可能已损坏，或被改过扩展名）"
        )
    return shown, content_type


def _fmt_size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


# --------------------------------------------------------------------------------------------
# Engine


def make_engine(url: str, *, busy_timeout: float = 10.0) -> Engine:
    """A configured engine: SQLite with WAL, foreign keys, busy timeout and BEGIN IMMEDIATE
    for writes; PostgreSQL through psycopg 3 with pre-ping and a connect timeout.

    Raises:
        StoreUnavailable: the URL is invalid or its driver is not installed.
    """
    try:
        parsed = make_url(normalise_url(url))
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            engine = sa.create_engine(
                parsed,
                connect_args={"timeout": busy_timeout, "check_same_thread": False},
                json_serializer=_json_dumps,
            )
            _configure_sqlite(engine, busy_timeout)
        elif backend == "postgresql":
            engine = sa.create_engine(
                parsed,
                pool_pre_ping=True,
                connect_args={"connect_timeout": max(1, int(busy_timeout // 3) or 1)},
                json_serializer=_json_dumps,
            )
            _configure_postgresql(engine, busy_timeout)
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


def _configure_postgresql(engine: Engine, busy_timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # A writer stuck behind a lock gives up (StoreUnavailable) instead of hanging the page.
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        dbapi_conn.execute(f"SET lock_timeout = {int(busy_timeout * 1000)}")
        dbapi_conn.autocommit = autocommit


def _enable_wal(cur: Any, busy_timeout: float) -> None:
    """WAL lets readers work while one writer writes. The mode is stored in the file, so only
    the very first connection switches it; that switch needs a moment alone with the file and
    SQLite does not wait for it, so several processes starting at once retry here."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() in ("wal", "memory"):
        return
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.Lock:
    """One lock per database file in this process, shared by every Store opened on it."""
    database = engine.url.database or ":memory:"
    key = database if database == ":memory:" else os.path.realpath(database)
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(key, threading.Lock())


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, issue BEGIN (see the "begin" hook below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        _enable_wal(cur, busy_timeout)
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so the busy timeout applies and a read-then-
        # write transaction never fails half way with SQLITE_BUSY.
        immediate = conn.get_execution_options().get("jiguan_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# --------------------------------------------------------------------------------------------
# The store


class Store:
    """Assessments, answers, history and evidence files in one database.

    Args:
        url: SQLAlchemy URL (``postgresql://`` is mapped to psycopg 3).
        rubric: the rubric answers are validated against.
        files_dir: where evidence file contents are stored (see the module docstring).
        max_file_bytes: per-file upload limit.
        busy_timeout: seconds to wait for a locked SQLite file / a PostgreSQL connection.

    Raises:
        StoreUnavailable: the URL is invalid or its driver is missing.
    """

    def __init__(
        self,
        url: str,
        rubric: Rubric,
        *,
        files_dir: Path,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        busy_timeout: float = 10.0,
    ) -> None:
        self.url = normalise_url(url)
        self.rubric = rubric
        self.files_dir = Path(files_dir)
        self.max_file_bytes = int(max_file_bytes)
        self.engine = make_engine(self.url, busy_timeout=busy_timeout)
        self.dialect = self.engine.dialect.name
        self._busy_timeout = busy_timeout
        self._writer_lock = _sqlite_writer_lock(self.engine) if self.dialect == "sqlite" else None
        self._rubric_order = {cid: n for n, cid in enumerate(rubric.criteria)}

    @classmethod
    def from_environment(
        cls, rubric: Rubric, env: Mapping[str, str] = os.environ, **kwargs: Any
    ) -> Store:
        """The store the app uses: `database_url`, `default_files_dir`, `upload_limit_bytes`."""
        return cls(
            database_url(env=env),
            rubric,
            files_dir=default_files_dir(env),
            max_file_bytes=upload_limit_bytes(env),
            **kwargs,
        )

    def close(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"

    # ---- transactions -------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer_turn(), self.engine.connect() as conn:
            conn.execution_options(jiguan_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        """On SQLite, writers of this process take turns on a lock before asking SQLite for its
        write lock. SQLite's own busy handler polls with sleeps of up to 100 ms, so threads
        competing through it (a room of sessions answering at once) waited up to 1.5 s for a
        1 ms write; a lock hands over at once. Other processes still meet the busy timeout."""
        lock = self._writer_lock
        if lock is None:
            yield
            return
        if not lock.acquire(timeout=self._busy_timeout):
            raise StoreUnavailable("数据库繁忙，保存未完成，请稍后重试")
        try:
            yield
        finally:
            lock.release()

    # ---- schema ---------------------------------------------------------------------------

    @_guard("升级数据库结构")
    def migrate(self, revision: str = "head") -> None:
        """Create or upgrade the schema with alembic (``migrations/``); safe to call at every
        start-up and from several processes at once."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("path_separator", "os")
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242004)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    @_guard("读取数据库结构版本")
    def schema_revision(self) -> str | None:
        """The alembic revision the database is at (None when not initialised)."""
        with self._read() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    # ---- assessments ----------------------------------------------------------------------

    def _info_query(self) -> sa.Select[Any]:
        return sa.select(
            assessments.c.id,
            units.c.name.label("unit_name"),
            assessments.c.round_name,
            assessments.c.rubric_version,
            assessments.c.profile,
            assessments.c.created_at,
            assessments.c.updated_at,
            assessments.c.deleted_at,
        ).join(units, units.c.id == assessments.c.unit_id)

    @staticmethod
    def _info(row: Any) -> AssessmentInfo:
        profile = row.profile if isinstance(row.profile, dict) else json.loads(row.profile or "{}")
        return AssessmentInfo(
            id=row.id,
            unit_name=row.unit_name,
            round_name=row.round_name,
            rubric_version=row.rubric_version,
            profile={str(k): str(v) for k, v in profile.items()},
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )

    def _get_info(self, conn: Connection, aid: int) -> AssessmentInfo:
        row = conn.execute(self._info_query().where(assessments.c.id == aid)).first()
        if row is None:
            raise NotFoundError(f"找不到编号为 {aid} 的自评（可能已被彻底清除）")
        return self._info(row)

    def _lock_assessment(self, conn: Connection, aid: int, *, live: bool = True) -> Any:
        """Lock the assessment row for this transaction (serialises writers) and return it."""
        row = conn.execute(
            sa.select(assessments).where(assessments.c.id == aid).with_for_update()
        ).first()
        if row is None:
            raise NotFoundError(f"找不到编号为 {aid} 的自评（可能已被彻底清除）")
        if live and row.deleted_at is not None:
            raise StoreError("该自评已删除，不能修改。如需继续填写，请先恢复。")
        return row

    def _unit_id(self, conn: Connection, name: str, now: datetime) -> int:
        found = conn.execute(sa.select(units.c.id).where(units.c.name == name)).scalar()
        if found is not None:
            return int(found)
        try:
            with conn.begin_nested():
                return int(
                    conn.execute(
                        sa.insert(units).values(name=name, created_at=now).returning(units.c.id)
                    ).scalar_one()
                )
        except sa_exc.IntegrityError:  # created meanwhile by another writer
            return int(conn.execute(sa.select(units.c.id).where(units.c.name == name)).scalar_one())

    def _check_round_free(
        self, conn: Connection, unit_id: int, round_name: str, exclude: int | None = None
    ) -> None:
        query = sa.select(assessments.c.id).where(
            assessments.c.unit_id == unit_id,
            assessments.c.round_name == round_name,
            assessments.c.deleted_at.is_(None),
        )
        if exclude is not None:
            query = query.where(assessments.c.id != exclude)
        if conn.execute(query).first() is not None:
            raise StoreError(f"该单位已有名为「{round_name}」的自评，请换一个名称")

    @_guard("读取自评列表")
    def list_assessments(self, include_deleted: bool = False) -> list[AssessmentInfo]:
        """Assessments, most recently changed first."""
        query = self._info_query().order_by(
            assessments.c.updated_at.desc(), assessments.c.id.desc()
        )
        if not include_deleted:
            query = query.where(assessments.c.deleted_at.is_(None))
        with self._read() as conn:
            return [self._info(row) for row in conn.execute(query)]

    @_guard("读取自评")
    def get_assessment(self, aid: int) -> AssessmentInfo:
        """One assessment (also when soft-deleted; see ``deleted_at``).

        Raises:
            NotFoundError: no such assessment.
        """
        with self._read() as conn:
            return self._get_info(conn, aid)

    @_guard("新建自评")
    def create_assessment(
        self, unit_name: str, round_name: str, *, profile: Mapping[str, str] | None = None
    ) -> AssessmentInfo:
        """A new, empty assessment for the unit (created if new) made with this rubric."""
        unit_name = _clean_name(unit_name, "单位名称")
        round_name = _clean_name(round_name, "自评名称")
        clean_profile = _clean_profile(profile)
        now = _now()
        with self._write() as conn:
            unit_id = self._unit_id(conn, unit_name, now)
            self._check_round_free(conn, unit_id, round_name)
            aid = conn.execute(
                sa.insert(assessments)
                .values(
                    unit_id=unit_id,
                    round_name=round_name,
                    rubric_version=self.rubric.version,
                    profile=clean_profile,
                    created_at=now,
                    updated_at=now,
                )
                .returning(assessments.c.id)
            ).scalar_one()
            return self._get_info(conn, aid)

    @_guard("修改自评信息")
    def update_assessment(
        self,
        aid: int,
        *,
        unit_name: str | None = None,
        round_name: str | None = None,
        profile: Mapping[str, str] | None = None,
    ) -> AssessmentInfo:
        """Rename (unit and/or round) or replace the profile; None leaves a field as it is."""
        now = _now()
        with self._write() as conn:
            row = self._lock_assessment(conn, aid)
            values: dict[str, Any] = {}
            unit_id = row.unit_id
            if unit_name is not None:
                unit_id = self._unit_id(conn, _clean_name(unit_name, "单位名称"), now)
                values["unit_id"] = unit_id
            new_round = row.round_name
            if round_name is not None:
                new_round = _clean_name(round_name, "自评名称")
                values["round_name"] = new_round
            if unit_id != row.unit_id or new_round != row.round_name:
                self._check_round_free(conn, unit_id, new_round, exclude=aid)
            if profile is not None:
                values["profile"] = _clean_profile(profile)
            if values:
                values["updated_at"] = now
                conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(**values))
            return self._get_info(conn, aid)

    @_guard("复制自评")
    def duplicate_assessment(self, aid: int, round_name: str, *, user: str = "") -> AssessmentInfo:
        """A new round for the same unit with the answers and evidence files of ``aid``.

        The copy has its own history: one "copied" entry per answer, versions start at 1. It
        is made with the current rubric; answers that no longer fit it are left out.
        """
        round_name = _clean_name(round_name, "自评名称")
        now = _now()
        with self._write() as conn:
            src = self._lock_assessment(conn, aid, live=False)
            src_round = src.round_name
            self._check_round_free(conn, src.unit_id, round_name)
            new_id = conn.execute(
                sa.insert(assessments)
                .values(
                    unit_id=src.unit_id,
                    round_name=round_name,
                    rubric_version=self.rubric.version,
                    profile=dict(src.profile or {}),
                    created_at=now,
                    updated_at=now,
                )
                .returning(assessments.c.id)
            ).scalar_one()
            rows = conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid)).all()
            copied: list[dict[str, Any]] = []
            history: list[dict[str, Any]] = []
            detail = f"复制自「{src_round}」"
            for row in rows:
                criterion = self.rubric.criteria.get(row.criterion_id)
                answer = _answer_from_row(row)
                if criterion is None or answer_problem(criterion, answer) is not None:
                    continue
                if answer.is_blank() and answer.points is None:
                    continue
                copied.append(
                    {
                        "assessment_id": new_id,
                        "criterion_id": row.criterion_id,
                        **_answer_values(answer),
                        "version": 1,
                        "updated_by": row.updated_by,
                        "updated_at": row.updated_at,
                    }
                )
                history.append(
                    {
                        "assessment_id": new_id,
                        "criterion_id": row.criterion_id,
                        "event": "copied",
                        "version": 1,
                        "old": None,
                        "new": _answer_json(answer),
                        "file_id": None,
                        "detail": detail,
                        "changed_by": _clean_user(user or row.updated_by),
                        "changed_at": now,
                    }
                )
            if copied:
                conn.execute(sa.insert(answers_t), copied)
                conn.execute(sa.insert(history_t), history)
            files = conn.execute(
                sa.select(files_t).where(
                    files_t.c.assessment_id == aid, files_t.c.removed_at.is_(None)
                )
            ).all()
            if files:
                conn.execute(
                    sa.insert(files_t),
                    [
                        {
                            "assessment_id": new_id,
                            "criterion_id": f.criterion_id,
                            "filename": f.filename,
                            "sha256": f.sha256,
                            "size": f.size,
                            "content_type": f.content_type,
                            "uploaded_by": f.uploaded_by,
                            "uploaded_at": f.uploaded_at,
                        }
                        for f in files
                        if f.criterion_id in self.rubric.criteria
                    ],
                )
            return self._get_info(conn, new_id)

    @_guard("删除自评")
    def delete_assessment(self, aid: int) -> None:
        """Soft delete: hidden from the list, restorable until purged."""
        with self._write() as conn:
            row = self._lock_assessment(conn, aid, live=False)
            if row.deleted_at is None:
                conn.execute(
                    sa.update(assessments).where(assessments.c.id == aid).values(deleted_at=_now())
                )

    @_guard("恢复自评")
    def restore_assessment(self, aid: int) -> AssessmentInfo:
        """Undo a soft delete.

        If the unit meanwhile has another assessment with the same round name, the restored
        one is renamed 「<name>（恢复）」 (or 「<name>（恢复2）」 …) rather than refused, since a
        deleted assessment cannot be renamed.
        """
        with self._write() as conn:
            row = self._lock_assessment(conn, aid, live=False)
            if row.deleted_at is not None:
                round_name = row.round_name
                for n in range(1, 100):
                    try:
                        self._check_round_free(conn, row.unit_id, round_name, exclude=aid)
                        break
                    except StoreError:
                        suffix = "（恢复）" if n == 1 else f"（恢复{n}）"
                        round_name = (row.round_name + suffix)[-MAX_NAME_CHARS:]
                conn.execute(
                    sa.update(assessments)
                    .where(assessments.c.id == aid)
                    .values(deleted_at=None, updated_at=_now(), round_name=round_name)
                )
            return self._get_info(conn, aid)

    @_guard("彻底清除自评")
    def purge_assessment(self, aid: int) -> None:
        """Hard delete a soft-deleted assessment: answers, history, file rows and the file
        contents no other assessment uses.

        Raises:
            StoreError: the assessment is not deleted yet (delete first, then purge).
        """
        with self._write() as conn:
            row = self._lock_assessment(conn, aid, live=False)
            if row.deleted_at is None:
                raise StoreError("只能彻底清除已删除的自评，请先删除。")
            hashes = set(
                conn.execute(
                    sa.select(files_t.c.sha256).where(files_t.c.assessment_id == aid)
                ).scalars()
            )
            for table in (history_t, files_t, answers_t):
                conn.execute(sa.delete(table).where(table.c.assessment_id == aid))
            conn.execute(sa.delete(assessments).where(assessments.c.id == aid))
        self._collect_blobs(hashes)

    def _collect_blobs(self, hashes: set[str]) -> None:
        if not hashes:
            return
        with self._read() as conn:
            used = set(
                conn.execute(
                    sa.select(files_t.c.sha256).where(files_t.c.sha256.in_(hashes)).distinct()
                ).scalars()
            )
        for sha in hashes - used:
            try:
                self._blob_path(sha).unlink(missing_ok=True)
            except OSError as exc:  # the rows are gone; a leftover blob is harmless
                log.warning("store: cannot remove %s", sha, exc_info=exc)

    # ---- answers --------------------------------------------------------------------------

    def _check_answer(self, criterion_id: str, answer: Answer) -> None:
        criterion = self.rubric.criteria.get(criterion_id)
        if criterion is None:
            raise StoreError(f"评估指引中没有评分项「{criterion_id}」")
        if not isinstance(answer, Answer):
            raise StoreError(f"评分项 {criterion_id} 的答案格式不正确")
        problem = answer_problem(criterion, answer)
        if problem is not None:
            raise StoreError(f"评分项 {criterion_id} 未保存：{problem}")
        if "\x00" in answer.evidence or "\x00" in answer.note:
            raise StoreError(f"评分项 {criterion_id} 未保存：佐证或备注中含有无法保存的控制字符")

    def _attachment_counts(
        self, conn: Connection, aid: int, criterion_id: str | None = None
    ) -> dict[str, int]:
        query = (
            sa.select(files_t.c.criterion_id, sa.func.count())
            .where(files_t.c.assessment_id == aid, files_t.c.removed_at.is_(None))
            .group_by(files_t.c.criterion_id)
        )
        if criterion_id is not None:
            query = query.where(files_t.c.criterion_id == criterion_id)
        return {cid: int(n) for cid, n in conn.execute(query)}

    def _saved(self, row: Any, attachments: int) -> SavedAnswer:
        return SavedAnswer(
            criterion_id=row.criterion_id,
            answer=_answer_from_row(row, attachments),
            version=row.version,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )

    def _current(self, conn: Connection, aid: int, criterion_id: str) -> SavedAnswer | None:
        row = conn.execute(
            sa.select(answers_t).where(
                answers_t.c.assessment_id == aid, answers_t.c.criterion_id == criterion_id
            )
        ).first()
        if row is None:
            return None
        counts = self._attachment_counts(conn, aid, criterion_id)
        return self._saved(row, counts.get(criterion_id, 0))

    @_guard("读取答案")
    def load_answers(self, aid: int) -> dict[str, SavedAnswer]:
        """Saved answers with their versions, in rubric order; attachments filled in."""
        with self._read() as conn:
            self._get_info(conn, aid)
            counts = self._attachment_counts(conn, aid)
            rows = conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid))
            saved = {r.criterion_id: self._saved(r, counts.get(r.criterion_id, 0)) for r in rows}
        order = self._rubric_order
        return dict(sorted(saved.items(), key=lambda kv: order.get(kv[0], len(order))))

    @_guard("读取答案")
    def answers(self, aid: int) -> dict[str, Answer]:
        """The answer sheet for scoring: every saved answer, plus criteria that have files
        but no saved answer (as unanswered with ``attachments``)."""
        with self._read() as conn:
            self._get_info(conn, aid)
            counts = self._attachment_counts(conn, aid)
            rows = conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid))
            sheet = {
                r.criterion_id: _answer_from_row(r, counts.get(r.criterion_id, 0)) for r in rows
            }
        for cid, n in counts.items():
            if cid not in sheet:
                sheet[cid] = Answer(attachments=n)
        order = self._rubric_order
        return dict(sorted(sheet.items(), key=lambda kv: order.get(kv[0], len(order))))

    @_guard("保存答案")
    def save_answer(
        self,
        aid: int,
        criterion_id: str,
        answer: Answer,
        *,
        expected_version: int,
        user: str,
    ) -> SavedAnswer:
        """Save one answer if it is still at ``expected_version`` (compare-and-set).

        ``expected_version`` is the ``version`` of the SavedAnswer the user saw, 0 when none
        was saved. Saving what is already saved changes nothing (no new version, no history).
        ``answer.attachments`` is ignored (files are counted from the evidence file table).

        Raises:
            ConflictError: someone saved this criterion since; ``.current`` is what is saved.
            StoreError: the answer does not fit the criterion, or the assessment is deleted.
            StoreUnavailable: the database cannot be reached; nothing was saved.
        """
        self._check_answer(criterion_id, answer)
        user = _clean_user(user)
        try:
            return self._save_answer(aid, criterion_id, answer, expected_version, user)
        except sa_exc.IntegrityError:
            # Two first saves of the same criterion raced past each other; the unique
            # constraint let one in.
            with self._read() as conn:
                self._get_info(conn, aid)
                current = self._current(conn, aid, criterion_id)
            if current is None:
                raise
            raise ConflictError(current) from None

    def _save_answer(
        self, aid: int, criterion_id: str, answer: Answer, expected: int, user: str
    ) -> SavedAnswer:
        now = _now()
        with self._write() as conn:
            self._lock_assessment(conn, aid)
            row = conn.execute(
                sa.select(answers_t).where(
                    answers_t.c.assessment_id == aid, answers_t.c.criterion_id == criterion_id
                )
            ).first()
            current_version = row.version if row is not None else 0
            if current_version != expected:
                raise ConflictError(self._current(conn, aid, criterion_id))
            attachments = self._attachment_counts(conn, aid, criterion_id).get(criterion_id, 0)
            if row is None:
                if answer.is_blank() and answer.points is None:
                    return SavedAnswer(criterion_id, Answer(attachments=attachments), 0, "", None)
                conn.execute(
                    sa.insert(answers_t).values(
                        assessment_id=aid,
                        criterion_id=criterion_id,
                        **_answer_values(answer),
                        version=1,
                        updated_by=user,
                        updated_at=now,
                    )
                )
                new_version = 1
                old = None
            else:
                if _same(row, answer):
                    return self._saved(row, attachments)
                new_version = expected + 1
                result = conn.execute(
                    sa.update(answers_t)
                    .where(answers_t.c.id == row.id, answers_t.c.version == expected)
                    .values(
                        **_answer_values(answer),
                        version=new_version,
                        updated_by=user,
                        updated_at=now,
                    )
                )
                if result.rowcount != 1:
                    raise ConflictError(self._current(conn, aid, criterion_id))
                old = _answer_json(_answer_from_row(row))
            conn.execute(
                sa.insert(history_t).values(
                    assessment_id=aid,
                    criterion_id=criterion_id,
                    event="answer",
                    version=new_version,
                    old=old,
                    new=_answer_json(answer),
                    detail="",
                    changed_by=user,
                    changed_at=now,
                )
            )
            conn.execute(
                sa.update(assessments).where(assessments.c.id == aid).values(updated_at=now)
            )
        return SavedAnswer(
            criterion_id=criterion_id,
            answer=Answer(answer.value, answer.points, answer.evidence, answer.note, attachments),
            version=new_version,
            updated_by=user,
            updated_at=now,
        )

    @_guard("导入答题表")
    def replace_answers(self, aid: int, answers: Mapping[str, Answer], *, user: str) -> None:
        """Make the saved sheet equal ``answers`` in one transaction (CSV import).

        Criteria missing from ``answers`` become unanswered. Unchanged answers keep their
        version; every changed one gets a new version and a history entry. Any problem
        (an unknown criterion, an invalid answer, a database error) leaves everything as it
        was.

        Raises:
            StoreError: lists every problem (nothing is written).
        """
        problems: list[str] = []
        for cid, answer in answers.items():
            try:
                self._check_answer(cid, answer)
            except StoreError as exc:
                problems.append(str(exc))
        if problems:
            raise StoreError(
                "答题表未导入，已保存的自评保持不变。问题如下：\n" + "\n".join(problems)
            )
        user = _clean_user(user)
        now = _now()
        blank = Answer()
        with self._write() as conn:
            self._lock_assessment(conn, aid)
            existing = {
                r.criterion_id: r
                for r in conn.execute(sa.select(answers_t).where(answers_t.c.assessment_id == aid))
            }
            history: list[dict[str, Any]] = []
            for cid in self.rubric.criteria:
                new = answers.get(cid, blank)
                row = existing.get(cid)
                if row is None:
                    if new.is_blank() and new.points is None:
                        continue
                    conn.execute(
                        sa.insert(answers_t).values(
                            assessment_id=aid,
                            criterion_id=cid,
                            **_answer_values(new),
                            version=1,
                            updated_by=user,
                            updated_at=now,
                        )
                    )
                    version, old = 1, None
                elif _same(row, new):
                    continue
                else:
                    version = row.version + 1
                    result = conn.execute(
                        sa.update(answers_t)
                        .where(answers_t.c.id == row.id, answers_t.c.version == row.version)
                        .values(
                            **_answer_values(new),
                            version=version,
                            updated_by=user,
                            updated_at=now,
                        )
                    )
                    if result.rowcount != 1:  # cannot happen under the assessment lock
                        raise StoreError("导入时此自评被同时修改，答题表未导入，请重试。")
                    old = _answer_json(_answer_from_row(row))
                history.append(
                    {
                        "assessment_id": aid,
                        "criterion_id": cid,
                        "event": "answer",
                        "version": version,
                        "old": old,
                        "new": _answer_json(new),
                        "file_id": None,
                        "detail": "导入答题表",
                        "changed_by": user,
                        "changed_at": now,
                    }
                )
            if history:
                conn.execute(sa.insert(history_t), history)
                conn.execute(
                    sa.update(assessments).where(assessments.c.id == aid).values(updated_at=now)
                )

    @_guard("读取修改记录")
    def history(self, aid: int, criterion_id: str | None = None) -> list[HistoryEntry]:
        """Every change, oldest first (per criterion when ``criterion_id`` is given)."""
        query = sa.select(history_t).where(history_t.c.assessment_id == aid)
        if criterion_id is not None:
            query = query.where(history_t.c.criterion_id == criterion_id)
        query = query.order_by(history_t.c.changed_at, history_t.c.id)
        with self._read() as conn:
            self._get_info(conn, aid)
            rows = conn.execute(query).all()
        out: list[HistoryEntry] = []
        for r in rows:
            old_data = r.old if r.old is None or isinstance(r.old, dict) else json.loads(r.old)
            new_data = r.new if r.new is None or isinstance(r.new, dict) else json.loads(r.new)
            old_attach = (old_data or {}).get("attachments", 0)
            new_attach = (new_data or {}).get("attachments", 0)
            out.append(
                HistoryEntry(
                    criterion_id=r.criterion_id,
                    old=_answer_from_json(old_data, old_attach),
                    new=_answer_from_json(new_data, new_attach) or Answer(),
                    changed_by=r.changed_by,
                    changed_at=r.changed_at,
                    event=r.event,
                    version=r.version,
                    filename=(new_data or {}).get("filename"),
                    detail=r.detail or "",
                )
            )
        return out

    # ---- evidence files -------------------------------------------------------------------

    def _blob_path(self, sha: str) -> Path:
        if not _SHA_RE.match(sha):
            raise StoreError("文件记录已损坏（内容校验值无效）")
        return self.files_dir / sha[:2] / sha

    @staticmethod
    def _blob_ok(path: Path, sha: str, size: int) -> bool:
        if not path.is_file() or path.stat().st_size != size:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha

    def _write_blob(self, sha: str, data: bytes) -> None:
        path = self._blob_path(sha)
        if self._blob_ok(path, sha, len(data)):
            return  # already stored (deduplicated); a damaged copy is rewritten below
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _file(row: Any) -> EvidenceFile:
        return EvidenceFile(
            id=row.id,
            criterion_id=row.criterion_id,
            filename=row.filename,
            size=int(row.size),
            sha256=row.sha256,
            uploaded_by=row.uploaded_by,
            uploaded_at=row.uploaded_at,
            content_type=row.content_type,
            assessment_id=row.assessment_id,
            removed_at=row.removed_at,
        )

    def _file_history(
        self,
        conn: Connection,
        aid: int,
        criterion_id: str,
        event: str,
        file_id: int,
        filename: str,
        before: int,
        user: str,
        now: datetime,
    ) -> None:
        after = before + (1 if event == "file_added" else -1)
        row = conn.execute(
            sa.select(answers_t).where(
                answers_t.c.assessment_id == aid, answers_t.c.criterion_id == criterion_id
            )
        ).first()
        base = _answer_json(_answer_from_row(row)) if row is not None else _answer_json(Answer())
        conn.execute(
            sa.insert(history_t).values(
                assessment_id=aid,
                criterion_id=criterion_id,
                event=event,
                version=None,
                old={**base, "attachments": before, "filename": filename},
                new={**base, "attachments": after, "filename": filename},
                file_id=file_id,
                detail=filename,
                changed_by=user,
                changed_at=now,
            )
        )
        conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(updated_at=now))

    def check_file(self, filename: str | bytes, data: bytes) -> tuple[str, str]:
        """`check_evidence_file` with this store's size limit (for validating before upload)."""
        return check_evidence_file(filename, data, self.max_file_bytes)

    @_guard("上传佐证材料")
    def add_file(
        self, aid: int, criterion_id: str, filename: str | bytes, data: bytes, *, user: str
    ) -> EvidenceFile:
        """Attach an evidence file to a criterion.

        The name is only displayed (sanitised); the content is stored by its SHA-256. Adding
        the same content to the same criterion again returns the existing file.

        Raises:
            EvidenceFileError: empty, too large, a refused type or content not matching the
                extension (nothing is stored).
        """
        shown, content_type = check_evidence_file(filename, data, self.max_file_bytes)
        if criterion_id not in self.rubric.criteria:
            raise StoreError(f"评估指引中没有评分项「{criterion_id}」")
        data = bytes(data)
        user = _clean_user(user)
        sha = hashlib.sha256(data).hexdigest()
        with self._read() as conn:
            info = self._get_info(conn, aid)
        if info.deleted_at is not None:
            raise StoreError("该自评已删除，不能修改。如需继续填写，请先恢复。")
        self._write_blob(sha, data)
        now = _now()
        with self._write() as conn:
            self._lock_assessment(conn, aid)
            same = conn.execute(
                sa.select(files_t).where(
                    files_t.c.assessment_id == aid,
                    files_t.c.criterion_id == criterion_id,
                    files_t.c.sha256 == sha,
                    files_t.c.removed_at.is_(None),
                )
            ).first()
            if same is not None:
                return self._file(same)
            before = self._attachment_counts(conn, aid, criterion_id).get(criterion_id, 0)
            file_id = conn.execute(
                sa.insert(files_t)
                .values(
                    assessment_id=aid,
                    criterion_id=criterion_id,
                    filename=shown,
                    sha256=sha,
                    size=len(data),
                    content_type=content_type,
                    uploaded_by=user,
                    uploaded_at=now,
                )
                .returning(files_t.c.id)
            ).scalar_one()
            self._file_history(
                conn, aid, criterion_id, "file_added", file_id, shown, before, user, now
            )
            row = conn.execute(sa.select(files_t).where(files_t.c.id == file_id)).one()
        return self._file(row)

    @_guard("读取佐证材料列表")
    def list_files(
        self, aid: int, criterion_id: str | None = None, *, include_removed: bool = False
    ) -> list[EvidenceFile]:
        """Attached files, oldest first."""
        query = sa.select(files_t).where(files_t.c.assessment_id == aid)
        if criterion_id is not None:
            query = query.where(files_t.c.criterion_id == criterion_id)
        if not include_removed:
            query = query.where(files_t.c.removed_at.is_(None))
        with self._read() as conn:
            self._get_info(conn, aid)
            rows = conn.execute(query.order_by(files_t.c.uploaded_at, files_t.c.id)).all()
        return [self._file(r) for r in rows]

    @_guard("读取佐证材料")
    def get_file(self, file_id: int) -> EvidenceFile:
        with self._read() as conn:
            row = conn.execute(sa.select(files_t).where(files_t.c.id == file_id)).first()
        if row is None:
            raise NotFoundError(f"找不到编号为 {file_id} 的佐证材料")
        return self._file(row)

    @_guard("读取佐证材料")
    def read_file(self, file_id: int) -> bytes:
        """The file's bytes, checked against its SHA-256.

        Raises:
            NotFoundError: no such file.
            StoreError: the content is missing or damaged on disk.
        """
        info = self.get_file(file_id)
        path = self._blob_path(info.sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"佐证材料「{info.filename}」的文件内容在服务器上找不到") from None
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise StoreError(f"佐证材料「{info.filename}」的文件内容已损坏（校验不符）")
        return data

    @_guard("移除佐证材料")
    def remove_file(self, file_id: int, *, user: str) -> None:
        """Detach a file (soft: kept in history and on disk)."""
        user = _clean_user(user)
        now = _now()
        with self._write() as conn:
            row = conn.execute(sa.select(files_t).where(files_t.c.id == file_id)).first()
            if row is None:
                raise NotFoundError(f"找不到编号为 {file_id} 的佐证材料")
            self._lock_assessment(conn, row.assessment_id)
            row = conn.execute(sa.select(files_t).where(files_t.c.id == file_id)).one()
            if row.removed_at is not None:
                return
            before = self._attachment_counts(conn, row.assessment_id, row.criterion_id).get(
                row.criterion_id, 0
            )
            conn.execute(
                sa.update(files_t)
                .where(files_t.c.id == file_id)
                .values(removed_at=now, removed_by=user)
            )
            self._file_history(
                conn,
                row.assessment_id,
                row.criterion_id,
                "file_removed",
                file_id,
                row.filename,
                before,
                user,
                now,
            )


__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_MAX_FILE_BYTES",
    "AssessmentInfo",
    "ConflictError",
    "EvidenceFile",
    "EvidenceFileError",
    "HistoryEntry",
    "NotFoundError",
    "SavedAnswer",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "check_evidence_file",
    "database_url",
    "default_files_dir",
    "display_filename",
    "format_time",
    "make_engine",
    "metadata",
    "normalise_url",
    "resolve_data_dir",
    "translate_error",
    "upload_limit_bytes",
]
