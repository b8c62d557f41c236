"""总览: every assessment this browser may read, one row each (管理员: all units; 评估组: the units
assigned; 填报人: their unit's rounds; 单机模式: every assessment on this machine), with where it
stands, filters, the status counts and score distribution, and the workbook to file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jiguan.accounts import ADMIN, REVIEWER
from jiguan.format import today
from jiguan.overview import COLUMNS, STATUSES, UnitRow, overview_rows, overview_workbook
from jiguan.overview import status_counts as count_statuses
from jiguan.store import StoreError
from pages.common import access, routes, state
from pages.common.text import plain
from pages.common.training_ui import is_practice

SCOPE_NOTES = {
    ADMIN: "管理员：全部单位的自评（不含培训练习）。",
    REVIEWER: "评估组：分配给您的单位的自评。",
}


def _rows() -> list[UnitRow]:
    store = state.get_store()
    infos = [i for i in store.list_assessments() if not is_practice(i)]
    return overview_rows(state.get_rubric(), infos, store.sheets([i.id for i in infos]))


def _filtered(rows: list[UnitRow]) -> list[UnitRow]:
    wanted = st.pills(
        "状态", STATUSES, selection_mode="multi", default=list(STATUSES), key="overview.status"
    )
    text = st.text_input("按单位或轮次查找", key="overview.find", max_chars=100).strip()
    return [
        r for r in rows if r.status in wanted and (not text or text in r.unit or text in r.round)
    ]


def _table(rows: list[UnitRow]) -> UnitRow | None:
    """The rows as a sortable table; the row the user selected, if any."""
    frame = pd.DataFrame([_values(r) for r in rows], columns=list(COLUMNS))
    event = st.dataframe(
        frame,
        hide_index=True,
        key="overview.table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "单位": st.column_config.TextColumn("单位", width="large"),
            "完成度": st.column_config.ProgressColumn(
                "完成度", min_value=0, max_value=100, format="%d%%"
            ),
            "自评分": st.column_config.NumberColumn("自评分", format="%.1f"),
        },
    )
    picked = event.selection.rows if event is not None else []
    return rows[picked[0]] if picked else None


def _values(row: UnitRow) -> tuple[object, ...]:
    cells = row.cells()
    return (
        *cells[:3],
        row.self_total,
        cells[4],  # text: 「—」 until the panel has judged something
        round(row.completion * 100),
        row.no_evidence,
        row.unanswered,
        row.open_items,
        row.overdue_items,
        cells[10],
    )


def _charts(rows: list[UnitRow]) -> None:
    counts, scores = st.columns(2)
    with counts:
        st.markdown("**各状态的自评数**")
        st.bar_chart(
            {"状态": list(STATUSES), "自评数": list(count_statuses(rows).values())},
            x="状态",
            y="自评数",
            horizontal=True,
            sort=False,
            height=220,
        )
    with scores:
        st.markdown("**自评分分布**（每 10 分一档）")
        bands = [f"{n}–{n + 9}" if n < 90 else "90–100" for n in range(0, 100, 10)]
        tally = [0] * len(bands)
        for r in rows:
            tally[min(int(r.self_total // 10), 9)] += 1
        st.bar_chart(
            {"分数段": bands, "自评数": tally},
            x="分数段",
            y="自评数",
            horizontal=True,
            sort=False,
            height=300,
        )


def render() -> None:
    st.title("总览")
    role = access.nav_role()
    st.caption(
        SCOPE_NOTES.get(role or "", "本机的全部自评（不含培训练习）。" if role is None else "")
        or "您可以查看的自评。"
    )
    try:
        rows = _rows()
    except StoreError as exc:
        st.error(f"读取自评失败：{plain(str(exc))}", icon=":material/error:")
        return
    if not rows:
        st.info("还没有可以查看的自评。", icon=":material/info:")
        return
    counts = count_statuses(rows)
    with st.container(horizontal=True):
        for status, n in counts.items():
            st.metric(status, n, width="content")
    shown = _filtered(rows)
    picked = _table(shown)
    if picked is not None and st.button(
        f"打开「{plain(picked.unit)} · {plain(picked.round)}」", type="primary", key="overview.open"
    ):
        state.select_assessment(picked.aid)
        st.switch_page(
            routes.page(state.get_rubric(), routes.HOME_URL), query_params={"a": str(picked.aid)}
        )
    st.download_button(
        "下载总览（Excel）",
        data=access.audited(lambda _: overview_workbook(shown), "导出总览", "总览", eager=True),
        file_name=f"自评总览_{today().isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
        key="overview.download",
    )
    _charts(shown)
