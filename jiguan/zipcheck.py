"""Bounds on a ZIP we are about to open, read from its central directory before any entry is
decompressed: an evidence ZIP, a data archive (`jiguan.archive`) or a backup (`jiguan.backup`).
Messages read after 「压缩包中」/「归档中」 (Chinese, naming the entry).

zipfile never hands out more bytes than an entry's declared size (an entry whose data is longer
fails its CRC check), so the declared sizes checked here bound what reading can cost.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence

from jiguan.format import size_text
from jiguan.limits import EXECUTABLE_EXTENSIONS, MAX_ZIP_RATIO, ZIP_RATIO_FLOOR

_DRIVE = re.compile(r"^[A-Za-z]:")


def ratio_problem(info: zipfile.ZipInfo) -> str | None:
    """An entry that unpacks to more than `MAX_ZIP_RATIO` times its packed size (a 'zip bomb'),
    once it is past `ZIP_RATIO_FLOOR`."""
    if info.file_size <= ZIP_RATIO_FLOOR:
        return None
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio <= MAX_ZIP_RATIO:
        return None
    return (
        f"的「{info.filename}」解压后 {size_text(info.file_size)}，是压缩后的 {ratio:,.0f} 倍"
        f"（超过 {MAX_ZIP_RATIO} 倍，疑为压缩炸弹）"
    )


def bounds_problem(
    infos: Sequence[zipfile.ZipInfo], *, max_entries: int, max_bytes: int
) -> str | None:
    """Too many entries, too much unpacked in all, or one entry with a bomb's ratio."""
    if len(infos) > max_entries:
        return f"有 {len(infos):,} 个文件，超过 {max_entries:,} 个"
    total = sum(i.file_size for i in infos)
    if total > max_bytes:
        return f"的文件解压后共 {size_text(total)}，超过上限 {size_text(max_bytes)}"
    for info in infos:
        problem = ratio_problem(info)
        if problem:
            return problem
    return None


def name_problem(name: str) -> str | None:
    """An entry name that could write outside the folder it is unpacked into, or that is a
    program or script (by its extension)."""
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")):
        return f"的「{name}」是绝对路径"
    if _DRIVE.match(name):
        return f"的「{name}」带有盘符"
    if ".." in parts:
        return f"的「{name}」含有上级目录（..），解压时可能写到别的文件夹"
    _, dot, ext = parts[-1].rpartition(".")
    if dot and ext.lower() in EXECUTABLE_EXTENSIONS:
        return f"的「{name}」是可执行文件或脚本（.{ext.lower()}）"
    return None
