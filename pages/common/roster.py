"""The trainer's roster of a workshop: every name that joined, how far their practice is,
whether it is handed in, when they were last active; a handed-in practice may be reopened."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jiguan.format import format_time
from jiguan.scoring import score
from jiguan.store import StoreError
from jiguan.training import PROFILE_SUBMITTED, PROFILE_TRAINEE
from pages.common import state
from pages.common.text import plain

ss = st.session_state


def handed_in(info) -> bool:
    return bool((info.profile or {}).get(PROFILE_SUBMITTED))


def _reopen(aid: int, name: str) -> None:
    store = state.get_store()
    try:
        profile = dict(store.get_assessment(aid).profile or {})
        profile.pop(PROFILE_SUBMITTED, None)
        store.update_assessment(aid, profile=profile)
    except StoreError as exc:
        ss["workshop.msg"] = ("error", f"未能重新开放：{exc}")
        return
    ss["workshop.msg"] = ("success", f"已重新开放「{name}」的练习，该学员可以继续修改后再交卷。")


def show(code: str, infos: list) -> None:
    """The roster table, and 重新开放 for one handed-in practice."""
    rubric = state.get_rubric()
    store = state.get_store()
    try:
        joined = state.base_store().workshops.joined(code)
    except StoreError:
        joined = {}
    latest = dict(joined)  # name -> 最近活动
    rows: dict[str, dict[str, str]] = {
        name: {"姓名": name, "进度": "尚未开始", "已交卷": "否"} for name in joined
    }
    for info in infos:
        name = (info.profile or {}).get(PROFILE_TRAINEE, "")
        result = score(rubric, store.answers(info.id))
        latest[name] = max(info.updated_at, joined.get(name, info.updated_at))
        rows[name] = {
            "姓名": name,
            "进度": f"{result.completion:.0%}（{result.answered} / {result.criteria_count}）",
            "已交卷": "是" if handed_in(info) else "否",
        }
    with st.expander(f"学员名单（{len(rows)} 人）", expanded=True):
        if not rows:
            st.caption("还没有学员加入。")
            return
        newest_first = sorted(rows, key=lambda name: latest[name], reverse=True)
        table = [rows[name] | {"最近活动": format_time(latest[name])} for name in newest_first]
        st.dataframe(pd.DataFrame(table), hide_index=True, key="workshop.roster")
        done = {(i.profile or {}).get(PROFILE_TRAINEE, ""): i.id for i in infos if handed_in(i)}
        if done:
            cols = st.columns([3, 1], vertical_alignment="bottom")
            who = cols[0].selectbox(
                "重新开放一位学员的练习（交卷后如需修改）",
                sorted(done),
                format_func=plain,
                key="workshop.reopen_name",
            )
            cols[1].button(
                "重新开放",
                key="workshop.reopen",
                on_click=_reopen,
                args=(done[who], who),
                disabled=who is None,
            )
