"""The controls of a cell, for the item pages (answers) and 评审录入 (verdicts) alike: a check
criterion's choice, its partial points, a count. Each is keyed by its sheet and saves through
the sheet's callback (pages/answers.py); the caller gives the callback's args."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from jiguan.format import points
from jiguan.limits import MAX_COUNT
from jiguan.rubric import Criterion
from jiguan.scoring import INCOMPLETE_WORDS
from pages.common.answers import CHECK_LABELS, Sheet, partial_options
from pages.common.ui import badge


def option_label(text: str) -> str:
    """A segmented control's option label, with a leading space that is not drawn: Streamlit
    looks for an emoji at the start of each option's first word with a large regex, ~80 µs per
    Chinese label on every run (7 % of an item page's load; bench/README.md), and a first word
    that is empty skips the search. Our labels never start with an icon."""
    return " " + text


def check_control(
    sheet: Sheet,
    label: str,
    options: Sequence[str],
    cid: str,
    on_change: Callable[..., None],
    args: tuple,
    *,
    disabled: bool,
) -> str | None:
    return st.segmented_control(
        label,
        options,
        format_func=lambda option: option_label(CHECK_LABELS[option]),  # options are its keys
        required=True,
        default=sheet.shown(cid, "ans"),  # a fresh control shows the held value (Sheet.shown)
        key=sheet.key("ans", cid),
        on_change=on_change,
        args=args,
        disabled=disabled,
    )


def points_control(
    sheet: Sheet,
    criterion: Criterion,
    on_change: Callable[..., None],
    args: tuple,
    disabled: bool,
) -> None:
    """部分符合's points; until one is chosen the cell is saved as incomplete, and says so."""
    key = sheet.key("pts", criterion.id)
    st.segmented_control(
        "部分符合得分",
        partial_options(criterion),
        format_func=lambda p: f"{points(p)} 分",
        required=True,
        default=sheet.shown(criterion.id, "pts"),
        key=key,
        on_change=on_change,
        args=args,
        disabled=disabled,
    )
    if st.session_state.get(key) is None:
        st.markdown(badge(INCOMPLETE_WORDS, icon=":material/edit:", color="orange"))


def count_input(
    sheet: Sheet,
    label: str,
    cid: str,
    on_change: Callable[..., None],
    args: tuple,
    *,
    disabled: bool,
    width: int,
) -> int | None:
    return st.number_input(
        label,
        min_value=0,
        max_value=MAX_COUNT,
        step=1,
        format="%d",
        placeholder="未评",
        value=sheet.shown(cid, "ans"),
        key=sheet.key("ans", cid),
        on_change=on_change,
        args=args,
        disabled=disabled,
        width=width,
    )
