"""The always-visible score panel: keyed fragments, so an answer reruns only the parts it
changes (the totals; its own item's row and the radar when points moved; see pages/item.py),
never the whole app."""

from __future__ import annotations

import streamlit as st

from jiguan.charts import radar
from jiguan.scoring import NO_EVIDENCE, UNANSWERED
from pages import state
from pages.nav import item_page, item_title, item_url
from pages.ui import plain, pts

SIDEBAR_KEY = "sidebar"
RADAR_KEY = "sidebar_radar"


def item_row_key(index: int) -> str:
    return f"sidebar_item{index}"


def score_panel(url_path: str = "") -> None:
    """The panel for the page at ``url_path``. On an item's page that item's row is a fragment
    of its own (answers there change it); the other rows change only on a full run."""
    ss = state.ss
    if ss.get("aid") is None or ss.get("info") is None:
        st.caption("尚未选择自评。请在首页新建或继续一份自评。")
        return
    info = ss.info
    st.markdown(f"**{plain(info.unit_name or '（未填单位）')}**  \n{plain(info.round_name or '')}")
    _totals()
    for i in range(len(state.get_rubric().items)):
        if url_path == item_url(i):
            st.fragment(key=item_row_key(i))(_item_row)(i)
        else:
            _item_row(i)
    _radar()


@st.fragment(key=SIDEBAR_KEY)
def _totals() -> None:
    ss = state.ss
    result = state.result()
    with st.container(horizontal=True):
        st.metric("总分", f"{pts(result.total)} / {pts(result.max)}")
        st.metric("完成度", f"{result.completion:.0%}")
    st.progress(result.completion)
    flagged = result.flagged
    unanswered = sum(1 for r in flagged if UNANSWERED in r.flags)
    no_ev = sum(1 for r in flagged if NO_EVIDENCE in r.flags)
    if flagged:
        st.markdown(
            f":orange[**待处理指标 {len(flagged)} 个**]  \n"
            f":gray[未评 {unanswered} · 缺佐证 {no_ev}]"
        )
    else:
        st.markdown(":green[**全部指标已作答且有佐证**]")
    pending = len(ss.get("pending", {}))
    if pending:
        st.warning(f"{pending} 项未保存", icon=":material/sync_problem:")


def _item_row(index: int) -> None:
    rubric = state.get_rubric()
    item = state.result().items[index]
    with st.container(gap=None):
        st.page_link(
            item_page(rubric, index),
            label=f"{item_title(index, rubric.items[index])}　{pts(item.score)}/{pts(item.max)}",
        )
        st.progress(item.score / item.max if item.max else 0.0)


@st.fragment(key=RADAR_KEY)
def _radar() -> None:
    st.plotly_chart(
        radar(state.result(), height=230),
        key="radar.sidebar",
        config={"displayModeBar": False},
    )
