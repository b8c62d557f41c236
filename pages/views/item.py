"""One renderer for every 评估项目 page (pages/common/routes.py makes one page per item in the
rubric).

Each indicator is a bordered box: its head and per criterion the answer row (a keyed fragment,
so a click redraws only what it changes; see pages/common/refresh.py), then per criterion the
evidence block (pages/views/evidence_block.py), outside the fragment because its fields commit
on blur. Indicators with count criteria (typed numbers) are drawn without a fragment for the
same reason.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from jiguan.format import points
from jiguan.rubric import Content, Criterion, Indicator, Item
from jiguan.scoring import PARTIAL, PARTIAL_NOTE
from pages.common import access, answers, refresh, routes, state
from pages.common.answers import ANSWERS
from pages.common.cell_widgets import check_control, count_input, points_control
from pages.common.session import session
from pages.common.text import plain
from pages.common.training_ui import is_practice, sample_evidence
from pages.common.ui import (
    badge,
    banners,
    conflict_box,
    flag_badge_line,
    given_back,
    page_total,
    read_only_note,
    require_assessment,
    scroll_to,
    stale_note,
)
from pages.views.evidence_block import evidence_block


def render(index: int) -> None:
    rubric = state.get_rubric()
    item = rubric.items[index]
    if not require_assessment():
        return
    banners()
    st.title(routes.item_title(index, item))
    writable = state.may_write(session().info)
    if not writable:
        read_only_note()
    st.fragment(key=refresh.ITEM_HEAD)(_item_head)(index, item)
    page_url = routes.item_url(index)
    for ci, content in enumerate(item.contents):
        st.fragment(key=refresh.content_head(index, ci))(_content_head)(content)
        for ind in content.indicators:
            _indicator(ind, page_url, writable)
    _prev_next(index)
    target = st.query_params.get("at", "")
    if target.isdigit() and any(
        ind.id == int(target) for content in item.contents for ind in content.indicators
    ):
        scroll_to(f"indicator-{target}")
        del st.query_params["at"]


def _item_head(index: int, item: Item) -> None:
    result = state.result()
    group = result.items[index]
    rows = [result.indicators[ind.id] for content in item.contents for ind in content.indicators]
    page_total()
    with st.container(horizontal=True, wrap=True, gap="large"):
        st.metric("本项得分", f"{points(group.score)} / {points(group.max)}", width="content")
        st.metric("得分率", f"{group.pct:.0f}%", width="content")
        st.metric(
            "已完成评分项",
            f"{sum(r.settled for r in rows)} / {sum(r.criteria for r in rows)}",
            help="已评定，或已不能再改变得分（如已达上限、已取最高一级）的评分项",
            width="content",
        )
        st.metric("待处理指标", f"{sum(1 for r in rows if r.flags)}", width="content")


def _content_head(content: Content) -> None:
    group = next(g for g in state.result().contents if g.name == content.name)
    st.subheader(f"{content.name}", divider="gray")
    st.caption(f"评估内容 · 满分 {points(content.max)} 分 · 当前得分 {points(group.score)} 分")


def _indicator(ind: Indicator, page_url: str, writable: bool) -> None:
    with st.container(border=True, key=f"indicator-{ind.id}"):
        body = partial(_indicator_body, ind, page_url, writable)
        if any(c.kind == "count" for c in ind.criteria):
            body(in_fragment=False)
        else:
            st.fragment(key=refresh.box(ind))(body)(in_fragment=True)
        if is_practice(session().info):
            return  # the sample's evidence is given, shown open in the head (sample_evidence)
        for criterion in ind.criteria:
            evidence_block(criterion, ind, page_url, writable)


def _indicator_body(ind: Indicator, page_url: str, writable: bool, *, in_fragment: bool) -> None:
    _indicator_head(ind)
    for criterion in ind.criteria:
        _criterion(criterion, ind, page_url, in_fragment, writable)


def _uncovered_lines(ind: Indicator) -> list[str]:
    """Lines of the indicator text that no criterion repeats (e.g. 本部分最高分为 10 分)."""
    keys = [c.text.rstrip("。；;，, ") for c in ind.criteria]
    return [
        line for line in ind.text.splitlines() if line.strip() and not any(k in line for k in keys)
    ]


def _indicator_head(ind: Indicator) -> None:
    result = state.result()
    r = result.indicators[ind.id]
    single = len(ind.criteria) == 1
    text = ind.text if single else "\n".join(_uncovered_lines(ind))
    title = f"**指标 {ind.id}**"
    methods = [badge(m, icon=":material/search:", color="blue") for m in ind.methods]
    badges = " ".join([*methods, flag_badge_line(r.flags)])
    # No-break spaces: the score must not wrap "分" onto its own line.
    score_text = f"{points(r.score)}\u00a0/\u00a0{points(r.max)}\u00a0分"
    lines = [f"{title}　{plain(text)}" if text else title, badges]
    practice = is_practice(session().info)
    if ind.guidance.evidence and not practice:
        # no tool suggestion beside a practice's sample evidence (issue 26: trainees scored
        # against the suggestion)
        hint = "参考佐证材料（本工具的建议，不属于评分标准）：" + "；".join(ind.guidance.evidence)
        lines.append(f":small[:gray[{plain(hint)}]]")
    # One row, two markdowns (not st.columns: three blocks more per indicator; the hint in
    # the same markdown, not a caption: one element less; ~10% of an item page's server time
    # with the other cuts; bench/README.md).
    with st.container(
        horizontal=True, wrap=False, horizontal_alignment="distribute", vertical_alignment="top"
    ):
        st.markdown("  \n".join(lines))
        st.markdown(f"#### {score_text}", width="content")
    _rules_note(ind, result.criteria)
    if practice:  # scored on the sample unit's own evidence, read-only and open
        sample_evidence(ind)


def _rules_note(ind: Indicator, earned: dict[str, float]) -> None:
    if ind.combine == "max":
        top = max((earned.get(c.id, 0.0) for c in ind.criteria), default=0.0)
        st.info(
            f"本指标**不累加，只取最高一级**：可如实评定每一级，系统按得分最高的一级计分"
            f"（当前计 {points(top)} 分）。",
            icon=":material/stairs:",
        )
    elif ind.cap is not None and any(c.kind == "count" for c in ind.criteria):
        raw = sum(earned.get(c.id, 0.0) for c in ind.criteria)
        counted = min(raw, ind.cap)
        tail = "，已达上限" if raw >= ind.cap else ""
        st.info(
            f"按数量计分，**本指标最高 {points(ind.cap)} 分**：各项合计 {points(raw)} 分，"
            f"计入 {points(counted)} 分{tail}。",
            icon=":material/functions:",
        )


def _criterion(
    criterion: Criterion, ind: Indicator, page_url: str, in_fragment: bool, writable: bool
) -> None:
    cid = criterion.id
    ANSWERS.seed(cid, "ans", "pts")
    notice = session().notices.get(cid)
    if notice:
        kind, message = notice
        (st.warning if kind == "warning" else st.error)(
            plain(message), icon=":material/sync_problem:"
        )
    given_back(ANSWERS.slot(cid))
    if len(ind.criteria) > 1:
        st.markdown(f":gray[{cid}]　{plain(criterion.text)}")
    on_change = partial(ANSWERS.on_change, in_fragment=in_fragment)
    args = (cid, "ans", page_url)
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        if criterion.kind == "count":
            unit = criterion.unit or "项"
            n = count_input(
                ANSWERS, f"数量（{unit}）", cid, on_change, args, disabled=not writable, width=150
            )
            yielded = "未评" if n is None else f"计 {points(n * criterion.points)} 分"
            st.markdown(f"每{unit} {points(criterion.points)} 分 · {yielded}")
        else:
            choice = check_control(
                ANSWERS,
                f"评定（满分 {points(criterion.points)} 分）",
                _check_options(criterion),
                cid,
                on_change,
                args,
                disabled=not writable,
            )
            if choice == PARTIAL:
                _partial_points(criterion, page_url, on_change, writable)
            if ind.combine == "max" and choice in ("yes", PARTIAL):
                _level_badge(criterion, ind)
    if criterion.kind == "count":
        stale_note(ANSWERS, cid, "ans")
        conflict_box(ANSWERS, cid, "value")
        return
    if choice == PARTIAL:
        if state.get_rubric().allow_partial:
            st.caption(PARTIAL_NOTE)
        else:
            st.warning(
                "此项保存为「部分符合」，但现行评估指引不设部分符合，请改为符合或不符合。",
                icon=":material/warning:",
            )


def _check_options(criterion: Criterion) -> list[str]:
    """符合 / 部分符合 / 不符合 / 未评; without 部分符合 when the rubric does not allow it
    (unless this criterion was saved as such before: it stays shown, to be changed)."""
    if state.get_rubric().allow_partial:
        return list(answers.CHECK_OPTIONS)
    saved = session().answers.get(criterion.id)
    keep = saved is not None and saved.value == PARTIAL
    return [o for o in answers.CHECK_OPTIONS if o != PARTIAL or keep]


def _partial_points(criterion: Criterion, page_url: str, on_change, writable: bool) -> None:
    options = answers.partial_options(criterion)
    if len(options) == 1:
        st.markdown(f"部分符合 = {points(options[0])} 分")
        return
    points_control(ANSWERS, criterion, on_change, (criterion.id, "pts", page_url), not writable)


def _level_badge(criterion: Criterion, ind: Indicator) -> None:
    earned = state.result().criteria
    mine = earned.get(criterion.id, 0.0)
    top = max(earned.get(c.id, 0.0) for c in ind.criteria)
    if mine > 0 and mine == top:
        first = next(c.id for c in ind.criteria if earned.get(c.id, 0.0) == top)
        if first == criterion.id:
            st.badge("计分的一级", icon=":material/star:", color="green")
            return
    st.badge("不计分（已有更高一级）", color="gray")


def _go(url_path: str) -> None:
    st.switch_page(routes.page(state.get_rubric(), url_path), query_params=state.link_params())


def _prev_next(index: int) -> None:
    rubric = state.get_rubric()
    order = routes.walk(rubric, access.nav_role())
    here = order.index(routes.item_url(index))
    before, after = order[here - 1], order[here + 1]
    st.divider()
    # One row, the buttons at its two ends (not columns: three blocks fewer on every item page).
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        st.button(
            f"上一部分：{routes.title(rubric, before)}",
            key="nav.prev",
            icon=":material/arrow_back:",
            on_click=_go,
            args=(before,),
            wrap=True,
        )
        st.button(
            f"下一部分：{routes.title(rubric, after)}",
            key="nav.next",
            icon=":material/arrow_forward:",
            icon_position="right",
            type="primary",
            on_click=_go,
            args=(after,),
            wrap=True,
        )
