"""单位比较: several units from saved assessments, uploaded answer sheets or the sample
units' keys: overlaid radars, a ranking by item and total, and where they differ most."""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd
import streamlit as st

from jiguan.charts import radar_overlay
from jiguan.compare import compare_units
from jiguan.format import points
from jiguan.scoring import Answer
from jiguan.sheet import SheetError, read_sheet
from jiguan.store import StoreError
from pages.common import state
from pages.common.text import plain
from pages.common.training_ui import get_samples
from pages.common.ui import wrong_type

ss = st.session_state
MAX_UNITS = 60


def _units() -> list[tuple[str, dict[str, Answer]]]:
    rubric = state.get_rubric()
    store = state.get_store()
    infos = {a.id: a for a in store.list_assessments()}
    samples = {s.id: s for s in get_samples()}
    cols = st.columns(2)
    saved: list[int] = []
    if infos:
        saved = cols[0].multiselect(
            "已保存的自评",
            list(infos),
            format_func=lambda aid: infos[aid].title,
            key="compare.saved",
            placeholder="选择要比较的自评",
        )
    else:  # an empty list would open on Streamlit's English 「No results」
        cols[0].caption("还没有已保存的自评：可以选示例单位，或上传答题表。")
    chosen_samples = cols[1].multiselect(
        "示例单位（答案）",
        list(samples),
        format_func=lambda sid: samples[sid].title,
        key="compare.samples",
        placeholder="可选",
    )
    uploads = st.file_uploader(
        "或上传多个答题表（CSV，从「导入导出」页下载的格式）",
        accept_multiple_files=True,
        key="compare.files",
    )
    units: list[tuple[str, dict[str, Answer]]] = []
    for aid in saved:
        try:
            units.append((infos[aid].title, store.answers(aid)))
        except StoreError as exc:
            st.error(f"无法读取「{plain(infos[aid].title)}」：{plain(str(exc))}")
    for sid in chosen_samples:
        units.append((f"{samples[sid].unit}（示例答案）", dict(samples[sid].key_sheet)))
    for upload in uploads or []:
        refused = wrong_type(upload.name, ("csv", "txt"))
        if refused:
            st.error(plain(refused))
            continue
        try:
            units.append((PurePath(upload.name).stem, read_sheet(upload.getvalue(), rubric)))
        except SheetError as exc:
            st.error(f"文件「{plain(upload.name)}」未采用：\n\n{plain(str(exc))}")
    return units


def render() -> None:
    """Compare units."""
    st.title("单位比较")
    rubric = state.get_rubric()
    units = _units()
    if len(units) < 2:
        st.info("请至少选择或上传两个单位的答题表。", icon=":material/compare:")
        return
    if len(units) > MAX_UNITS:
        st.warning(f"一次最多比较 {MAX_UNITS} 个单位，已取前 {MAX_UNITS} 个。")
        units = units[:MAX_UNITS]
    cmp = compare_units(rubric, units)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("各评估项目得分率", anchor=False)
        st.plotly_chart(
            radar_overlay(list(zip(cmp.labels, cmp.results, strict=True)), height=480),
            key="compare.radar",
            config={"displayModeBar": False},
        )
    with right:
        st.subheader("排名：总分与各评估项目", anchor=False)
        rows = cmp.ranking_rows()
        items = [item.name for item in rubric.items]
        st.dataframe(
            pd.DataFrame([{k: row[k] for k in ("名次", "单位", "总分", *items)} for row in rows]),
            hide_index=True,
            key="compare.ranking",
        )
        st.caption("各评估项目名次")
        st.dataframe(
            pd.DataFrame(
                [
                    {"单位": row["单位"], **{item: row[f"{item}名次"] for item in items}}
                    for row in rows
                ]
            ),
            hide_index=True,
            key="compare.item_ranks",
        )
    st.subheader("差异最大的指标", anchor=False)
    spreads = cmp.spreads()
    if not spreads:
        st.success("各单位每个指标得分都相同。")
        return
    place = rubric.place_of
    table = {
        "指标": [f"指标 {s.id}" for s in spreads],
        "评估内容": [place[s.id][1].name for s in spreads],
        "相差": [s.gap for s in spreads],
    }
    for n, label in enumerate(cmp.labels):
        table[label] = [s.scores[n] for s in spreads]
    st.dataframe(pd.DataFrame(table), hide_index=True, key="compare.spreads")
    st.caption(
        f"相差 = 最高分 − 最低分；共比较 {len(cmp.labels)} 个单位，满分 {points(rubric.max)}。"
    )
