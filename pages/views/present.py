"""演示模式: one indicator per screen in large type for a projector; sidebar hidden.
Optionally a sample unit's answer and the key's reasoning. Needs no assessment."""

from __future__ import annotations

import streamlit as st

from jiguan.format import points
from jiguan.rubric import Rubric
from jiguan.scoring import answer_words
from jiguan.training import KIND_LABELS, indicator_kind, rule_explanation, worked_examples
from pages.common import routes, scripts, state
from pages.common.routes import chinese_number
from pages.common.text import plain
from pages.common.training_ui import get_samples

ss = st.session_state

# Static CSS only. Type scales with the window width (readable at the back of a room at
# 1024 px and at 1920 px); the sidebar is hidden so the indicator gets the whole screen.
_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding: 0.8rem 3vw 1rem 3vw !important; }
.st-key-present-body p, .st-key-present-body li {
  font-size: clamp(1.5rem, 2.8vw, 2.8rem) !important; line-height: 1.45 !important; }
.st-key-present-body h1 { font-size: clamp(2.2rem, 4.2vw, 4.2rem) !important; }
.st-key-present-body [data-testid="stCaptionContainer"] p {
  font-size: clamp(1.2rem, 2vw, 2.1rem) !important; }
.st-key-present-body-sample p, .st-key-present-body-sample li {
  font-size: clamp(1.05rem, 1.6vw, 2.2rem) !important; line-height: 1.4 !important; }
.st-key-present-body-sample h1 { font-size: clamp(1.6rem, 2.8vw, 3.4rem) !important;
  padding: 0.2rem 0 !important; }
.st-key-present-body-sample h3 { font-size: clamp(1.2rem, 2vw, 2.4rem) !important;
  padding: 0.2rem 0 !important; }
.st-key-present-body-sample [data-testid="stCaptionContainer"] p {
  font-size: clamp(0.95rem, 1.5vw, 1.9rem) !important; }
.st-key-present-controls button p, .st-key-present-controls label p { font-size: 1.15rem; }
</style>
"""


def _order(rubric: Rubric) -> list[int]:
    return list(rubric.indicator_by_id)


POSITION = "present.ind"
WRITTEN = "present.written"  # the ?ind= values this session has put in the address


def _pos(rubric: Rubric) -> int:
    """Where the presentation is: the indicator in the url (``?ind=17``: a reload, a link),
    unless the url shows a place this session itself put there earlier. A click carries the
    address the browser showed when it was made, which lags behind the last move when a
    clicker is pressed quickly; then the session's own record of the place wins."""
    order = _order(rubric)
    raw = st.query_params.get("ind", "")
    held = ss.get(POSITION)
    if held in order and (not raw or raw in ss.get(WRITTEN, ())):
        return order.index(held)
    return order.index(int(raw)) if raw.isdigit() and int(raw) in order else 0


def _show_place(ind_id: int) -> None:
    ss[POSITION] = ind_id
    ss.setdefault(WRITTEN, set()).add(str(ind_id))
    if st.query_params.get("ind") != str(ind_id):
        st.query_params["ind"] = str(ind_id)


def _go(rubric: Rubric, pos: int) -> None:
    order = _order(rubric)
    _show_place(order[max(0, min(len(order) - 1, pos))])
    ss["present.revealed"] = False


def _step(delta: int) -> None:
    """下一条 first reveals the sample's 答案 (when a sample is shown), then moves on."""
    rubric = state.get_rubric()
    if delta > 0 and ss.get("present.show_sample") and not ss.get("present.revealed"):
        ss["present.revealed"] = True
        return
    _go(rubric, _pos(rubric) + delta)


def _jump() -> None:
    # A press of 上一条/下一条 carries the select as the browser last drew it; pressed quickly
    # across the border of two items, that is the item just left, not a choice to go back.
    if ss.get("present.prev") or ss.get("present.next"):
        return
    rubric = state.get_rubric()
    index = ss.get("present.item", 0)
    first = rubric.items[index].contents[0].indicators[0].id
    _go(rubric, _order(rubric).index(first))


def _item_index(rubric: Rubric, ind_id: int) -> int:
    return rubric.items.index(rubric.place_of[ind_id][0])


def _controls(rubric: Rubric, pos: int, last: bool) -> None:
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
            disabled=last,
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
            label_visibility="collapsed",
        )
        st.toggle("示例单位", key="present.show_sample", on_change=_go_here)
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
        st.page_link(
            routes.page(rubric, routes.GUIDE_URL), label="退出演示", icon=":material/close:"
        )


def _go_here() -> None:
    ss["present.revealed"] = False


def render() -> None:
    """One indicator per screen."""
    rubric = state.get_rubric()
    st.html(_STYLE)
    # A presenter's clicker sends PageDown/PageUp (some: arrows, Space): pages/js/present_keys.js
    # clicks 下一条 / 上一条, once per tab, never while the user types or a menu is open.
    scripts.run("present_keys")
    order = _order(rubric)
    pos = _pos(rubric)
    ind = rubric.indicator_by_id[order[pos]]
    _show_place(ind.id)  # the address mirrors it (a stale one may have come in)
    ss["present.item"] = _item_index(rubric, ind.id)  # 跳到评估项目 shows where we are
    sample_shown = bool(ss.get("present.show_sample"))
    waiting = sample_shown and not ss.get("present.revealed")
    _controls(rubric, pos, last=pos == len(order) - 1 and not waiting)
    item, content = rubric.place_of[ind.id]
    item_no = chinese_number(rubric.items.index(item) + 1)
    body = "present-body-sample" if sample_shown else "present-body"
    with st.container(key=body):
        st.caption(f"{item_no}、{item.name} › {content.name}　·　{pos + 1} / {len(order)}")
        st.title(f"指标 {ind.id}　满分 {points(ind.max)} 分", anchor=False)
        st.markdown(plain(ind.text))
        kind = KIND_LABELS[indicator_kind(ind)]
        rule = f"**计分规则**（{kind}）　{plain(rule_explanation(ind))}"
        if sample_shown:  # the unit's claim and evidence first; 答案 on the next click
            st.markdown(rule)
            _sample(rubric, ind.id, revealed=not waiting)
            return
        st.markdown(f"{rule}  \n**评估方式**　{plain('、'.join(ind.methods))}")
        st.markdown(
            "**算例**　" + "；".join(plain(case.text) for case in worked_examples(rubric, ind))
        )


def _sample(rubric: Rubric, ind_id: int, *, revealed: bool) -> None:
    samples = get_samples()
    sample = next((s for s in samples if s.id == ss.get("present.sample")), samples[0])
    ind = rubric.indicator_by_id[ind_id]
    st.subheader(f"{plain(sample.title)}", anchor=False)
    lines = []
    for c in ind.criteria:
        claimed = sample.sheet.get(c.id)
        evidence = (claimed.evidence.strip() if claimed else "") or "（无佐证）"
        lines.append(f"- {c.id} 自评：{plain(answer_words(c, claimed))}　佐证：{plain(evidence)}")
    st.markdown("\n".join(lines))
    key = sample.key[ind_id]
    if revealed:
        st.markdown(f"**答案：{points(key.score)} 分**　{plain(key.reason)}")
    else:
        st.caption("按「下一条」（或翻页器）显示答案")
