"""The page's own scripts: static files in ``pages/js/``, each run with its data in ``data-*``
attributes of its script element (read through ``document.currentScript.dataset``).

Why files and attributes: the Content-Security-Policy (`jiguan.web`) allows no inline script
but these, by the SHA-256 of their text; a script whose text changed with its data (a code, a
selector) could not be allowed by hash. User text never goes into a script.
"""

from __future__ import annotations

import html
from functools import cache

import streamlit as st

from jiguan.web import PAGE_SCRIPTS


@cache
def _text(name: str) -> str:
    return (PAGE_SCRIPTS / f"{name}.js").read_text(encoding="utf-8")


def run(name: str, **data: str) -> None:
    """Run ``pages/js/<name>.js`` in the page with ``data`` as its dataset."""
    run_all((name, data))


def run_all(*scripts: tuple[str, dict[str, str]]) -> None:
    """Run several ``(name, data)`` scripts from one element (each element of a page costs
    server time on every run, issue 25)."""
    st.html("".join(_tag(name, data) for name, data in scripts), unsafe_allow_javascript=True)


def _tag(name: str, data: dict[str, str]) -> str:
    attributes = "".join(
        f' data-{key.replace("_", "-")}="{html.escape(value, quote=True)}"'
        for key, value in data.items()
    )
    return f"<script{attributes}>{_text(name)}</script>"
