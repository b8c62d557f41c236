"""账户与单位 (共享模式, 管理员 only): accounts (add, disable, reset password, change role) and
their units (a 填报人's unit, an 评估组 member's assigned units). Every change is written to the
audit log by jiguan.store.users, with this administrator as the actor."""

from __future__ import annotations

import streamlit as st

from jiguan.accounts import ADMIN, FILLER, ROLE_LABELS, AccountError, Caller
from jiguan.format import format_time
from jiguan.limits import MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS
from jiguan.profile import PRACTICE_UNIT_PREFIX
from jiguan.store import StoreError, UserInfo, Users
from pages.common import access, state
from pages.common.text import plain

ss = st.session_state


def _users() -> Users:
    return state.base_store().users


def _say(kind: str, text: str) -> None:
    ss["admin.msg"] = (kind, text)


def _do(action, done: str) -> None:
    try:
        action()
    except (AccountError, StoreError) as exc:
        _say("error", str(exc))
        return
    _say("success", done)


def _me() -> Caller:
    """This browser's account as of this run (the domain reads it again and checks its role:
    a page drawn before a demotion creates nothing)."""
    return access.current()


def _add() -> None:
    name = ss.get("admin.new.name") or ""
    role = ss.get("admin.new.role") or FILLER
    unit = " ".join((ss.get("admin.new.unit") or "").split())
    password = ss.get("admin.new.password") or ""

    _do(
        lambda: _users().add(name, role, password, unit=unit or None, by=_me()),
        f"已新建账户「{' '.join(name.split())}」，首次登录须修改密码。",
    )


def _unit_names() -> list[str]:
    infos = state.attempt(lambda: state.get_store().list_assessments(), "读取单位失败") or []
    names = {i.unit_name for i in infos if not i.unit_name.startswith(PRACTICE_UNIT_PREFIX)}
    for user in state.attempt(lambda: _users().list(), "读取账户失败") or []:
        names.update(user.units)
    return sorted(names)


def _table(users: list[UserInfo]) -> None:
    rows = [
        {
            "用户名": u.name,
            "角色": ROLE_LABELS.get(u.role, u.role),
            "单位": "、".join(u.units) or "—",
            "状态": "已停用" if u.disabled else ("须改密码" if u.must_change else "正常"),
            "登录限制至": format_time(u.locked_until) if u.locked_until else "",
        }
        for u in users
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _add_form() -> None:
    expander = st.expander("新建账户", icon=":material/person_add:")
    with expander, st.form("admin.add", clear_on_submit=True):
        # Row by row, so that Tab follows the reading order (用户名 → 角色 → 单位 → 初始密码);
        # two columns of two fields each would Tab from 用户名 down to 单位.
        cols = st.columns(2)
        cols[0].text_input("用户名", key="admin.new.name", max_chars=MAX_NAME_CHARS)
        # Four roles side by side, no list to open (issue 20.7): a click right after typing
        # takes, the arrow keys choose, Enter never submits half a form. 填报人 first: the
        # safe default.
        cols[1].radio(
            "角色",
            sorted(ROLE_LABELS, key=lambda r: r == ADMIN),
            format_func=ROLE_LABELS.__getitem__,
            key="admin.new.role",
            horizontal=True,
        )
        cols = st.columns(2)
        cols[0].text_input("单位（填报人、评估组）", key="admin.new.unit", max_chars=MAX_NAME_CHARS)
        cols[1].text_input(
            f"初始密码（至少 {MIN_PASSWORD_CHARS} 个字符，首次登录须修改）",
            type="password",
            key="admin.new.password",
            max_chars=MAX_PASSWORD_CHARS,
        )
        st.form_submit_button("新建", type="primary", on_click=_add)


def _manage(users: list[UserInfo]) -> None:
    by_name = {u.name: u for u in users}
    name = st.selectbox(
        "选择账户", list(by_name), key="admin.pick", index=None, placeholder="请选择账户"
    )
    if name is None:
        return
    user = by_name[name]
    with st.container(border=True):
        cols = st.columns([2, 1])
        role = cols[0].selectbox(
            "角色",
            list(ROLE_LABELS),
            index=list(ROLE_LABELS).index(user.role),
            format_func=ROLE_LABELS.__getitem__,
            key=f"admin.role.{user.id}",
            placeholder="选择角色",
        )
        if cols[1].button("保存角色", key=f"admin.setrole.{user.id}", disabled=role == user.role):
            _do(
                lambda: _users().set_role(user.id, role, by=_me()),
                f"已将「{name}」改为{ROLE_LABELS[role]}。",
            )
            st.rerun()
        label = "启用账户" if user.disabled else "停用账户"
        if cols[1].button(label, key=f"admin.disable.{user.id}"):
            _do(
                lambda: _users().set_disabled(user.id, not user.disabled, by=_me()),
                f"已{label}「{name}」。",
            )
            st.rerun()

        st.markdown("**单位**")
        units = _unit_names()
        cols = st.columns([2, 1])
        unit = cols[0].selectbox(
            "分配单位（可输入新单位名称）",
            units,
            index=None,
            accept_new_options=True,
            placeholder="选择或输入单位名称",
            key=f"admin.unit.{user.id}",
        )
        if cols[1].button("分配", key=f"admin.assign.{user.id}", disabled=not unit) and unit:
            _do(lambda: _users().assign(user.id, unit, by=_me()), f"已为「{name}」分配单位。")
            st.rerun()
        for held in user.units:
            row = st.columns([2, 1])
            row[0].text(held)
            if row[1].button("取消分配", key=f"admin.unassign.{user.id}.{held}"):
                _do(lambda h=held: _users().unassign(user.id, h, by=_me()), "已取消分配。")
                st.rerun()

        st.markdown("**重设密码**")
        cols = st.columns([2, 1])
        new = cols[0].text_input(
            "新密码（用户下次登录须修改）",
            type="password",
            key=f"admin.reset.{user.id}",
            max_chars=MAX_PASSWORD_CHARS,
        )
        if cols[1].button("重设密码", key=f"admin.doreset.{user.id}", disabled=not new):
            _do(
                lambda: _users().reset_password(user.id, new, by=_me()), f"已重设「{name}」的密码。"
            )
            st.rerun()


def render() -> None:
    access.require(ADMIN)
    st.title("账户与单位", anchor=False)
    st.caption("填报人只能看到本单位的自评；评估组只读分配给他们的单位。所有修改都记入审计日志。")
    msg = ss.pop("admin.msg", None)
    if msg:
        (st.success if msg[0] == "success" else st.error)(plain(msg[1]))
    users = state.attempt(lambda: _users().list(), "读取账户失败")
    if users is None:
        return
    _table(users)
    _add_form()
    st.subheader("修改账户", anchor=False)
    _manage(users)
