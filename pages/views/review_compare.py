"""评审对照: self and panel side by side per item, indicator and criterion, biggest gaps first.

The unit sees it once the review is finalised; before that only those who may review
(`pages.common.state.may_review`) see the provisional result.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jiguan.charts import radar_overlay
from jiguan.format import format_time, points
from jiguan.review import signed
from jiguan.scoring import answer_words
from pages.common import review_input, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.ui import banners, require_assessment


def render() -> None:
    info = require_assessment()
    if info is None:
        return
    s = session()
    banners()
    st.title("评审对照")
    review_input.load()
    review = s.review
    reviewer = state.may_review(info)
    if review is None or (not review.final and not reviewer):
        st.info("评估组尚未定稿评审。定稿后，这里将逐项对照单位自评与评估组评定。")
        return
    if review.final:
        st.caption(
            f"{plain(info.title)} · 评估组：{plain(review.reviewers)} · 评估日期："
            f"{plain(review.review_date)} · {format_time(review.finalised_at)} 定稿"
        )
    else:
        st.warning(
            "评审尚未定稿，以下为暂定结果（单位在定稿后才能看到）。", icon=":material/pending:"
        )
    rubric = state.get_rubric()
    cmp = review_input.comparison()
    with st.container(horizontal=True):
        st.metric("评估组得分", f"{points(cmp.panel_result.total)} / {points(rubric.max)}")
        st.metric("单位自评", points(cmp.self_result.total))
        st.metric("差值", signed(cmp.difference))
        st.metric("不同的评分项", str(len(cmp.differences())))
    left, right = st.columns([1, 1])
    with left:
        st.subheader("各评估项目得分", divider="gray")
        st.table(  # a table, not a dataframe: it prints (a dataframe's grid does not)
            pd.DataFrame(
                [
                    {
                        "评估项目": i.name,
                        "满分": points(i.max),
                        "单位自评": points(i.self_score),
                        "评估组": points(i.panel_score),
                        "差值": signed(i.difference),
                    }
                    for i in cmp.items
                ]
            ),
            hide_index=True,
        )
    with right:
        fig = radar_overlay(
            [("单位自评", cmp.self_result), ("评估组", cmp.panel_result)], height=420
        )
        st.plotly_chart(fig, key="cmp.radar", config={"displayModeBar": False})
    st.subheader("差距最大的指标", divider="gray")
    gaps = cmp.biggest_gaps(10)
    if not gaps:
        st.success("评估组评定与单位自评一致。")
    for ind in gaps:
        reasons = "；".join(f"{cid}：{text}" for cid, text in ind.reasons) or "（无说明）"
        st.markdown(
            f"**指标 {ind.indicator_id}**（{plain(ind.item)}）自评 {points(ind.self_score)} → "
            f"评估组 {points(ind.panel_score)}，{signed(ind.difference)} 分　{plain(reasons)}"
        )
    st.subheader("逐项对照", divider="gray")
    only = st.toggle("只看不同之处", value=True, key="cmp.only")
    rows = []
    for ind in cmp.indicators:
        for row in ind.criteria:
            if only and not row.listed:
                continue
            c = rubric.criteria[row.criterion_id]
            v = row.verdict
            rows.append(
                {
                    "指标": ind.indicator_id,
                    "评分项": row.criterion_id,
                    "单位自评": answer_words(c, row.claim),
                    "评估组评定": answer_words(c, v),
                    "对总分的影响": row.effect if row.listed else None,
                    "说明": row.effect_note or ("尚未评定，暂按 0 分计" if row.pending else ""),
                    "扣分理由/评审意见": v.reason if v else "",
                    "实地查看": v.site_note if v else "",
                    "自评得分": row.self_counted,
                    "评估组得分": row.panel_counted,
                    "内容": c.text,
                }
            )
    # st.table: every column in view at 1366 px and on paper (text wraps; a dataframe scrolls
    # sideways and prints only what is in view)
    st.table(pd.DataFrame(rows), hide_index=True)
    st.caption(
        "得分与对总分的影响均已按指标上限和「只取最高一档」计算：「对总分的影响」一列之和即"
        "评估组得分与单位自评之差。"
    )
