"""The page list, built from the rubric: one item page per 评估项目, in the rubric's order."""

from __future__ import annotations

from functools import partial

import streamlit as st

from jiguan.rubric import Item, Rubric

HOME = "views/home.py"
SUMMARY = "views/summary.py"
EVIDENCE = "views/evidence.py"
TRANSFER = "views/transfer.py"

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
    from views.item import render_item

    return st.Page(
        partial(render_item, index),
        title=item_title(index, rubric.items[index]),
        url_path=item_url(index),
        icon=":material/checklist:",
    )


def home_page() -> st.Page:
    return st.Page(HOME, title="首页", icon=":material/home:", default=True)


def summary_page() -> st.Page:
    return st.Page(SUMMARY, title="汇总", icon=":material/leaderboard:", url_path="summary")


def evidence_page() -> st.Page:
    return st.Page(EVIDENCE, title="佐证检查", icon=":material/fact_check:", url_path="evidence")


def transfer_page() -> st.Page:
    return st.Page(TRANSFER, title="导入导出", icon=":material/swap_vert:", url_path="transfer")


def all_pages(rubric: Rubric) -> dict[str, list[st.Page]]:
    return {
        "": [home_page(), summary_page(), evidence_page(), transfer_page()],
        "评估项目": [item_page(rubric, i) for i in range(len(rubric.items))],
    }


def walk(rubric: Rubric) -> list[st.Page]:
    """The order 上一部分 / 下一部分 follow: 首页, every item, 汇总."""
    return [home_page(), *(item_page(rubric, i) for i in range(len(rubric.items))), summary_page()]
