"""Fragment keys, and which fragments an answer redraws.

An answer given with a click (a check criterion's control, its partial points) reruns only what
can show it (``st.rerun([...keys])`` from the callback): the sidebar totals, the item heading
and the indicator's box, and, when points moved, the content heading and the sidebar's item row
and radar. Fields that commit on blur (text, numbers) are drawn outside fragments and rerun the
page instead (see pages/common/answers.py for why).
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from jiguan.rubric import Criterion, Indicator
from jiguan.scoring import Result
from pages.common import state

SIDEBAR_TOTALS = "sidebar_totals"
SIDEBAR_RADAR = "sidebar_radar"
ITEM_HEAD = "item_head"


def sidebar_item_row(index: int) -> str:
    return f"sidebar_item{index}"


def content_head(item_index: int, content_index: int) -> str:
    return f"content{item_index}_{content_index}"


def box(ind: Indicator) -> str:
    return f"ind{ind.id}"


def after_change(criterion: Criterion, before: Result, after: Result) -> None:
    """From a widget callback inside an indicator's box: rerun what the change shows in."""
    rubric = state.get_rubric()
    ind = rubric.indicator_by_id[criterion.indicator_id]
    item, content = rubric.place_of[ind.id]
    ii = rubric.items.index(item)
    keys = [SIDEBAR_TOTALS, ITEM_HEAD, box(ind)]
    if after.items != before.items or after.contents != before.contents:
        keys += [
            content_head(ii, item.contents.index(content)),
            sidebar_item_row(ii),
            SIDEBAR_RADAR,
        ]
    try:
        st.rerun(keys)
    except StreamlitAPIException:  # a target has not been drawn yet: rerun the page
        st.rerun()
