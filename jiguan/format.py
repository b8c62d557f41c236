"""How numbers, sizes, times and file names are written for people (one place for each).

Pure functions, no Streamlit: pages, reports, the CLI and the store all use them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "北京时间")

_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def points(x: float) -> str:
    """Points without trailing zeros: ``2``, ``1.5``, ``0.5``."""
    return f"{x:g}"


def size_text(n: int) -> str:
    """A file size: ``12 字节``, ``34 KB``, ``1.5 MB``."""
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def format_time(when: datetime | None) -> str:
    """``2025-03-01 14:05`` in Beijing time (「未知时间」 for None); naive means UTC."""
    if when is None:
        return "未知时间"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def today() -> date:
    """Today's date in Beijing, whatever time zone the server runs in."""
    return datetime.now(CHINA_TZ).date()


def safe_filename_part(text: str, max_chars: int = 60) -> str:
    """A piece of a download name: characters Windows, macOS or Linux refuse in file names
    removed, whitespace runs turned into ``_``, no leading or trailing ``.``/``_``/space."""
    text = _UNSAFE_FILENAME.sub("", unicodedata.normalize("NFC", text))
    return re.sub(r"\s+", "_", text).strip("._ ")[:max_chars]


__all__ = ["CHINA_TZ", "format_time", "points", "safe_filename_part", "size_text", "today"]
