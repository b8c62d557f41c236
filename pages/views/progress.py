"""历轮进展: the rounds linked by 复制为下一轮, oldest first, each scored by the 评估组 when its
review is finalised and by the unit's own answers otherwise; what improved and what fell back
from the previous round to this one."""

from __future__ import annotations

import streamlit as st

from jiguan.charts import radar_overlay
from jiguan.format import points
from jiguan.rectification import RectificationItem, round_steps
from jiguan.review import Progress, panel_sheet, round_progress, signed
from jiguan.store import StoreError
from pages.common import state
from pages.common.text import plain
from pages.common.ui import banners, require_assessment

PANEL, SELF = "评估组定稿", "单位自评"


def _rounds() -> tuple[list[tuple[str, dict, str]], list[list[RectificationItem]]]:
    """Each round's (label, sheet, score source) and its 整改事项, oldest first."""
    store = state.get_store()
    out = []
    ledgers: list[list[RectificationItem]] = []
    for info in store.rounds(state.open_id()):
        try:
            ledgers.append(store.rectification.items(info.id))
        except StoreError:  # a practice has no 整改台账
            ledgers.append([])
        review = store.reviews.get(info.id)
        if review is not None and review.final:
            verdicts = {cid: v.verdict for cid, v in store.reviews.verdicts(info.id).items()}
            out.append((info.round_name, panel_sheet(verdicts), PANEL))
        else:
            out.append((info.round_name, store.answers(info.id), SELF))
    return out, ledgers


def _rectification(progress: Progress, ledgers: list[list[RectificationItem]]) -> None:
    """Round over round: what became of each round's 整改事项 in the next round's score."""
    rubric = state.get_rubric()
    pairs = list(zip(progress.rounds, progress.rounds[1:], ledgers, strict=False))
    if not any(ledger for *_, ledger in pairs):
        return
    st.subheader("整改成效", divider="violet")
    for before, after, ledger in pairs:
        steps = round_steps(rubric, ledger, after.result)
        if not steps:
            continue
        closed = [s for s in steps if s.closed]
        regained = sum(max(s.regained, 0) for s in steps)
        st.markdown(
            f"**{plain(before.label)} → {plain(after.label)}**（{after.basis}）："
            f"整改事项 {len(steps)} 项，其中 {len(closed)} 项在下一轮不再失分，"
            f"挽回 {points(regained)} 分"
        )
        st.dataframe(
            [
                {
                    "指标": f"指标 {s.indicator_id}",
                    "上一轮整改状态": s.status,
                    "上一轮失分": s.lost_before,
                    "本轮失分": s.lost_after,
                    "挽回": s.regained,
                    "结果": "已消除" if s.closed else "仍失分",
                }
                for s in steps
            ],
            hide_index=True,
            key=f"progress.rect.{before.label}.{after.label}",
        )


def render() -> None:
    if not require_assessment():
        return
    banners()
    st.title("历轮进展")
    try:
        rounds, ledgers = _rounds()
    except StoreError as exc:
        st.error(f"读取历轮自评失败：{plain(str(exc))}")
        return
    progress = round_progress(state.get_rubric(), rounds)
    if len(rounds) < 2:
        st.info(
            "这是本单位的第一轮。在首页用「复制为下一轮」开始下一轮后，这里将逐轮对比得分。",
            icon=":material/info:",
        )
    st.dataframe(
        [{"轮次": r.label, "得分依据": r.basis, "总分": r.result.total} for r in progress.rounds],
        hide_index=True,
        key="progress.totals",
    )
    labels = [f"{r.label}（{r.basis}）" for r in progress.rounds]
    fig = radar_overlay(list(zip(labels, (r.result for r in progress.rounds), strict=True)))
    st.plotly_chart(fig, key="progress.radar", config={"displayModeBar": False})
    st.subheader("各评估项目", divider="gray")
    st.dataframe(
        [
            {"评估项目": name, "满分": mx, **dict(zip(labels, scores, strict=True))}
            for name, mx, scores in progress.items
        ],
        hide_index=True,
        key="progress.items",
    )
    if len(rounds) >= 2:
        up, down = st.columns(2)
        with up:
            st.subheader(f"提高的指标（{len(progress.improved())}）", divider="green")
            for m in progress.improved():
                st.markdown(
                    f"{m.name}：{points(m.before)} → {points(m.after)}（{signed(m.change)}）"
                )
        with down:
            st.subheader(f"回落的指标（{len(progress.fell_back())}）", divider="red")
            for m in progress.fell_back():
                st.markdown(
                    f"{m.name}：{points(m.before)} → {points(m.after)}（{signed(m.change)}）"
                )
    if len(rounds) >= 2:
        _rectification(progress, ledgers)
    with st.expander("各指标逐轮得分"):
        st.dataframe(
            [
                {"指标": ind, "满分": mx, **dict(zip(labels, scores, strict=True))}
                for ind, mx, scores in progress.indicators
            ],
            hide_index=True,
            key="progress.indicators",
        )
