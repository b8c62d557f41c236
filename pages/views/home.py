"""首页: the open assessment's profile and progress, the saved assessments, a new one."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from jiguan.format import format_time, points, today
from jiguan.profile import ASSESSMENT_DATE, CONTACT, FILLED_BY
from jiguan.store import AssessmentInfo, ScopedStore
from jiguan.training import PROFILE_SAMPLE
from pages.common import access, rectify_input, routes, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.ui import banners

ss = st.session_state
PROFILE_WIDGETS = {"prof.date": ASSESSMENT_DATE, "prof.filler": FILLED_BY, "prof.contact": CONTACT}
NEW_WIDGETS = {"new.date": ASSESSMENT_DATE, "new.filler": FILLED_BY, "new.contact": CONTACT}


def render() -> None:
    rubric = state.get_rubric()
    st.title("机关事务标准化试点 自评")
    st.caption(
        f"依据《{rubric.title}》（{rubric.source}，满分 {points(rubric.max)} 分，"
        f"{len(rubric.items)} 个评估项目、{len(rubric.indicator_by_id)} 个指标）。"
        "每次修改都会立即保存，可随时关闭页面，下次继续。"
    )
    access.mode_caption()
    banners()
    s = session()
    if s.gone:
        st.error(plain(s.gone), icon=":material/delete_forever:")
    msg = s.home_msg
    s.home_msg = None
    if msg:
        (st.success if msg[0] == "success" else st.error)(plain(msg[1]))
    active, deleted = _assessments()
    if s.aid is not None and s.info is not None:
        rectify_input.overdue_flag(s.info, where="home")
        _current(s.info)
    _saved_list(active)
    if deleted:
        _deleted_list(deleted)
    _new_form(expanded=not active)


def _assessments() -> tuple[list[AssessmentInfo], list[AssessmentInfo]]:
    listed = state.attempt(
        lambda: state.get_store().list_assessments(include_deleted=True), "暂时无法读取自评列表"
    )
    listed = listed or []
    return [a for a in listed if not a.deleted], [a for a in listed if a.deleted]


# ---------------------------------------------------------------------------------------------
# The open assessment


def _profile_values(info: AssessmentInfo) -> dict[str, object]:
    profile = info.profile or {}
    try:
        date = dt.date.fromisoformat(profile.get(ASSESSMENT_DATE, ""))
    except ValueError:
        date = None
    return {
        "prof.unit": info.unit_name,
        "prof.date": date,
        "prof.filler": profile.get(FILLED_BY, ""),
        "prof.contact": profile.get(CONTACT, ""),
    }


def _seed_profile(info: AssessmentInfo) -> None:
    """Fill the profile widgets from the assessment (again after a visit to another page,
    since Streamlit drops the state of widgets that were not drawn)."""
    fresh = ss.get("prof.for") != info.id
    for key, value in _profile_values(info).items():
        if fresh or key not in ss:
            ss[key] = value
    ss["prof.for"] = info.id


def _save_profile() -> None:
    s = session()
    info = s.info
    if info is None:
        return
    unit = (ss.get("prof.unit") or "").strip()
    if not unit:
        ss["prof.unit"] = info.unit_name
        s.home_msg = ("error", "承担单位不能为空")
        return
    profile = dict(info.profile or {})
    for key, name in PROFILE_WIDGETS.items():
        value = ss.get(key)
        profile[name] = value.isoformat() if isinstance(value, dt.date) else (value or "").strip()
    saved = state.attempt(
        lambda: state.get_store().update_assessment(info.id, unit_name=unit, profile=profile),
        "单位信息未能保存",
    )
    if saved is not None:
        s.info = saved
    state.follow_navigation(routes.HOME_URL)


MOVE_HELP = "只有管理员可以更改承担单位；示例练习始终属于其示例单位。"
READ_ONLY_HELP = "这份自评现在只读（原因见页面顶部的说明），单位信息不能修改。"


def _may_move(info: AssessmentInfo) -> bool:
    """The store decides (jiguan.store.scoped); the field only says so before anyone types."""
    return access.caller().all_powerful and PROFILE_SAMPLE not in (info.profile or {})


def _current(info: AssessmentInfo) -> None:
    _seed_profile(info)
    st.subheader(f"当前自评：{plain(info.round_name)}", divider="blue")
    # Read-only (submitted, 评估组, a handed-in practice): the fields say so before anyone types
    # text the store would refuse.
    locked = None if state.may_write(info) else READ_ONLY_HELP
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown("**单位信息**")
        a, b = st.columns(2)
        a.text_input(
            "承担单位",
            key="prof.unit",
            on_change=_save_profile,
            disabled=bool(locked) or not _may_move(info),
            help=locked or (None if _may_move(info) else MOVE_HELP),
        )
        b.date_input(
            "评估日期",
            key="prof.date",
            on_change=_save_profile,
            format="YYYY-MM-DD",
            disabled=bool(locked),
            help=locked,
        )
        c, d = st.columns(2)
        c.text_input(
            "填表人", key="prof.filler", on_change=_save_profile, disabled=bool(locked), help=locked
        )
        d.text_input(
            "联系方式",
            key="prof.contact",
            on_change=_save_profile,
            disabled=bool(locked),
            help=locked,
        )
    with right:
        _progress(writable=not locked)


def _go(url_path: str) -> None:
    st.switch_page(routes.page(state.get_rubric(), url_path), query_params=state.link_params())


def _progress(*, writable: bool) -> None:
    rubric = state.get_rubric()
    result = state.result()
    st.markdown("**进度一览**")
    with st.container(horizontal=True, wrap=True, gap="medium"):
        st.metric("总分", f"{points(result.total)} / {points(result.max)}", width="content")
        st.metric("完成度", f"{result.completion:.0%}", width="content")
        st.metric("待处理指标", len(result.flagged), width="content")
    st.progress(
        result.completion,
        text=f"已完成 {result.settled} / {result.criteria_count} 个评分项"
        "（不再影响得分的空项算作完成）",
    )
    first_open = next(
        (
            i
            for i, item in enumerate(rubric.items)
            if any(
                not result.indicators[ind.id].complete
                for content in item.contents
                for ind in content.indicators
            )
        ),
        None,
    )
    if not writable:
        label, icon = "查看自评", ":material/visibility:"
    else:
        label, icon = ("开始填写" if result.answered == 0 else "继续填写"), ":material/edit:"
    target = first_open if first_open is not None else 0
    st.button(
        f"{label}：{rubric.items[target].name}",
        type="primary",
        icon=icon,
        key="start",
        width="stretch",
        on_click=_go,
        args=(routes.item_url(target),),
    )
    if first_open is None:
        st.success("全部评分项均已评定，可到“汇总”和“佐证检查”查看结果。")


# ---------------------------------------------------------------------------------------------
# Saved assessments


def _choose(aid: int) -> None:
    state.select_assessment(aid)
    ss.pop("prof.for", None)


def _act(kind: str | None, aid: int | None = None) -> None:
    session().home_action = (kind, aid) if kind and aid is not None else None


def _next_round_name(round_name: str) -> str:
    for n in range(1, 20):
        if routes.chinese_number(n) in round_name:
            return round_name.replace(routes.chinese_number(n), routes.chinese_number(n + 1), 1)
    return f"{round_name}（下一轮）"


def _do_rename(aid: int) -> None:
    s = session()
    done = state.attempt(
        lambda: state.get_store().update_assessment(
            aid,
            unit_name=ss.get(f"rename.unit.{aid}", ""),
            round_name=ss.get(f"rename.round.{aid}", ""),
        ),
        "未能改名",
    )
    if done is None:
        return
    ss.pop("prof.for", None)
    if s.aid == aid:
        s.loaded_aid = None
    _act(None)


def _do_duplicate(aid: int) -> None:
    new = state.attempt(
        lambda: state.get_store().duplicate_assessment(
            aid, ss.get(f"dup.round.{aid}", ""), user=state.who()
        ),
        "未能复制",
    )
    if new is not None:
        _act(None)
        _choose(new.id)


def _do_delete(aid: int) -> None:
    def delete() -> bool:
        state.get_store().delete_assessment(aid)
        return True

    if state.attempt(delete, "未能删除"):
        _act(None)
        if session().aid == aid:
            state.select_assessment(None)
            session().info = None


def _action_panel(a: AssessmentInfo) -> None:
    kind, aid = session().home_action or (None, None)
    if aid != a.id:
        return
    if kind == "rename":
        x, y = st.columns(2)
        x.text_input(
            "承担单位",
            value=a.unit_name,
            key=f"rename.unit.{a.id}",
            disabled=not _may_move(a),
            help=None if _may_move(a) else MOVE_HELP,
        )
        y.text_input("自评名称（轮次）", value=a.round_name, key=f"rename.round.{a.id}")
        confirm, label = _do_rename, "保存名称"
    elif kind == "dup":
        st.caption(f"以「{plain(a.title)}」的答案和佐证文件为起点，新建一轮自评。")
        st.text_input("新一轮的名称", value=_next_round_name(a.round_name), key=f"dup.round.{a.id}")
        confirm, label = _do_duplicate, "复制"
    else:
        st.warning(f"确定删除「{plain(a.title)}」吗？删除后可在“已删除的自评”中恢复。")
        confirm, label = _do_delete, "确定删除"
    with st.container(horizontal=True):
        st.button(label, type="primary", key=f"{kind}.confirm", on_click=confirm, args=(a.id,))
        st.button("取消", key=f"{kind}.cancel", on_click=_act, args=(None,))


def _saved_list(active: list[AssessmentInfo]) -> None:
    s = session()
    st.subheader("已保存的自评", divider="gray")
    if not active:
        st.info("还没有自评。请在下方填写承担单位，新建第一份自评。", icon=":material/info:")
    for a in active:
        with st.container(border=True):
            name, when, actions = st.columns([4, 2, 4], vertical_alignment="center")
            current = a.id == s.aid
            name.markdown(
                f"**{plain(a.unit_name)}** · {plain(a.round_name)}"
                + ("　:blue-badge[当前]" if current else "")
            )
            when.caption(f"更新于 {format_time(a.updated_at)}")
            with actions, st.container(horizontal=True, gap="small"):
                st.button(
                    "继续",
                    key=f"open.{a.id}",
                    on_click=_choose,
                    args=(a.id,),
                    disabled=current,
                    type="primary",
                )
                st.button("改名", key=f"rename.{a.id}", on_click=_act, args=("rename", a.id))
                st.button("复制为下一轮", key=f"dup.{a.id}", on_click=_act, args=("dup", a.id))
                st.button("删除", key=f"delete.{a.id}", on_click=_act, args=("delete", a.id))
            _action_panel(a)


# ---------------------------------------------------------------------------------------------
# Deleted assessments


def _purge(aid: int) -> None:
    session().purge_confirm = None
    state.attempt(lambda: state.get_store().purge_assessment(aid), "未能彻底删除")


def _restore(aid: int) -> None:
    state.attempt(lambda: state.get_store().restore_assessment(aid), "未能恢复")


def _confirm_purge(aid: int | None) -> None:
    session().purge_confirm = aid


def _deleted_list(deleted: list[AssessmentInfo]) -> None:
    with st.expander(f"已删除的自评（{len(deleted)} 份，可恢复）", icon=":material/delete:"):
        for a in deleted:
            name, action = st.columns([6, 2], vertical_alignment="center")
            name.markdown(f"{plain(a.title)} :gray[删除于 {format_time(a.deleted_at)}]")
            with action.container(horizontal=True):
                st.button("恢复", key=f"restore.{a.id}", on_click=_restore, args=(a.id,))
                st.button("彻底删除", key=f"purge.{a.id}", on_click=_confirm_purge, args=(a.id,))
            if session().purge_confirm == a.id:
                st.warning(
                    f"彻底删除「{plain(a.title)}」及其全部答案、修改记录和佐证文件，"
                    "之后无法恢复。确定吗？"
                )
                with st.container(horizontal=True):
                    st.button(
                        "确定彻底删除",
                        type="primary",
                        key=f"purge.confirm.{a.id}",
                        on_click=_purge,
                        args=(a.id,),
                    )
                    st.button(
                        "取消", key=f"purge.cancel.{a.id}", on_click=_confirm_purge, args=(None,)
                    )


# ---------------------------------------------------------------------------------------------
# A new assessment


def _create() -> None:
    s = session()
    unit = (ss.get("new.unit") or "").strip()
    round_name = (ss.get("new.round") or "").strip() or "第一次自评"
    if not unit:
        s.home_msg = ("error", "请填写承担单位")
        return
    profile = {}
    for key, name in NEW_WIDGETS.items():
        value = ss.get(key)
        profile[name] = value.isoformat() if isinstance(value, dt.date) else (value or "").strip()
    info = state.attempt(
        lambda: state.get_store().create_assessment(unit, round_name, profile=profile),
        "未能新建自评",
    )
    if info is None:
        return
    _choose(info.id)
    if not s.user and profile[FILLED_BY]:
        s.user = profile[FILLED_BY]  # the person creating it is filling it in
        ss["user.input"] = s.user
    for key in ("new.unit", "new.filler", "new.contact"):
        ss.pop(key, None)


def _new_form(*, expanded: bool) -> None:
    with (
        st.expander("新建自评", expanded=expanded, icon=":material/add:"),
        st.form("new", border=False),
    ):
        a, b = st.columns(2)
        store = state.get_store()
        own = store.own_units() if isinstance(store, ScopedStore) else ()
        if len(own) == 1 and not ss.get("new.unit"):
            ss["new.unit"] = own[0]  # a 填报人 may create only for their unit: its name as kept
        a.text_input("承担单位", key="new.unit", placeholder="例如：某某市机关事务管理局")
        b.text_input("自评名称（轮次）", key="new.round", value="第一次自评")
        c, d, e = st.columns(3)
        c.date_input("评估日期", key="new.date", value=today(), format="YYYY-MM-DD")
        d.text_input("填表人", key="new.filler")
        e.text_input("联系方式", key="new.contact")
        st.form_submit_button(
            "开始自评", type="primary", on_click=_create, icon=":material/play_arrow:"
        )
