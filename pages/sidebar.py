"""The always-visible score panel. A keyed fragment, so an answer reruns only it (and the
indicator that changed), never the whole app."""

from __future__ import annotations

import streamlit as st

from jiguan.charts import radar
from jiguan.scoring import NO_EVIDENCE, UNANSWERED
from pages import state
from pages.nav import item_page
from pages.ui import plain, pts

SIDEBAR_KEY = "sidebar"


@st.fragment(key=SIDEBAR_KEY)
def score_panel() -> None:
    ss = state.ss
    info = ss.get("info")
    if ss.get("aid") is None or info is None:
        st.caption("尚未选择自评。请在首页新建或继续一份自评。")
        return
    rubric = state.get_rubric()
    result = state.result()
    st.markdown(f"**{plain(info.unit_name or '（未填单位）')}**  \n{plain(info.round_name or '')}")
    left, right = st.columns(2)
    left.metric("总分", f"{pts(result.total)} / {pts(result.max)}")
    right.metric("完成度", f"{result.completion:.0%}")
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
    for i, item in enumerate(result.items):
        with st.container(gap=None):
            st.page_link(
                item_page(rubric, i),
                label=f"{rubric_title(i, item.name)}　{pts(item.score)}/{pts(item.max)}",
            )
            st.progress(item.score / item.max if item.max else 0.0)
    st.plotly_chart(
        radar(result, height=230),
        key="radar.sidebar",
        config={"displayModeBar": False},
    )


def rubric_title(index: int, name: str) -> str:
    from pages.nav import chinese_number

    return f"{chinese_number(index + 1)}、{name}"
