"""Where the data lives and how long to wait for it: resolved from the environment once.

``JIGUAN_DATABASE_URL`` or ``[connections.jiguan] url`` in ``.streamlit/secrets.toml`` names
the database (default: SQLite under the data dir); ``JIGUAN_DATA_DIR`` the data dir (default
``./data``); ``JIGUAN_MAX_UPLOAD_MB`` the per-file upload limit; ``JIGUAN_DB_TIMEOUT`` the
seconds any one database call may take before it fails with `StoreUnavailable`.

`database_url` and `load_config` remember what they resolved for the same settings, so a
page callback does not re-read secrets.toml or create the data directory again;
`reload_config` forgets (tests, or after editing secrets.toml).
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from jiguan import PROJECT_ROOT
from jiguan.store.errors import StoreError, StoreUnavailable
from jiguan.text import os_error_text

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_MAX_FILE_BYTES = 20 * 2**20
DEFAULT_OP_TIMEOUT = 5.0  # seconds; see docs/design.md (timeouts)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Everything `Store.from_config` needs."""

    database_url: str
    files_dir: Path
    max_file_bytes: int
    op_timeout: float


def resolve_data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The data directory: ``JIGUAN_DATA_DIR`` (relative to the project root) or ``./data``."""
    raw = env.get("JIGUAN_DATA_DIR", "").strip()
    path = Path(raw).expanduser() if raw else Path("data")
    return path if path.is_absolute() else PROJECT_ROOT / path


def default_files_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where evidence files live by default: ``<data dir>/files``."""
    return resolve_data_dir(env) / "files"


def _positive_number(env: Mapping[str, str], name: str, unit: str, limit: float) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < limit:
        raise StoreError(f"环境变量 {name} 应为正数（单位 {unit}），实为「{raw}」")
    return value


def upload_limit_bytes(env: Mapping[str, str] = os.environ) -> int:
    """The per-file upload limit: ``JIGUAN_MAX_UPLOAD_MB`` megabytes (default 20).

    Raises:
        StoreError: the variable is set but is not a positive number.
    """
    mb = _positive_number(env, "JIGUAN_MAX_UPLOAD_MB", "MB", 100_000)
    return DEFAULT_MAX_FILE_BYTES if mb is None else int(mb * 2**20)


def op_timeout_seconds(env: Mapping[str, str] = os.environ) -> float:
    """How long one database call may take: ``JIGUAN_DB_TIMEOUT`` seconds (default 5).

    Raises:
        StoreError: the variable is set but is not a positive number.
    """
    seconds = _positive_number(env, "JIGUAN_DB_TIMEOUT", "秒", 3600)
    return DEFAULT_OP_TIMEOUT if seconds is None else seconds


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
    ``JIGUAN_DATA_DIR`` or ``<project root>/data``, created if missing. Remembered per
    settings (see `reload_config`).

    Raises:
        StoreError: secrets.toml cannot be read, or the data directory cannot be created.
        StoreUnavailable: the configured URL cannot be parsed.
    """
    return _database_url(
        None if data_dir is None else str(data_dir),
        env.get("JIGUAN_DATABASE_URL", "").strip(),
        env.get("JIGUAN_DATA_DIR", "").strip(),
        str(secrets_path or SECRETS_PATH),
    )


@functools.cache
def _database_url(data_dir: str | None, env_url: str, env_data_dir: str, secrets: str) -> str:
    url = env_url or _secrets_url(Path(secrets))
    if url:
        return normalise_url(url)
    directory = (
        Path(data_dir)
        if data_dir is not None
        else resolve_data_dir({"JIGUAN_DATA_DIR": env_data_dir})
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"无法创建数据目录 {directory}：{os_error_text(exc)}") from None
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


def load_config(env: Mapping[str, str] = os.environ) -> StoreConfig:
    """The store settings the app runs with (see the module docstring).

    Raises:
        StoreError: a setting is invalid (the message names it).
    """
    return StoreConfig(
        database_url=database_url(env=env),
        files_dir=default_files_dir(env),
        max_file_bytes=upload_limit_bytes(env),
        op_timeout=op_timeout_seconds(env),
    )


def reload_config() -> None:
    """Forget resolved settings: the next call reads secrets.toml (and mkdirs) again."""
    _database_url.cache_clear()
