"""The page list, built from the rubric: one item page per 评估项目, in the rubric's order.

Every page is a callable (``render`` in its module), so no file in ``pages/`` is ever run as a
script. Streamlit still runs its legacy ``pages/``-folder mode for the first script run of a
server process (until ``st.navigation`` is called); it then maps a URL whose path equals a
``pages/*.py`` file stem straight to that file, bypassing app.py. Our url paths therefore
never equal a module name in ``pages/`` (tests/test_app_logic.py checks this).
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from jiguan.rubric import Item, Rubric
from pages.training_pages import training_pages

SUMMARY_URL = "results"
EVIDENCE_URL = "readiness"
TRANSFER_URL = "import-export"

_NUMERALS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (enough for a rubric's items)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else _NUMERALS[tens - 1] + "十"
    return head + (_NUMERALS[ones - 1] if ones else "")


def item_title(index: int, item: Item) -> str:
    return f"{chinese_number(index + 1)}、{item.name}"


def item_url(index: int) -> str:
    return f"item{index + 1}"


def item_page(rubric: Rubric, index: int) -> st.Page:
    from pages.item import render_item

    return st.Page(
        partial(render_item, index),
        title=item_title(index, rubric.items[index]),
        url_path=item_url(index),
        icon=":material/checklist:",
    )


def home_page() -> st.Page:
    from pages import home

    return st.Page(home.render, title="首页", icon=":material/home:", default=True)


def summary_page() -> st.Page:
    from pages import summary

    return st.Page(
        summary.render, title="汇总", icon=":material/leaderboard:", url_path=SUMMARY_URL
    )


def evidence_page() -> st.Page:
    from pages import evidence

    return st.Page(
        evidence.render, title="佐证检查", icon=":material/fact_check:", url_path=EVIDENCE_URL
    )


def transfer_page() -> st.Page:
    from pages import transfer

    return st.Page(
        transfer.render, title="导入导出", icon=":material/swap_vert:", url_path=TRANSFER_URL
    )


def url_paths(rubric: Rubric) -> list[str]:
    """Every page's url path but the default page's (which is the root)."""
    return [SUMMARY_URL, EVIDENCE_URL, TRANSFER_URL] + [
        item_url(i) for i in range(len(rubric.items))
    ]


def all_pages(rubric: Rubric) -> dict[str, list[st.Page]]:
    return {
        "": [home_page(), summary_page(), evidence_page(), transfer_page()],
        "评估项目": [item_page(rubric, i) for i in range(len(rubric.items))],
        "培训与比较": training_pages(),
    }


def walk(rubric: Rubric) -> list[st.Page]:
    """The order 上一部分 / 下一部分 follow: 首页, every item, 汇总."""
    return [home_page(), *(item_page(rubric, i) for i in range(len(rubric.items))), summary_page()]
