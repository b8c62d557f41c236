import datetime as dt
from functools import partial

import streamlit as st

from jiguan.store import StoreError, format_time
from pages import state
from pages.nav import item_page
from pages.ui import plain, pts, store_banner

ss = state.ss

PROFILE_FIELDS = ("评估日期", "填表人", "联系方式")


def _next_round_name(round_name: str) -> str:
    from pages.nav import chinese_number

    for n in range(1, 20):
        if chinese_number(n) in round_name:
            return round_name.replace(chinese_number(n), chinese_number(n + 1), 1)
    return f"{round_name}（下一轮）"


def _save_profile() -> None:
    info = ss.info
    profile = dict(info.profile or {})
    date = ss.get("prof.date")
    profile["评估日期"] = date.isoformat() if isinstance(date, dt.date) else ""
    profile["填表人"] = (ss.get("prof.filler") or "").strip()
    profile["联系方式"] = (ss.get("prof.contact") or "").strip()
    unit = (ss.get("prof.unit") or "").strip()
    try:
        ss.info = state.get_store().update_assessment(
            info.id, unit_name=unit or None, profile=profile
        )
        ss.profile_msg = ("success", "已保存")
    except StoreError as exc:
        ss.profile_msg = ("error", f"未能保存：{exc}")
    if not unit:
        ss["prof.unit"] = ss.info.unit_name
        ss.profile_msg = ("error", "承担单位不能为空")


def _seed_profile() -> None:
    """Fill the profile widgets from the assessment (again after a visit to another page,
    since Streamlit drops the state of widgets that were not drawn)."""
    info = ss.info
    fresh = ss.get("prof.for") != info.id
    profile = info.profile or {}
    try:
        date = dt.date.fromisoformat(profile.get("评估日期", ""))
    except ValueError:
        date = None
    values = {
        "prof.unit": info.unit_name,
        "prof.date": date,
        "prof.filler": profile.get("填表人", ""),
        "prof.contact": profile.get("联系方式", ""),
    }
    for key, value in values.items():
        if fresh or key not in ss:
            ss[key] = value
    if fresh:
        ss.user = profile.get("填表人", "")
    if fresh or "user.input" not in ss:
        ss["user.input"] = ss.get("user", "")
    ss["prof.for"] = info.id


def _set_user() -> None:
    ss.user = (ss.get("user.input") or "").strip()


def _create() -> None:
    unit = (ss.get("new.unit") or "").strip()
    round_name = (ss.get("new.round") or "").strip() or "第一次自评"
    if not unit:
        ss.create_msg = "请填写承担单位"
        return
    date = ss.get("new.date")
    profile = {
        "评估日期": date.isoformat() if isinstance(date, dt.date) else "",
        "填表人": (ss.get("new.filler") or "").strip(),
        "联系方式": (ss.get("new.contact") or "").strip(),
    }
    try:
        info = state.get_store().create_assessment(unit, round_name, profile=profile)
    except StoreError as exc:
        ss.create_msg = str(exc)
        return
    ss.create_msg = ""
    state.select_assessment(info.id)
    ss.pop("prof.for", None)
    for key in ("new.unit", "new.filler", "new.contact"):
        ss.pop(key, None)


def _choose(aid: int) -> None:
    state.select_assessment(aid)
    ss.pop("prof.for", None)


def _act(kind: str | None, aid: int | None = None) -> None:
    ss.home_action = (kind, aid) if kind else None
    ss.list_msg = ""


def _do_rename(aid: int) -> None:
    try:
        state.get_store().update_assessment(
            aid,
            unit_name=ss.get(f"rename.unit.{aid}", ""),
            round_name=ss.get(f"rename.round.{aid}", ""),
        )
    except StoreError as exc:
        ss.list_msg = str(exc)
        return
    ss.pop("prof.for", None)
    if ss.aid == aid:
        ss.loaded_aid = None
    _act(None)


def _do_duplicate(aid: int) -> None:
    try:
        new = state.get_store().duplicate_assessment(
            aid, ss.get(f"dup.round.{aid}", ""), user=state.who()
        )
    except StoreError as exc:
        ss.list_msg = str(exc)
        return
    _act(None)
    _choose(new.id)


def _do_delete(aid: int) -> None:
    try:
        state.get_store().delete_assessment(aid)
    except StoreError as exc:
        ss.list_msg = str(exc)
        return
    _act(None)
    if ss.aid == aid:
        state.select_assessment(None)
        ss.info = None


def _action_panel(a) -> None:
    kind, aid = ss.get("home_action") or (None, None)
    if aid != a.id:
        return
    if kind == "rename":
        x, y = st.columns(2)
        x.text_input("承担单位", value=a.unit_name, key=f"rename.unit.{a.id}")
        y.text_input("自评名称（轮次）", value=a.round_name, key=f"rename.round.{a.id}")
        confirm, label = partial(_do_rename, a.id), "保存名称"
    elif kind == "dup":
        st.caption(f"以「{plain(a.title)}」的答案和佐证文件为起点，新建一轮自评。")
        st.text_input("新一轮的名称", value=_next_round_name(a.round_name), key=f"dup.round.{a.id}")
        confirm, label = partial(_do_duplicate, a.id), "复制"
    else:
        st.warning(f"确定删除「{plain(a.title)}」吗？删除后可在“已删除的自评”中恢复。")
        confirm, label = partial(_do_delete, a.id), "确定删除"
    with st.container(horizontal=True):
        st.button(label, type="primary", key=f"{kind}.confirm", on_click=confirm)
        st.button("取消", key=f"{kind}.cancel", on_click=_act, args=(None,))


