"""培训班结果: the trainer's view of a workshop's practice sheets: who has handed in, the
distribution of totals, indicator × trainee points apart from the key, the discussion list,
an anonymised export, and a reset of the workshop's practice data."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from jiguan.charts import apart_heatmap, totals_histogram
from jiguan.format import points
from jiguan.store import StoreError
from jiguan.training import (
    PROFILE_SAMPLE,
    PROFILE_SUBMITTED,
    PROFILE_WORKSHOP,
    Practice,
    room_results,
)
from pages.common import access, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.training_ui import samples_by_id

ss = st.session_state


def _practices(code: str) -> list:
    """The workshop's practice assessments in the order they were started (学员 01 first)."""
    return sorted(
        (
            a
            for a in state.get_store().list_assessments()
            if (a.profile or {}).get(PROFILE_SAMPLE)
            and (a.profile or {}).get(PROFILE_WORKSHOP) == code
        ),
        key=lambda a: a.id,
    )


def _codes() -> list[str]:
    codes = {
        (a.profile or {}).get(PROFILE_WORKSHOP, "")
        for a in state.get_store().list_assessments()
        if (a.profile or {}).get(PROFILE_SAMPLE)
    }
    return sorted(c for c in codes if c)


def _reset(code: str) -> None:
    store = state.get_store()
    removed = 0
    try:
        for info in _practices(code):
            store.delete_assessment(info.id)
            store.purge_assessment(info.id)
            removed += 1
            if session().aid == info.id:
                state.select_assessment(None)
    except StoreError as exc:
        ss["workshop.msg"] = ("error", f"已清除 {removed} 份后出错：{exc}")
        return
    ss["workshop.confirm"] = False
    ss["workshop.msg"] = ("success", f"已清除培训班「{code}」的 {removed} 份练习。")


def _excel(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, sheet_name="练习结果")
    return buffer.getvalue()


def render() -> None:
    """The room's results for one workshop code."""
    st.title("培训班结果")
    msg = ss.pop("workshop.msg", None)
    if msg:
        getattr(st, msg[0])(plain(msg[1]))
    rubric = state.get_rubric()
    samples = samples_by_id()
    codes = _codes()
    if not codes:
        st.info(
            "还没有任何练习。请告诉学员一个培训班代码（如「2026-12 南京培训班」），"
            "学员在「示例练习」页填写该代码后开始练习，结果就会出现在这里。",
            icon=":material/groups:",
        )
        return
    code = st.selectbox("培训班代码", codes, key="workshop.code")
    infos = _practices(code)
    practices = [
        Practice(
            (info.profile or {})[PROFILE_SAMPLE],
            state.get_store().answers(info.id),
            submitted=bool((info.profile or {}).get(PROFILE_SUBMITTED)),
        )
        for info in infos
    ]
    room = room_results(rubric, practices, samples)
    cols = st.columns(4)
    cols[0].metric("学员", len(room.labels))
    cols[1].metric("已交卷", f"{room.finished} / {len(room.labels)}")
    mean_agree = sum(room.agreement) / len(room.agreement) if room.agreement else 0
    cols[2].metric("平均一致率", f"{mean_agree:.0%}", help="得分与答案相同的指标所占比例")
    cols[3].button("刷新", icon=":material/refresh:", key="workshop.refresh")
    if not room.labels:
        st.info("这个培训班还没有可统计的练习。", icon=":material/info:")
        return

    st.subheader("总分分布", anchor=False)
    groups: dict[str, list[float]] = {}
    for sid, total in zip(room.sample_ids, room.totals, strict=True):
        groups.setdefault(samples[sid].unit, []).append(total)
    key_totals = {samples[sid].unit: samples[sid].key_total for sid in set(room.sample_ids)}
    st.plotly_chart(
        totals_histogram(groups, key_totals, maximum=rubric.max),
        key="workshop.hist",
        config={"displayModeBar": False},
    )
    st.subheader("讨论清单：分歧最大的指标", anchor=False)
    place = rubric.place_of
    st.dataframe(
        pd.DataFrame(
            {
                "指标": [f"指标 {d.id}" for d in room.discussion],
                "评估内容": [place[d.id][1].name for d in room.discussion],
                "与答案不一致": [f"{d.differing} 人" for d in room.discussion],
                "平均相差": [round(d.mean_apart, 2) for d in room.discussion],
            }
        ),
        hide_index=True,
        key="workshop.discussion",
    )
    if not room.discussion:
        st.success("全班与答案完全一致。", icon=":material/celebration:")

    st.subheader("各指标与答案相差（分）", anchor=False)
    st.plotly_chart(
        apart_heatmap(room.indicator_ids, room.labels, room.apart),
        key="workshop.heatmap",
        config={"displayModeBar": False},
    )

    st.subheader("导出（匿名）", anchor=False)
    rows = room.export_rows(rubric, samples)
    frame = pd.DataFrame(rows)
    cols = st.columns(2)
    cols[0].download_button(
        "下载 CSV",
        data=access.audited(
            lambda _: frame.to_csv(index=False).encode("utf-8-sig"),
            "导出培训班结果（CSV）",
            code,
            eager=True,
        ),
        file_name=f"培训班练习结果_{code}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="workshop.csv",
    )
    cols[1].download_button(
        "下载 Excel",
        data=access.audited(lambda _: _excel(rows), "导出培训班结果（Excel）", code),
        file_name=f"培训班练习结果_{code}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
        key="workshop.xlsx",
    )
    st.caption(f"导出不含学员姓名（按学员 01、02… 编号）。总分满分 {points(rubric.max)} 分。")

    with st.expander("清除本培训班的练习数据"):
        st.warning(
            f"将永久删除培训班「{plain(code)}」的 {len(infos)} 份练习，无法恢复。",
            icon=":material/delete_forever:",
        )
        st.checkbox("我已了解，确认清除", key="workshop.confirm")
        st.button(
            "清除练习数据",
            on_click=_reset,
            args=(code,),
            disabled=not ss.get("workshop.confirm"),
            key="workshop.reset",
        )
