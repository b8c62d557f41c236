"""评估指引: the whole rubric, filterable and searchable, each indicator with its rule in plain
Chinese and worked examples. Needs no assessment."""

from __future__ import annotations

from functools import partial

import streamlit as st

from jiguan.format import points
from jiguan.reports import BLANK_FORMATS, blank_form_filename, build_blank_form
from jiguan.reports.handouts import build_guide_handout
from jiguan.rubric import Indicator, Rubric
from jiguan.training import (
    KIND_LABELS,
    indicator_kind,
    method_notes,
    rule_explanation,
    worked_examples,
)
from pages.common import state
from pages.common.routes import chinese_number
from pages.common.text import plain
from pages.common.ui import badge


def _searchable(rubric: Rubric, indicator: Indicator) -> str:
    item, content = rubric.place_of[indicator.id]
    parts = [
        f"指标{indicator.id}",
        f"指标 {indicator.id}",
        item.name,
        content.name,
        indicator.text,
        rule_explanation(indicator),
        *indicator.methods,
        *(c.text for c in indicator.criteria),
        *indicator.guidance.evidence,
    ]
    return "\n".join(parts).lower()


def _filters(rubric: Rubric) -> list[Indicator]:
    indicators = [ind for _, _, ind in rubric.indicators()]
    methods = sorted({m for ind in indicators for m in ind.methods})
    maxima = sorted({ind.max for ind in indicators})
    top = st.columns([2, 2, 2, 1.4], vertical_alignment="bottom")
    items = top[0].multiselect(
        "评估项目", [item.name for item in rubric.items], key="guide.items", placeholder="全部"
    )
    chosen_methods = top[1].multiselect(
        "评估方式", methods, key="guide.methods", placeholder="全部"
    )
    kinds = top[2].multiselect(
        "计分方式",
        list(KIND_LABELS),
        format_func=KIND_LABELS.__getitem__,
        key="guide.kinds",
        placeholder="全部",
    )
    chosen_points = top[3].multiselect(
        "满分",
        maxima,
        format_func=lambda p: f"{points(p)} 分",
        key="guide.points",
        placeholder="全部",
    )
    query = st.text_input(
        "全文搜索", key="guide.q", placeholder="如：文号、实地查看、最高、培训、17"
    ).strip()
    terms = query.lower().split()
    kept = []
    for ind in indicators:
        item, _ = rubric.place_of[ind.id]
        if items and item.name not in items:
            continue
        if chosen_methods and not set(chosen_methods) & set(ind.methods):
            continue
        if kinds and indicator_kind(ind) not in kinds:
            continue
        if chosen_points and ind.max not in chosen_points:
            continue
        text = _searchable(rubric, ind)
        if terms and not all(t in text for t in terms):
            continue
        kept.append(ind)
    return kept


def _indicator(rubric: Rubric, ind: Indicator) -> None:
    with st.container(border=True, key=f"guide.ind.{ind.id}"):
        kind = indicator_kind(ind)
        badges = " ".join(
            [badge(KIND_LABELS[kind], color="violet")]
            + [badge(m, icon=":material/search:", color="blue") for m in ind.methods]
        )
        st.markdown(f"#### 指标 {ind.id}　·　满分 {points(ind.max)} 分\n\n{badges}")
        st.markdown(plain(ind.text))
        if len(ind.criteria) > 1:
            st.caption(
                "评分项　"
                + "　".join(
                    f"{c.id}（{'每' + (c.unit or '项') + ' ' if c.kind == 'count' else ''}"
                    f"{points(c.points)} 分）"
                    for c in ind.criteria
                )
            )
        st.markdown(f"**计分规则**　{plain(rule_explanation(ind))}")
        cases = worked_examples(rubric, ind)
        st.markdown(
            "**算例**（由评分引擎计算）\n" + "\n".join(f"- {plain(case.text)}" for case in cases)
        )
        with st.expander("评估方式与佐证"):
            st.markdown("\n".join(f"- {plain(n)}" for n in method_notes(ind.methods)))
            if ind.guidance.evidence:
                st.markdown("常见佐证：" + "、".join(plain(e) for e in ind.guidance.evidence))


def render() -> None:
    """评估指引 browser."""
    rubric = state.get_rubric()
    st.title("评估指引")
    st.caption(
        f"《{plain(rubric.title)}》（{plain(rubric.source)}）：{len(rubric.items)} 个评估项目、"
        f"{sum(len(i.contents) for i in rubric.items)} 项评估内容、"
        f"{len(rubric.indicator_by_id)} 个指标，满分 {points(rubric.max)} 分。"
        "无需新建自评即可浏览。"
    )
    row = st.container(horizontal=True)
    for fmt, spec in BLANK_FORMATS.items():
        row.download_button(
            spec.label,
            data=partial(build_blank_form, fmt, rubric),
            file_name=blank_form_filename(fmt),
            mime=spec.mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"guide.blank.{fmt}",
        )
    row.download_button(
        "评估指引讲义（PDF）",
        data=partial(build_guide_handout, rubric),
        file_name="评估指引讲义.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/print:",
        key="guide.handout",
    )
    kept = _filters(rubric)
    st.caption(f"显示 {len(kept)} / {len(rubric.indicator_by_id)} 个指标")
    if not kept:
        st.info("没有符合筛选条件的指标。请放宽筛选或换一个搜索词。", icon=":material/search_off:")
        return
    shown = {ind.id for ind in kept}
    for i, item in enumerate(rubric.items):
        if not any(ind.id in shown for c in item.contents for ind in c.indicators):
            continue
        st.header(f"{chinese_number(i + 1)}、{item.name}（{points(item.max)} 分）", divider="gray")
        for content in item.contents:
            inds = [ind for ind in content.indicators if ind.id in shown]
            if not inds:
                continue
            st.subheader(f"{content.name}（{points(content.max)} 分）")
            for ind in inds:
                _indicator(rubric, ind)
