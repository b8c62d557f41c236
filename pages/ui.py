"""Small drawing helpers shared by the pages."""

from __future__ import annotations

import re

import streamlit as st

from jiguan.scoring import FLAG_LABELS, NO_EVIDENCE, UNANSWERED
from pages import state
from pages.nav import home_page

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


# Static CSS only (never user text): tighter page top for laptops and projectors, and Chinese
# wording for the file uploader, whose "Upload" / "200MB per file" texts Streamlit does not let
# an app change (streamlit/streamlit#13500). Our own caption states types and size instead.
_STYLE = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; padding-bottom: 3rem; }
[data-testid="stSidebarUserContent"] { padding-top: 1rem; }
h1 { font-size: 2.1rem !important; padding-top: 0.25rem !important; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
  font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="InputInstructions"] { display: none; }
</style>
"""


def apply_style() -> None:
    st.html(_STYLE)


def plain(text: str) -> str:
    """User text made inert for st.markdown: every markdown character escaped, no HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def pts(x: float) -> str:
    return f"{x:g}"


def badge(label: str, *, color: str, icon: str = "") -> str:
    """One badge as markdown, so a row of badges is one element (a fraction of the cost of
    a container of st.badge calls, on every page load and every redraw after an answer)."""
    text = f"{icon} {plain(label)}" if icon else plain(label)
    return f":{color}-badge[{text}]"


def flag_badge_line(flags: tuple[str, ...], *, done_label: str = "已完成") -> str:
    if not flags:
        return badge(done_label, icon=":material/check_circle:", color="green")
    return " ".join(
        badge(FLAG_LABELS[flag], icon=":material/help:", color="gray")
        if flag == UNANSWERED
        else badge(FLAG_LABELS[flag], icon=":material/attach_file_off:", color="orange")
        for flag in flags
    )


def store_banner() -> None:
    """The store is down: say so, and that nothing typed is lost."""
    if state.ss.get("store_error"):
        pending = len(state.ss.get("pending", {}))
        tail = f"，{pending} 项修改暂存在本页，恢复后自动保存" if pending else ""
        st.warning(
            f"数据库暂时不可用{tail}。（{plain(state.ss.store_error)}）",
            icon=":material/cloud_off:",
        )


def require_assessment() -> bool:
    """Pages that need an assessment send the user to 首页 when none is chosen."""
    if state.ss.get("aid") is not None and state.ss.get("info") is not None:
        return True
    st.info("请先在首页新建或选择一份自评，再开始填写。", icon=":material/info:")
    st.page_link(home_page(), label="前往首页", icon=":material/home:")
    return False


__all__ = [
    "NO_EVIDENCE",
    "UNANSWERED",
    "badge",
    "flag_badge_line",
    "plain",
    "pts",
    "require_assessment",
]
