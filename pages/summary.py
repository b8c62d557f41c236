import pandas as pd
import streamlit as st

from jiguan.charts import content_bars, radar
from jiguan.format import points
from pages import routes, state
from pages.ui import banners, require_assessment

SCORE_COLUMNS = {
    "得分": st.column_config.NumberColumn(format="%g"),
    "满分": st.column_config.NumberColumn(format="%g"),
    "得分率": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100),
}


def render() -> None:
    """汇总: totals, tables per item and content, gaps, unanswered list."""
    st.title("汇总")
    if not require_assessment():
        st.stop()
    banners()

    rubric = state.get_rubric()
    result = state.result()
    saved = state.session().answers

    cols = st.columns(4)
    cols[0].metric("总分", f"{points(result.total)} / {points(result.max)}")
    cols[1].metric("得分率", f"{100 * result.total / result.max:.0f}%")
    cols[2].metric("完成度", f"{result.completion:.0%}", help="已评评分项 / 全部评分项")
    cols[3].metric("待处理指标", len(result.flagged), help="未评或缺佐证的指标")
    if result.pass_line is not None:
        verdict = "达到" if result.passed else "未达到"
        st.caption(f"合格线 {points(result.pass_line)} 分：{verdict}")

    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("各评估项目得分率")
        st.plotly_chart(
            radar(result, height=440), key="radar.summary", config={"displayModeBar": False}
        )
    with right:
        st.subheader("按评估项目")
        st.dataframe(
            pd.DataFrame(
                {
                    "评估项目": [g.name for g in result.items],
                    "得分": [g.score for g in result.items],
                    "满分": [g.max for g in result.items],
                    "得分率": [g.pct for g in result.items],
                }
            ),
            hide_index=True,
            column_config=SCORE_COLUMNS,
            key="table.items",
        )

    st.subheader("按评估内容")
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.dataframe(
            pd.DataFrame(
                {
                    "评估项目": [g.item for g in result.contents],
                    "评估内容": [g.name for g in result.contents],
                    "得分": [g.score for g in result.contents],
                    "满分": [g.max for g in result.contents],
                    "得分率": [g.pct for g in result.contents],
                }
            ),
            hide_index=True,
            height=35 * len(result.contents) + 40,
            column_config=SCORE_COLUMNS,
            key="table.contents",
        )
    with right:
        st.plotly_chart(content_bars(result), key="bars.contents", config={"displayModeBar": False})

    st.subheader("提分空间：还能得分最多的指标")
    gaps = sorted(
        (r for r in result.indicators.values() if r.max > r.score),
        key=lambda r: (-(r.max - r.score), r.id),
    )
    if gaps:
        place = rubric.place_of
        st.dataframe(
            pd.DataFrame(
                {
                    "指标": [f"指标 {r.id}" for r in gaps],
                    "评估项目": [place[r.id][0].name for r in gaps],
                    "评估内容": [place[r.id][1].name for r in gaps],
                    "尚可得分": [r.max - r.score for r in gaps],
                    "当前得分": [f"{points(r.score)} / {points(r.max)}" for r in gaps],
                    "内容": [rubric.indicator_by_id[r.id].text.splitlines()[0] for r in gaps],
                }
            ),
            hide_index=True,
            column_config={"尚可得分": st.column_config.NumberColumn(format="%g")},
            key="table.gaps",
        )
    else:
        st.success("每个指标都已拿到满分。")

    st.subheader("尚未评定的评分项")
    unanswered = [
        (c, i)
        for i, item in enumerate(rubric.items)
        for content in item.contents
        for ind in content.indicators
        for c in ind.criteria
        if not (saved.get(c.id) and saved[c.id].answered)
    ]
    if not unanswered:
        st.success("全部评分项均已评定。")
    else:
        st.caption(f"共 {len(unanswered)} 项")
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
