"""审计日志 (共享模式, 管理员 only): who did what, when, from which address, filtered, and
exported as CSV (the export is itself written to the log)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from jiguan.accounts import ADMIN
from jiguan.format import CHINA_TZ, format_time
from jiguan.limits import MAX_NAME_CHARS
from jiguan.replay import BAD_ACTION
from jiguan.store import audit_csv
from pages.common import access, state

LIMIT = 5000


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=CHINA_TZ)


def render() -> None:
    access.require(ADMIN)
    st.title("审计日志", anchor=False)
    st.caption("登录、登录失败、角色修改、删除、彻底清除、导入和导出等操作；时间为北京时间。")
    _bad_journal_files()
    users = state.base_store().users
    actions = state.attempt(users.audit_actions, "读取审计日志失败") or []
    cols = st.columns(4)
    actor = cols[0].text_input("账户（完整名称）", key="audit.actor", max_chars=MAX_NAME_CHARS)
    action = cols[1].selectbox(
        "操作", ["全部", *actions], key="audit.action", placeholder="选择操作（默认全部）"
    )
    text = cols[2].text_input("对象或详情包含", key="audit.text", max_chars=MAX_NAME_CHARS)
    today = dt.datetime.now(CHINA_TZ).date()
    days = cols[3].date_input(
        "日期范围", (today - dt.timedelta(days=30), today), key="audit.days", format="YYYY-MM-DD"
    )
    since = until = None
    if isinstance(days, tuple) and len(days) == 2:
        since, until = _day_start(days[0]), _day_start(days[1] + dt.timedelta(days=1))
    entries = state.attempt(
        lambda: users.audit_log(
            LIMIT,
            actor=" ".join(actor.split()),
            action="" if action in (None, "全部") else action,
            text=text.strip(),
            since=since,
            until=until,
        ),
        "读取审计日志失败",
    )
    if entries is None:
        st.error("读取审计日志失败，请稍后重试。")
        return
    more = f"（只显示最新的 {LIMIT} 条）" if len(entries) >= LIMIT else ""
    st.caption(f"共 {len(entries)} 条{more}")
    st.dataframe(
        [
            {
                "时间": format_time(e.at),
                "账户": e.actor,
                "操作": e.action,
                "对象": e.target,
                "详情": e.detail,
                "地址": e.address,
            }
            for e in entries
        ],
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        "导出审计日志（CSV）",
        data=access.audited(lambda _: audit_csv(entries), "导出审计日志", f"{len(entries)} 条"),
        file_name=f"审计日志_{today.isoformat()}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="audit.download",
        disabled=not entries,
    )


def _bad_journal_files() -> None:
    """Offline changes the server could not read (moved to journal/bad/, audited once)."""
    bad = state.saving().journal.bad()
    if bad:
        names = "、".join(p.name for p in bad[:5]) + ("…" if len(bad) > 5 else "")
        st.warning(
            f"服务器上有 {len(bad)} 个无法读取的离线修改记录，已移至数据目录 journal/bad/，"
            f"未写入数据库：{names}。请由系统管理员检查（操作「{BAD_ACTION}」）。",
            icon=":material/report:",
        )
