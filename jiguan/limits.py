"""Every bound on what a user can type or upload, stated once (issue 13).

The store checks names, profile fields, evidence, notes and counts against these on every
backend (SQLite would accept anything, PostgreSQL refuses some of it with a driver error), the
CSV contract (`jiguan.sheet`) refuses a sheet past them naming the row and column, and pages
show the same numbers in their messages. Nothing here imports streamlit.
"""

from __future__ import annotations

MAX_SHEET_BYTES = 5 * 1024 * 1024  # an answer sheet of every criterion is ~30 KB
MAX_CELL_CHARS = 5_000  # evidence or note of one criterion (also one CSV cell)
MAX_COUNT = 1_000  # standards or trainings counted for one criterion
MAX_NAME_CHARS = 100  # unit, round, account and display names
MAX_PROFILE_CHARS = 200  # one 基本信息 field (填表人, 联系方式, 评估日期 …)
MAX_PROFILE_FIELDS = 20
MAX_RECTIFICATION_CHARS = 5_000  # one text of a 整改事项 (整改措施, 完成情况, 完成佐证)
MAX_PASSWORD_CHARS = 256  # argon2 hashes any length; a bound keeps hashing cheap
MIN_PASSWORD_CHARS = 10
MAX_ID = 2**31 - 1  # record ids are PostgreSQL INTEGER; a larger one names nothing
# A trainee's practice is named 「练习 · <name>（n）」 (pages/views/practice.py), which must fit in
# MAX_NAME_CHARS: the name leaves room for the prefix and a number up to （99）.
PRACTICE_PREFIX = "练习 · "
MAX_TRAINEE_NAME_CHARS = MAX_NAME_CHARS - len(PRACTICE_PREFIX) - len("（99）")


def too_long(what: str, text: str, limit: int) -> str | None:
    """The Chinese message for ``text`` past ``limit`` characters, or None."""
    if len(text) > limit:
        return f"{what}过长：{len(text):,} 个字，最多 {limit:,} 个字"
    return None


# ZIP files we open: an evidence ZIP (jiguan.store.uploads), a data archive (jiguan.archive) and
# a backup (jiguan.backup). Sizes are the ones the central directory declares, checked before any
# entry is read; zipfile never returns more than the declared size (a lying entry fails its CRC).
MAX_ZIP_ENTRIES = 1_000  # one evidence ZIP
MAX_ZIP_UNPACKED_BYTES = 200 * 2**20  # one evidence ZIP, all entries together
MAX_ZIP_RATIO = 100  # unpacked : packed, for an entry (or archive) past ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 2**20  # smaller entries cannot hurt, whatever their ratio
EXECUTABLE_EXTENSIONS = ("exe", "bat", "cmd", "sh", "ps1", "js", "vbs", "msi", "scr")
MAX_ARCHIVE_ENTRIES = 200_000  # a data archive or backup: its tables and evidence files
MAX_ARCHIVE_DATA_BYTES = 256 * 2**20  # a data archive's tables, read into memory to be checked


def parse_id(text: object) -> int | None:
    """A record id typed or linked by a user (``?a=``): a whole number 1 … MAX_ID, else None
    (``abc``, ``-1``, ``1e3`` and ``2147483648`` name nothing, like an id never used)."""
    text = str(text or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