def _purge(aid: int) -> None:
    ss.purge_confirm = None
    try:
        state.get_store().purge_assessment(aid)
        ss.list_msg = ""
    except StoreError as exc:
        ss.list_msg = str(exc)


def _restore(aid: int) -> None:
    try:
        state.get_store().restore_assessment(aid)
        ss.list_msg = ""
    except StoreError as exc:
        ss.list_msg = str(exc)


def render() -> None:
    """首页: profile, progress, saved assessments."""
    rubric = state.get_rubric()
    st.title("机关事务标准化试点 自评")
    st.caption(
        f"依据《{rubric.title}》（{rubric.source}，满分 {pts(rubric.max)} 分，"
        f"{len(rubric.items)} 个评估项目、{len(rubric.indicator_by_id)} 个指标）。"
        "每次修改都会立即保存，可随时关闭页面，下次继续。"
    )
    store_banner()

    try:
        assessments = state.get_store().list_assessments()
        deleted = [a for a in state.get_store().list_assessments(include_deleted=True) if a.deleted]
    except StoreError as exc:
        st.warning(f"暂时无法读取自评列表：{plain(str(exc))}")
        assessments, deleted = [], []

    info = ss.get("info") if ss.get("aid") is not None else None

    if info is not None:
        _seed_profile()
        result = state.result()
        st.subheader(f"当前自评：{info.round_name}", divider="blue")
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.markdown("**单位信息**")
            a, b = st.columns(2)
            a.text_input("承担单位", key="prof.unit", on_change=_save_profile)
            b.date_input("评估日期", key="prof.date", on_change=_save_profile, format="YYYY-MM-DD")
            c, d = st.columns(2)
            c.text_input("填表人", key="prof.filler", on_change=_save_profile)
            d.text_input("联系方式", key="prof.contact", on_change=_save_profile)
            st.text_input(
                "当前填写人（记录每项修改是谁做的）",
                key="user.input",
                on_change=_set_user,
                help="默认为填表人；几位同事共用一份自评时，各自填写自己的名字。",
            )
            msg = ss.pop("profile_msg", None)
            if msg and msg[0] == "error":
                st.error(plain(msg[1]))
        with right:
            st.markdown("**进度一览**")
            m1, m2, m3 = st.columns(3)
            m1.metric("总分", f"{pts(result.total)} / {pts(result.max)}")
            m2.metric("完成度", f"{result.completion:.0%}")
            m3.metric("待处理指标", len(result.flagged))
            st.progress(
                result.completion, text=f"已评 {result.answered} / {result.criteria_count} 个评分项"
            )
            first_open = next(
                (
                    i
                    for i, item in enumerate(rubric.items)
                    if any(
                        not state.current_answers().get(c.id, None)
                        or not state.current_answers()[c.id].answered
                        for content in item.contents
                        for ind in content.indicators
                        for c in ind.criteria
                    )
                ),
                None,
            )
            label = "开始填写" if result.answered == 0 else "继续填写"
            target = first_open if first_open is not None else 0
            if st.button(
                f"{label}：{rubric.items[target].name}",
                type="primary",
                icon=":material/edit:",
                key="start",
                width="stretch",
            ):
                st.switch_page(item_page(rubric, target))
            if first_open is None:
                st.success("全部评分项均已评定，可到“汇总”和“佐证检查”查看结果。")

    st.subheader("已保存的自评", divider="gray")
    if ss.get("list_msg"):
        st.error(plain(ss.list_msg))
    if not assessments:
        st.info("还没有自评。请在下方填写承担单位，新建第一份自评。", icon=":material/info:")
    for a in assessments:
        with st.container(border=True):
            name, when, actions = st.columns([4, 2, 4], vertical_alignment="center")
            current = a.id == ss.get("aid")
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

    if deleted:
        with st.expander(f"已删除的自评（{len(deleted)} 份，可恢复）", icon=":material/delete:"):
            for a in deleted:
                name, action = st.columns([6, 2], vertical_alignment="center")
                name.markdown(f"{plain(a.title)} :gray[删除于 {format_time(a.deleted_at)}]")
                with action.container(horizontal=True):
                    st.button("恢复", key=f"restore.{a.id}", on_click=_restore, args=(a.id,))
                    st.button(
                        "彻底删除",
                        key=f"purge.{a.id}",
                        on_click=lambda aid=a.id: ss.update(purge_confirm=aid),
                    )
                if ss.get("purge_confirm") == a.id:
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
                            "取消",
                            key=f"purge.cancel.{a.id}",
                            on_click=lambda: ss.update(purge_confirm=None),
                        )

    with st.expander("新建自评", expanded=not assessments, icon=":material/add:"):
        with st.form("new", border=False):
            a, b = st.columns(2)
            a.text_input("承担单位", key="new.unit", placeholder="例如：某某市机关事务管理局")
            b.text_input("自评名称（轮次）", key="new.round", value="第一次自评")
            c, d, e = st.columns(3)
            c.date_input("评估日期", key="new.date", value=dt.date.today(), format="YYYY-MM-DD")
            d.text_input("填表人", key="new.filler")
            e.text_input("联系方式", key="new.contact")
            st.form_submit_button(
                "开始自评", type="primary", on_click=_create, icon=":material/play_arrow:"
            )
        if ss.get("create_msg"):
            st.error(plain(ss.create_msg))
