"""投影视图 (/workshop-screen?w=CODE&i=2,3&all=1): the room on the projector while trainees
work. Anonymous (no names), large type, redrawn every few seconds, no controls but a
back link; the workshop, the exercise's indicators and 包括未交卷 come from the url, so the
trainer's 培训班结果 opens it with the same choices."""

from __future__ import annotations

import streamlit as st

from jiguan.accounts import ADMIN, TRAINER
from jiguan.scoring import ANSWER_LABELS, NO, PARTIAL, YES
from jiguan.store import StoreError
from jiguan.training import Room
from pages.common import access, state
from pages.common.text import plain
from pages.common.training_ui import (
    practices_of,
    room_address,
    room_of,
    scope_from_url,
    workshop_codes,
)

LIVE_SECONDS = 5
SHOWN = 8  # indicators on one screen

# Static CSS: no sidebar, no top menu; type sized by the window width.
_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1.5rem 3vw !important; }
.st-key-screen p { font-size: clamp(1.3rem, 2.2vw, 2.4rem) !important; line-height: 1.35; }
.st-key-screen h1 { font-size: clamp(2rem, 3.6vw, 3.8rem) !important; }
.st-key-screen [data-testid="stMetricValue"] { font-size: clamp(2.4rem, 5vw, 5rem) !important; }
.st-key-screen [data-testid="stMetricLabel"] p { font-size: clamp(1.1rem, 1.8vw, 2rem) !important; }
</style>
"""


def _shares(room: Room, ind_id: int) -> str:
    """「一致 2 · 不一致 1 · 未评 0」 and, for a one-criterion indicator, what the room chose."""
    n = room.indicator_ids.index(ind_id)
    total = len(room.labels)
    agree = total - room.differing[n] - room.unanswered[n]
    text = f"一致 {agree} 人 · 不一致 {room.differing[n]} 人 · 未评 {room.unanswered[n]} 人"
    criteria = state.get_rubric().indicator_by_id[ind_id].criteria
    if len(criteria) == 1 and criteria[0].kind != "count":
        counts = room.choices.get(criteria[0].id, {})
        picks = "　".join(
            f"{ANSWER_LABELS[v]} {counts.get(v, 0) * 100 // max(total, 1)}%"
            for v in (YES, PARTIAL, NO)
        )
        text += f"　（{picks}；答案：{ANSWER_LABELS.get(room.key_choice.get(criteria[0].id))}）"
    return text


def _live(code: str, scope: tuple[int, ...], include: bool) -> None:
    infos = practices_of(code)
    room = room_of(infos, include_in_progress=include, indicators=scope)
    rubric = state.get_rubric()
    with st.container(key="screen"):
        st.title(f"培训班 {plain(code)}", anchor=False)
        with st.container(horizontal=True, gap="large"):
            st.metric("已开始", len(infos), width="content")
            handed = sum(1 for i in infos if (i.profile or {}).get("交卷时间"))
            st.metric("已交卷", f"{handed} / {len(infos)}", width="content")
            st.metric("纳入统计", len(room.labels), width="content")
        if not room.labels:
            st.markdown("等待学员交卷……")
            return
        shown = [d.id for d in room.discussion][:SHOWN]
        if not shown:
            st.markdown("已评的指标全部与答案一致。")
            return
        st.markdown("**分歧最大的指标**")
        for ind_id in shown:
            content = rubric.place_of[ind_id][1]
            n = room.indicator_ids.index(ind_id)
            answered = max(len(room.labels) - room.unanswered[n], 1)
            st.markdown(f"**指标 {ind_id}**　{plain(content.name)}　{_shares(room, ind_id)}")
            st.progress(room.differing[n] / answered)


def render() -> None:
    """The projector view of one workshop."""
    st.html(_STYLE)
    if access.shared():
        access.require(TRAINER, ADMIN)
    code = st.query_params.get("w", "")
    codes = workshop_codes()
    try:  # a workshop just opened has no practices yet: its room is shown all the same
        opened = [w.code for w in state.base_store().workshops.list(access.caller()) if w.active()]
    except StoreError:
        opened = []
    codes = [*opened, *(c for c in codes if c not in opened)]
    if code not in codes:
        if not codes:
            st.title("投影视图", anchor=False)
            st.info("还没有任何练习。", icon=":material/groups:")
            return
        code = codes[0]
    scope = scope_from_url()
    include = st.query_params.get("all", "") == "1"
    st.fragment(run_every=LIVE_SECONDS)(_live)(code, scope, include)
    room_address(code, width=220)
