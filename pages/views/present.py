"""演示模式: one indicator per screen in large type for a projector; sidebar hidden.
Optionally a sample unit's answer and the key's reasoning. Needs no assessment."""

from __future__ import annotations

import streamlit as st

from jiguan.format import points
from jiguan.rubric import Rubric
from jiguan.scoring import answer_words
from jiguan.training import KIND_LABELS, indicator_kind, rule_explanation, worked_examples
from pages.common import state
from pages.common.routes import chinese_number
from pages.common.text import plain
from pages.common.training_ui import get_samples

ss = st.session_state

# Static CSS only. Type scales with the window width (readable at the back of a room at
# 1024 px and at 1920 px); the sidebar is hidden so the indicator gets the whole screen.
_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding-left: 3vw !important; padding-right: 3vw !important; padding-top: 3.6rem; }
.st-key-present-body p, .st-key-present-body li {
  font-size: clamp(1.5rem, 2.8vw, 2.8rem) !important; line-height: 1.45 !important; }
.st-key-present-body h1 { font-size: clamp(2.2rem, 4.2vw, 4.2rem) !important; }
.st-key-present-body h3 { font-size: clamp(1.3rem, 2.1vw, 2.3rem) !important; }
.st-key-present-body [data-testid="stCaptionContainer"] p {
  font-size: clamp(1.2rem, 2vw, 2.1rem) !important; }
.st-key-present-controls button p, .st-key-present-controls label p { font-size: 1.15rem; }
</style>
"""


def _order(rubric: Rubric) -> list[int]:
    return list(rubric.indicator_by_id)


def _step(delta: int) -> None:
    n = len(_order(state.get_rubric()))
    ss["present.pos"] = max(0, min(n - 1, ss.get("present.pos", 0) + delta))


def _jump() -> None:
    rubric = state.get_rubric()
    index = ss.get("present.item", 0)
    first = rubric.items[index].contents[0].indicators[0].id
    ss["present.pos"] = _order(rubric).index(first)


def _controls(rubric: Rubric, pos: int) -> None:
    order = _order(rubric)
    with st.container(horizontal=True, vertical_alignment="bottom", key="present-controls"):
        st.button(
            "上一条",
            icon=":material/arrow_back:",
            on_click=_step,
            args=(-1,),
            disabled=pos == 0,
            key="present.prev",
        )
        st.button(
            "下一条",
            icon=":material/arrow_forward:",
            on_click=_step,
            args=(1,),
            disabled=pos == len(order) - 1,
            key="present.next",
            type="primary",
        )
        st.selectbox(
            "跳到评估项目",
            range(len(rubric.items)),
            format_func=lambda i: f"{chinese_number(i + 1)}、{rubric.items[i].name}",
            key="present.item",
            placeholder="选择评估项目",
            on_change=_jump,
            width=260,
        )
        st.toggle("示例单位", key="present.show_sample")
        if ss.get("present.show_sample"):
            samples = get_samples()
            st.selectbox(
                "示例单位",
                [s.id for s in samples],
                format_func=lambda sid: next(s.unit for s in samples if s.id == sid),
                key="present.sample",
                placeholder="选择示例单位",
                label_visibility="collapsed",
                width=220,
            )


def render() -> None:
    """One indicator per screen."""
    rubric = state.get_rubric()
    st.html(_STYLE)
    order = _order(rubric)
    pos = max(0, min(len(order) - 1, int(ss.get("present.pos", 0))))
    ss["present.pos"] = pos
    _controls(rubric, pos)
    ind = rubric.indicator_by_id[order[pos]]
    item, content = rubric.place_of[ind.id]
    item_no = chinese_number(rubric.items.index(item) + 1)
    with st.container(key="present-body"):
        st.caption(f"{item_no}、{item.name} › {content.name}　·　{pos + 1} / {len(order)}")
        st.title(f"指标 {ind.id}　满分 {points(ind.max)} 分", anchor=False)
        st.markdown(plain(ind.text))
        kind = KIND_LABELS[indicator_kind(ind)]
        st.markdown(
            f"**计分规则**（{kind}）　{plain(rule_explanation(ind))}  \n"
            f"**评估方式**　{plain('、'.join(ind.methods))}"
        )
        st.markdown(
            "**算例**　" + "；".join(plain(case.text) for case in worked_examples(rubric, ind))
        )
        if ss.get("present.show_sample"):
            _sample(rubric, ind.id)


def _sample(rubric: Rubric, ind_id: int) -> None:
    samples = get_samples()
    sample = next((s for s in samples if s.id == ss.get("present.sample")), samples[0])
    ind = rubric.indicator_by_id[ind_id]
    st.subheader(f"{plain(sample.title)}", anchor=False)
    lines = []
    for c in ind.criteria:
        claimed = sample.sheet.get(c.id)
        evidence = (claimed.evidence.strip() if claimed else "") or "（无佐证）"
        lines.append(f"- {c.id} 自评：{plain(answer_words(c, claimed))}　佐证：{plain(evidence)}")
    key = sample.key[ind_id]
    lines.append(f"- **答案：{points(key.score)} 分**　{plain(key.reason)}")
    st.markdown("\n".join(lines))
