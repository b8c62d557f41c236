"""Checks on an uploaded evidence file before anything is stored: type, size, content, name."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable

import filetype

from jiguan.format import size_text
from jiguan.limits import MAX_ZIP_ENTRIES, MAX_ZIP_UNPACKED_BYTES
from jiguan.store.errors import EvidenceFileError
from jiguan.zipcheck import bounds_problem, name_problem

MAX_FILENAME_CHARS = 120  # display names of evidence files

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word/Excel/WPS 97-2003 (filetype has no OLE matcher)
# What a Word or Excel file must hold inside its zip, besides [Content_Types].xml.
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _kind(data: bytes) -> str | None:
    """The type filetype reads from the signature at offset 0 (its matchers anchor there)."""
    kind = filetype.guess(data[:8192])
    return kind.extension if kind is not None else None


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")  # at offset 0: a PDF header later on is not a PDF


def _zip_names(data: bytes) -> set[str] | None:
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())  # the central directory only; nothing is unpacked
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _is_zip(data: bytes) -> bool:
    return _zip_names(data) is not None


def _is_ooxml(ext: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        names = _zip_names(data)
        return names is not None and {"[Content_Types].xml", _OOXML_PART[ext]} <= names

    return check


def _is_ole(data: bytes) -> bool:
    return data[:8] == _OLE


def _is_jpeg(data: bytes) -> bool:
    return _kind(data) == "jpg"


def _is_png(data: bytes) -> bool:
    return _kind(data) == "png"


# extension -> (content type, what it is called, content check)
FILE_TYPES: dict[str, tuple[str, str, Callable[[bytes], bool]]] = {
    "pdf": ("application/pdf", "PDF", _is_pdf),
    "doc": ("application/msword", "Word 97-2003 文档", _is_ole),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word 文档",
        _is_ooxml("docx"),
    ),
    "xls": ("application/vnd.ms-excel", "Excel 97-2003 工作簿", _is_ole),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel 工作簿",
        _is_ooxml("xlsx"),
    ),
    "wps": ("application/wps-office.wps", "WPS 文字文档", _is_ole),
    "et": ("application/wps-office.et", "WPS 表格", _is_ole),
    "jpg": ("image/jpeg", "JPEG 图片", _is_jpeg),
    "jpeg": ("image/jpeg", "JPEG 图片", _is_jpeg),
    "png": ("image/png", "PNG 图片", _is_png),
    "zip": ("application/zip", "ZIP 压缩包", _is_zip),
}
ALLOWED_EXTENSIONS = tuple(FILE_TYPES)


def _inside_problem(data: bytes) -> str | None:
    """What is wrong inside an evidence ZIP (central directory only, nothing unpacked): too
    many entries, too much unpacked, a bomb's ratio, an entry name that escapes its folder or
    is a program. (Word and Excel files are ZIPs too, but nobody unpacks them by hand.)"""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    problem = bounds_problem(infos, max_entries=MAX_ZIP_ENTRIES, max_bytes=MAX_ZIP_UNPACKED_BYTES)
    return problem or next(filter(None, (name_problem(i.filename) for i in infos)), None)


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
            f"「{shown}」未上传：文件大小 {size_text(len(data))}，"
            f"超过单个文件上限 {size_text(max_file_bytes)}"
        )
    content_type, label, check = FILE_TYPES[ext]
    if not check(data):
        raise EvidenceFileError(
            f"「{shown}」未上传：文件内容不是{label}，与扩展名 .{ext} 不符"
            "（可能已损坏，或被改过扩展名）"
        )
    if ext == "zip":
        problem = _inside_problem(data)
        if problem:
            raise EvidenceFileError(f"「{shown}」未上传：压缩包中{problem}")
    return shown, content_type
