"""培训班管理 (共享模式, 培训师 and 管理员): open a workshop with a join code, see who may join
until when, end it early. Trainees join on the login page with the code and their name; the
practices they make carry the code as 培训班 and are visible to this trainer only."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from jiguan.accounts import ADMIN, TRAINER, AccountError, Caller
from jiguan.format import CHINA_TZ, format_time
from jiguan.limits import MAX_NAME_CHARS
from jiguan.store import MAX_WORKSHOP_DAYS, StoreError, Workshops
from pages.common import access, routes, state
from pages.common.text import plain
from pages.common.training_ui import room_address

ss = st.session_state


def _workshops() -> Workshops:
    return state.base_store().workshops


def _open(me: Caller) -> None:
    until = _until(ss.get("ws.until"))
    try:
        info = _workshops().open(me, None, ss.get("ws.name") or "", until)  # code generated
    except (AccountError, StoreError) as exc:
        ss["ws.msg"] = ("error", str(exc))
        return
    ss["ws.msg"] = ("success", f"已开设培训班，学员在登录页输入代码「{info.code}」即可加入。")


def _close(me: Caller, code: str) -> None:
    try:
        _workshops().close(me, code)
    except (AccountError, StoreError) as exc:
        ss["ws.msg"] = ("error", str(exc))
        return
    ss["ws.msg"] = ("success", f"培训班「{code}」已结束，学员不能再加入或作答。")


def _until(day: dt.date | None) -> dt.datetime:
    """The end of the chosen day (23:59, Beijing time); today when none is chosen."""
    day = day or dt.datetime.now(CHINA_TZ).date()
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=CHINA_TZ)


def _extend(me: Caller, code: str, key: str) -> None:
    try:
        info = _workshops().extend(me, code, _until(ss.get(key)))
    except (AccountError, StoreError) as exc:
        ss["ws.msg"] = ("error", str(exc))
        return
    ss["ws.msg"] = ("success", f"培训班「{code}」进行到 {format_time(info.expires_at)}。")


def _remove(me: Caller, code: str) -> None:
    try:
        _workshops().remove(me, code)
    except (AccountError, StoreError) as exc:
        ss["ws.msg"] = ("error", str(exc))
        return
    ss["ws.msg"] = ("success", f"已删除培训班「{code}」，代码可以再次使用。")


def _lifecycle(me: Caller, info) -> None:
    """结束 / 延长 or 重新开放 / 删除 for one workshop."""
    today = dt.datetime.now(CHINA_TZ).date()
    key = f"ws.until.{info.id}"
    with st.container(horizontal=True, vertical_alignment="bottom"):
        if info.active():
            st.button(
                "结束培训班", key=f"ws.close.{info.id}", on_click=_close, args=(me, info.code)
            )
        st.date_input(
            "新的结束日期",
            today,
            min_value=today,  # never in the past
            max_value=today + dt.timedelta(days=MAX_WORKSHOP_DAYS - 1),
            key=key,
            format="YYYY-MM-DD",
            width=180,
        )
        st.button(
            "延长" if info.active() else "重新开放",
            key=f"ws.extend.{info.id}",
            on_click=_extend,
            args=(me, info.code, key),
        )
        if not info.active():
            st.button(
                "删除培训班",
                key=f"ws.remove.{info.id}",
                on_click=_remove,
                args=(me, info.code),
                help="先在「培训班结果」清除练习数据；删除后代码可以再次使用",
            )


def render() -> None:
    me = access.require(TRAINER, ADMIN)
    st.title("培训班管理", anchor=False)
    st.caption(
        "学员无需账户：在登录页输入培训班代码和姓名即可做示例练习，只能看到自己的练习；"
        "培训班结束后学员的练习仍保留在「培训班结果」中，直到您清除。"
    )
    msg = ss.pop("ws.msg", None)
    if msg:
        (st.success if msg[0] == "success" else st.error)(plain(msg[1]))
    with st.form("ws.open", clear_on_submit=True):
        cols = st.columns(2)
        cols[0].text_input("培训班名称", key="ws.name", max_chars=MAX_NAME_CHARS)
        today = dt.datetime.now(CHINA_TZ).date()
        cols[1].date_input(
            "结束日期（当天 23:59 结束）",
            today,
            min_value=today,
            max_value=today + dt.timedelta(days=MAX_WORKSHOP_DAYS - 1),
            key="ws.until",
            format="YYYY-MM-DD",
        )
        st.caption(
            "培训班代码由系统生成（9 个字符，分三组），学员输入时不区分大小写、可省略短横线。"
        )
        st.form_submit_button("开设培训班", type="primary", on_click=_open, args=(me,))
    mine = state.attempt(lambda: _workshops().list(me), "读取培训班失败")
    if not mine:
        st.info("还没有培训班。")
        return
    for info in mine:
        with st.container(border=True):
            state_text = "进行中" if info.active() else "已结束"
            st.markdown(f"**{plain(info.code)}**　{state_text}")
            st.caption(f"{plain(info.name)} · 结束时间 {format_time(info.expires_at)}")
            st.text(f"培训教师：{info.trainer}")
            if info.active():
                room_address(info.code)
            _lifecycle(me, info)
    st.page_link(
        routes.page(state.get_rubric(), "workshop-room"),
        label="查看培训班结果",
        icon=":material/groups:",
    )
