"""Text cleaning shared by every document writer: what XML (docx, xlsx) and PDF cannot hold."""

from __future__ import annotations

import re

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
