"""One renderer for every 评估项目 page (app.py makes one st.Page per item in the rubric).

Each indicator is a bordered box drawn by one keyed fragment: its head, and per criterion the
answer row and the evidence block (an expander whose contents are drawn only while it is
open). A widget callback saves the change and reruns only what can show it
(``st.rerun([...keys])``): the sidebar totals, the item heading and the box, and, when points
moved, the content heading and the sidebar's item row and radar. The rest of the page and the
app script do not run again. (Measured in 1.67: callback to first fragment start 2-7 ms once
``runner.postScriptGC`` is off, 100-500 ms with it on; see .streamlit/config.toml.)
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from jiguan.rubric import Content, Criterion, Indicator, Item
from jiguan.scoring import UNANSWERED as FLAG_UNANSWERED
from jiguan.scoring import Result
from jiguan.store import ALLOWED_EXTENSIONS, StoreError, StoreUnavailable, format_time
from pages import state
from pages.nav import item_title, walk
from pages.sidebar import RADAR_KEY, SIDEBAR_KEY, item_row_key
from pages.ui import badge, flag_badge_line, plain, pts, require_assessment, store_banner

ITEM_HEAD_KEY = "itemhead"


def render_item(index: int) -> None:
    rubric = state.get_rubric()
    item = rubric.items[index]
    if not require_assessment():
        return
    store_banner()
    st.title(item_title(index, item))
    _item_head(index, item)
    for ci, content in enumerate(item.contents):
        content_key = f"content{ci}"
        st.fragment(key=content_key)(_content_head)(content)
        page = _PageKeys(
            scores=(content_key, item_row_key(index), RADAR_KEY),
            status=(SIDEBAR_KEY, ITEM_HEAD_KEY),
        )
        for ind in content.indicators:
            _indicator(ind, page)
    _prev_next(index)


@st.fragment(key=ITEM_HEAD_KEY)
def _item_head(index: int, item: Item) -> None:
    result = state.result()
    group = result.items[index]
    indicators = [ind for content in item.contents for ind in content.indicators]
    flagged = sum(1 for ind in indicators if result.indicators[ind.id].flags)
    criteria = [c for ind in indicators for c in ind.criteria]
    answered = sum(
        1
        for c in criteria
        if state.current_answers().get(c.id, None) is not None
        and state.current_answers()[c.id].answered
    )
    with st.container(horizontal=True):
        st.metric("本项得分", f"{pts(group.score)} / {pts(group.max)}")
        st.metric("得分率", f"{group.pct:.0f}%")
        st.metric("已评评分项", f"{answered} / {len(criteria)}")
        st.metric("待处理指标", f"{flagged}")


def _content_head(content: Content) -> None:
    group = next(g for g in state.result().contents if g.name == content.name)
    st.subheader(f"{content.name}", divider="gray")
    st.caption(f"评估内容 · 满分 {pts(content.max)} 分 · 当前得分 {pts(group.score)} 分")


def _uncovered_lines(ind: Indicator) -> list[str]:
    """Lines of the indicator text that no criterion repeats (e.g. 本部分最高分为 10 分)."""
    keys = [c.text.rstrip("。；;，, ") for c in ind.criteria]
    return [
        line for line in ind.text.splitlines() if line.strip() and not any(k in line for k in keys)
    ]


class _PageKeys(NamedTuple):
    """The fragments outside an indicator that a change in it may redraw."""

    scores: tuple[str, ...]  # show only points: the content heading, sidebar item row, radar
    status: tuple[str, ...]  # show answered counts and flags too: sidebar totals, item heading


def _indicator(ind: Indicator, page: _PageKeys) -> None:
    """One bordered box, a keyed fragment: the indicator's head, then per criterion its answer
    row and its evidence block (drawn only while open, so redrawing the box after an answer
    costs little)."""
    with st.container(border=True):
        st.fragment(key=_box_key(ind))(_indicator_body)(ind, page)


def _box_key(ind: Indicator) -> str:
    return f"ind{ind.id}"


def _indicator_body(ind: Indicator, page: _PageKeys) -> None:
    _indicator_head(ind)
    for criterion in ind.criteria:
        _criterion(criterion, ind, page)
        _evidence(criterion, ind, page)


def _indicator_head(ind: Indicator) -> None:
    result = state.result()
    r = result.indicators[ind.id]
    single = len(ind.criteria) == 1
    head, score_col = st.columns([6, 1.2], vertical_alignment="top")
    with head:
        text = ind.text if single else "\n".join(_uncovered_lines(ind))
        title = f"**指标 {ind.id}**"
        st.markdown(f"{title}　{plain(text)}" if text else title)
        methods = [badge(m, icon=":material/search:", color="blue") for m in ind.methods]
        st.markdown(" ".join([*methods, flag_badge_line(r.flags)]))
    with score_col:
        # No-break spaces: the narrow score column must not wrap "分" onto its own line.
        score_text = f"{pts(r.score)}\u00a0/\u00a0{pts(r.max)}\u00a0分"
        st.markdown(f"#### {score_text}", text_alignment="right")
    _rules_note(ind, result.criteria)
    if ind.guidance.evidence:
        st.caption(
            "参考佐证材料（本工具的建议，不属于评分标准）：" + "；".join(ind.guidance.evidence)
        )


def _rules_note(ind: Indicator, points: dict[str, float]) -> None:
    if ind.combine == "max":
        top = max((points.get(c.id, 0.0) for c in ind.criteria), default=0.0)
        st.info(
            f"本指标**不累加，只取最高一级**：可如实评定每一级，系统按得分最高的一级计分"
            f"（当前计 {pts(top)} 分）。",
            icon=":material/stairs:",
        )
    elif ind.cap is not None and any(c.kind == "count" for c in ind.criteria):
        raw = sum(points.get(c.id, 0.0) for c in ind.criteria)
        counted = min(raw, ind.cap)
        tail = "，已达上限" if raw >= ind.cap else ""
        st.info(
            f"按数量计分，**本指标最高 {pts(ind.cap)} 分**：各项合计 {pts(raw)} 分，"
            f"计入 {pts(counted)} 分{tail}。",
            icon=":material/functions:",
        )


def _criterion(criterion: Criterion, ind: Indicator, page: _PageKeys) -> None:
    cid = criterion.id
    single = len(ind.criteria) == 1
    state.seed_widgets(criterion)
    notice = state.ss.notices.get(cid)
    if notice:
        kind, message = notice
        (st.warning if kind == "warning" else st.error)(
            plain(message), icon=":material/sync_problem:"
        )
    if not single:
        st.markdown(f":gray[{cid}]　{plain(criterion.text)}")
    on_change = partial(_changed, cid, _Targets(_box_key(ind), page))
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        if criterion.kind == "count":
            unit = criterion.unit or "项"
            n = st.number_input(
                f"数量（{unit}）",
                min_value=0,
                step=1,
                format="%d",
                placeholder="未评",
                key=f"ans.{cid}",
                on_change=on_change,
                width=150,
            )
            yielded = "未评" if n is None else f"计 {pts(n * criterion.points)} 分"
            st.markdown(f"每{unit} {pts(criterion.points)} 分 · {yielded}")
        else:
            choice = st.segmented_control(
                f"评定（满分 {pts(criterion.points)} 分）",
                state.CHECK_OPTIONS,
                format_func=state.CHECK_LABELS.get,
                required=True,
                key=f"ans.{cid}",
                on_change=on_change,
            )
            if choice == "partial":
                st.number_input(
                    f"部分符合得分（0.5–{pts(criterion.points - 0.5)}）",
                    min_value=0.5,
                    max_value=criterion.points - 0.5,
                    step=0.5,
                    format="%.1f",
                    key=f"pts.{cid}",
                    on_change=on_change,
                    width=190,
                )
            if ind.combine == "max" and choice in ("yes", "partial"):
                _level_badge(criterion, ind)


def _evidence(criterion: Criterion, ind: Indicator, page: _PageKeys) -> None:
    cid = criterion.id
    single = len(ind.criteria) == 1
    targets = _Targets(_box_key(ind), page)
    on_change = partial(_changed, cid, targets)
    label = "佐证材料与备注" if single else f"佐证材料与备注（{cid}）"
    # Stateful (on_change="rerun"), so a closed block sends nothing and opening it reruns only
    # this fragment: the widgets below are most of an item page's cost. Their values live in
    # the answers, so nothing is lost while they are not drawn.
    block = st.expander(label, icon=":material/attach_file:", key=f"open.{cid}", on_change="rerun")
    if not block.open:
        state.forget_evidence_widgets(cid)
        return
    state.seed_evidence_widgets(criterion)
    answer = state.current_answers().get(cid)
    n_entries = len([x for x in (answer.evidence if answer else "").splitlines() if x.strip()])
    n_files = len(state.ss.files.get(cid, ()))
    with block:
        st.caption(f"已填 {n_entries} 条佐证，已上传 {n_files} 个文件")
        left, right = st.columns([3, 2])
        with left:
            st.text_area(
                "佐证材料（每行一条：文件名称、文号或链接）",
                key=f"ev.{cid}",
                on_change=on_change,
                height=100,
                placeholder="例如：关于成立标准化试点工作领导小组的通知（某机关发〔2025〕1号）",
            )
            st.text_input("备注", key=f"note.{cid}", on_change=on_change)
            if st.toggle("显示修改记录", key=f"hist.{cid}"):
                _history(criterion)
        with right:
            _files(cid, targets)


EVENTS = {
    "answer": "修改答案",
    "file_added": "上传文件",
    "file_removed": "移除文件",
    "copied": "复制",
}


def _history(criterion: Criterion) -> None:
    try:
        entries = state.get_store().history(state.ss.aid, criterion.id)
    except StoreError as exc:
        st.caption(f"暂时无法读取修改记录：{plain(str(exc))}")
        return
    if not entries:
        st.caption("还没有修改记录。")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "时间": [format_time(e.changed_at) for e in reversed(entries)],
                "修改人": [e.changed_by for e in reversed(entries)],
                "操作": [EVENTS.get(e.event, e.event) for e in reversed(entries)],
                "原内容": [
                    e.filename or state.describe(criterion, e.old) for e in reversed(entries)
                ],
                "新内容": [
                    e.filename or state.describe(criterion, e.new) for e in reversed(entries)
                ],
            }
        ),
        hide_index=True,
        height=min(36 * len(entries) + 40, 260),
    )


def _level_badge(criterion: Criterion, ind: Indicator) -> None:
    points = state.result().criteria
    mine = points.get(criterion.id, 0.0)
    top = max(points.get(c.id, 0.0) for c in ind.criteria)
    if mine > 0 and mine == top:
        first = next(c.id for c in ind.criteria if points.get(c.id, 0.0) == top)
        if first == criterion.id:
            st.badge("计分的一级", icon=":material/star:", color="green")
            return
    st.badge("不计分（已有更高一级）", color="gray")


def _files(cid: str, targets: _Targets) -> None:
    store = state.get_store()
    for f in state.ss.files.get(cid, ()):
        name, dl, rm = st.columns([5, 2, 2], vertical_alignment="center")
        name.markdown(f":material/description: {plain(f.filename)} :gray[{_size(f.size)}]")
        dl.download_button(
            "下载",
            data=partial(store.read_file, f.id),
            file_name=f.filename,
            mime=f.content_type,
            on_click="ignore",
            key=f"dl.{f.id}",
        )
        rm.button("移除", key=f"rm.{f.id}", on_click=partial(_remove_file, cid, f.id, targets))
    gen = state.ss.setdefault("upload_gens", {}).get(cid, 0)
    limit = store.max_file_bytes / 2**20
    st.file_uploader(
        "上传佐证文件",
        type=list(ALLOWED_EXTENSIONS),
        key=f"file.{cid}.{gen}",
        on_change=partial(_upload, cid, targets),
        max_upload_size=max(1, round(limit)),
    )
    st.caption(f"支持 {'、'.join(ALLOWED_EXTENSIONS)}；单个文件不超过 {limit:g} MB")


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024))} KB"


# ---------------------------------------------------------------------------------------------
# Callbacks


class _Targets(NamedTuple):
    """What a change in one indicator box redraws: the box, and what its page shows of the
    totals, flags and (when they moved) points; see ``_rerun``."""

    box: str
    page: _PageKeys


def _changed(cid: str, targets: _Targets) -> None:
    """An answer, points, evidence or note changed: save, then redraw the box and what shows
    its points or flags."""
    before = state.result()
    state.commit(state.get_rubric().criteria[cid])
    _rerun(targets, before)


def _upload(cid: str, targets: _Targets) -> None:
    ss = state.ss
    before = state.result()
    gens = ss.setdefault("upload_gens", {})
    key = f"file.{cid}.{gens.get(cid, 0)}"
    uploaded = ss.get(key)
    if uploaded is not None:
        try:
            state.get_store().add_file(
                ss.aid, cid, uploaded.name, uploaded.getvalue(), user=state.who()
            )
            state.reload_files(cid)
            ss.notices.pop(cid, None)
        except StoreUnavailable as exc:
            ss.notices[cid] = ("error", f"文件未能上传，数据库暂时不可用：{exc}")
        except StoreError as exc:
            ss.notices[cid] = ("error", str(exc))
    gens[cid] = gens.get(cid, 0) + 1
    _rerun(targets, before)


def _remove_file(cid: str, file_id: int, targets: _Targets) -> None:
    ss = state.ss
    before = state.result()
    try:
        state.get_store().remove_file(file_id, user=state.who())
        state.reload_files(cid)
    except StoreError as exc:
        ss.notices[cid] = ("error", f"未能移除文件：{exc}")
    _rerun(targets, before)


def _rerun(targets: _Targets, before: Result) -> None:
    """Rerun the totals and flags, then the box, then the page's score fragments if the change
    moved any points. Fragments rerun in this order, so the sidebar total a user watches is
    redrawn first."""
    page = targets.page
    keys = [*page.status, targets.box]
    after = state.result()
    if after.items != before.items or after.contents != before.contents:
        keys += page.scores
    try:
        st.rerun(keys)
    except StreamlitAPIException:  # a target has not rendered yet: rerun everything
        st.rerun()


# ---------------------------------------------------------------------------------------------
# 上一部分 / 下一部分


def _prev_next(index: int) -> None:
    rubric = state.get_rubric()
    order = walk(rubric)
    here = index + 1
    prev_page, next_page = order[here - 1], order[here + 1]
    st.divider()
    left, _, right = st.columns([2, 3, 2])
    if left.button(
        f"上一部分：{prev_page.title}",
        key="nav.prev",
        icon=":material/arrow_back:",
        width="stretch",
    ):
        st.switch_page(prev_page)
    if right.button(
        f"下一部分：{next_page.title}",
        key="nav.next",
        icon=":material/arrow_forward:",
        icon_position="right",
        type="primary",
        width="stretch",
    ):
        st.switch_page(next_page)


__all__ = ["FLAG_UNANSWERED", "render_item"]
