"""Text cleaning shared by every document writer: what XML (docx, xlsx) and PDF cannot hold."""

from __future__ import annotations

import errno
import re
import zlib

# XML 1.0 refuses C0 controls other than tab, LF and CR, lone surrogates and U+FFFE/U+FFFF;
# DEL and the C1 block are legal XML but are invisible control characters pasted from old
# Word/WPS files, so they go too.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# Word's manual line break (vertical tab) and page break (form feed) separate two entries.
_BREAKS = str.maketrans({"\v": "\n", "\f": "\n"})


def clean_text(text: str) -> str:
    """`text` without XML-illegal and control characters; tab, newline and CR are kept, and a
    vertical tab or form feed (Word's manual line and page breaks) becomes a newline."""
    return _ILLEGAL.sub("", text.translate(_BREAKS))


def lines(text: str) -> list[str]:
    """Non-blank lines of a multi-line entry, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


_OS_ERRORS = {
    errno.ENOENT: "找不到该文件或文件夹",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许此操作",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘为只读",
    errno.EEXIST: "已存在同名文件",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EIO: "磁盘读写错误",
    errno.EMFILE: "打开的文件过多",
}


def os_error_text(exc: OSError) -> str:
    """Why a file operation failed, in Chinese (the system's own text is English)."""
    if exc.errno in _OS_ERRORS:
        return _OS_ERRORS[exc.errno]
    return f"系统错误（错误码 {exc.errno}）" if exc.errno else "系统错误"


def fingerprint(text: str) -> str:
    """A short fingerprint of a text (CRC-32 of its UTF-8, hex): the same as
    pages/js/drafts.js computes for a field's value, so the page can tell what the server
    heard and holds without the text going back and forth."""
    return format(zlib.crc32(text.encode("utf-8")), "x")
