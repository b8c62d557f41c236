"""汇总: totals, tables per item and content (st.table: they wrap on a projector and carry no
toolbar), 提分空间 per criterion, and what is still open."""

import pandas as pd
import streamlit as st

from jiguan.charts import content_bars, radar
from jiguan.format import points
from jiguan.rubric import Rubric
from jiguan.scoring import Result, room
from pages.common import routes, state
from pages.common.session import session
from pages.common.ui import banners, page_total, require_assessment

GAP_INDICATORS_SHOWN = 12  # the rest of 提分空间 behind an expander
RADAR_WIDTH = 540  # px: readable labels; beside the table from 1366 px, above it at 1024
ITEM_TABLE_WIDTH = 400


def _rate(pct: float) -> str:
    return f"{pct:.0f}%"


def render() -> None:
    """汇总: totals, tables per item and content, gaps, unanswered list."""
    st.title("汇总")
    if not require_assessment():
        st.stop()
    banners()

    rubric = state.get_rubric()
    result = state.result()
    page_total()
    _headline(result)
    _by_item_and_content(result)
    _gaps(rubric, result)
    _open_criteria(rubric, result)


def _headline(result: Result) -> None:
    with st.container(horizontal=True, wrap=True, gap="large"):
        st.metric("总分", f"{points(result.total)} / {points(result.max)}", width="content")
        st.metric("得分率", f"{100 * result.total / result.max:.0f}%", width="content")
        st.metric(
            "完成度",
            f"{result.completion:.0%}",
            help="已评定、或已不能再改变得分（如已达上限）的评分项 / 全部评分项",
            width="content",
        )
        st.metric("待处理指标", len(result.flagged), help="未评或缺佐证的指标", width="content")
    if result.pass_line is not None:
        verdict = "达到" if result.passed else "未达到"
        st.caption(f"合格线 {points(result.pass_line)} 分：{verdict}")


def _by_item_and_content(result: Result) -> None:
    # Side by side on a wide screen; the table wraps below the radar on a 1024 projector.
    with st.container(horizontal=True, wrap=True, gap="large"):
        with st.container(width=RADAR_WIDTH):
            st.subheader("各评估项目得分率")
            st.plotly_chart(
                radar(result, height=RADAR_WIDTH - 60),
                key="radar.summary",
                config={"displayModeBar": False},
                width=RADAR_WIDTH,
            )
        with st.container(width=ITEM_TABLE_WIDTH):
            st.subheader("按评估项目")
            st.table(
                pd.DataFrame(
                    {
                        "评估项目": [g.name for g in result.items],
                        "得分": [points(g.score) for g in result.items],
                        "满分": [points(g.max) for g in result.items],
                        "得分率": [_rate(g.pct) for g in result.items],
                    }
                ),
                hide_index=True,
            )

    st.subheader("按评估内容")
    st.table(
        pd.DataFrame(
            {
                "评估项目": [g.item for g in result.contents],
                "评估内容": [g.name for g in result.contents],
                "得分": [points(g.score) for g in result.contents],
                "满分": [points(g.max) for g in result.contents],
                "得分率": [_rate(g.pct) for g in result.contents],
            }
        ),
        hide_index=True,
    )
    st.plotly_chart(content_bars(result), key="bars.contents", config={"displayModeBar": False})


def _gaps(rubric: Rubric, result: Result) -> None:
    """提分空间: the indicators with the most points still to gain, criterion by criterion."""
    st.subheader("提分空间：还能得分最多的指标")
    gaps = sorted(
        (r for r in result.indicators.values() if r.max > r.score),
        key=lambda r: (-(r.max - r.score), r.id),
    )
    if not gaps:
        st.success("每个指标都已拿到满分。")
    else:
        st.caption("每个指标下列出每个还能加分的评分项（单独达到时可加的分数，不超过指标上限）。")
        st.table(_gap_rows(rubric, result, gaps[:GAP_INDICATORS_SHOWN]), hide_index=True)
        rest = gaps[GAP_INDICATORS_SHOWN:]
        if rest:
            with st.expander(f"其余 {len(rest)} 个指标"):
                st.table(_gap_rows(rubric, result, rest), hide_index=True)


def _open_criteria(rubric: Rubric, result: Result) -> None:
    """The criteria still blank where an answer could change the score, by item, with links."""
    st.subheader("尚未评定的评分项")
    saved = session().answers
    unanswered = [
        (c, i)
        for i, item in enumerate(rubric.items)
        for content in item.contents
        for ind in content.indicators
        if not result.indicators[ind.id].complete
        for c in ind.criteria
        if not (saved.get(c.id) and saved[c.id].answered)
    ]
    if not unanswered:
        st.success("全部评分项均已评定（已达上限或已取最高一级的指标，其余空项不影响得分）。")
    else:
        st.caption(
            f"共 {len(unanswered)} 项。已达上限或已取最高一级的指标中的空项不影响得分，不再列出。"
        )
        by_item: dict[int, list] = {}
        for c, i in unanswered:
            by_item.setdefault(i, []).append(c)
        for i, criteria in by_item.items():
            with st.expander(f"{rubric.items[i].name}：{len(criteria)} 项未评"):
                for c in criteria:
                    st.markdown(f":gray[{c.id}]　{c.text}")
                st.page_link(
                    routes.page(rubric, routes.item_url(i)),
                    label="去填写",
                    icon=":material/edit:",
                    query_params=state.link_params(),
                )


def _gap_rows(rubric: Rubric, result: Result, gaps: list) -> pd.DataFrame:
    rows = []
    for r in gaps:
        item, content = rubric.place_of[r.id]
        criteria = rubric.indicator_by_id[r.id].criteria
        for cid, gain in room(rubric, result, r.id).items():
            rows.append(
                {
                    "指标": f"指标 {r.id}",
                    "尚可得分": points(r.max - r.score),
                    "当前得分": f"{points(r.score)} / {points(r.max)}",
                    "评分项": cid,
                    "该项可加": points(gain),
                    "评分项内容": next(c.text for c in criteria if c.id == cid),
                    "评估项目 · 评估内容": f"{item.name} · {content.name}",
                }
            )
    return pd.DataFrame(rows)
