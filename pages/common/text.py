"""User text made safe to show: the one helper every page uses for text a person typed."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: str) -> str:
    """User text made inert for st.markdown: every markdown character escaped, no HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")
