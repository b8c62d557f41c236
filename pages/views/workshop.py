"""培训班结果: the trainer's live view of a workshop: who has handed in, the distribution of
totals, the discussion list (real splits, 未评 apart), what the room chose per criterion
against the key, the roster, an anonymised export, and resetting some or all practices.

Statistics cover handed-in practices unless 包括未交卷 is on; the trainer may scope the
exercise to some 评估项目 or indicators. The results redraw every `LIVE_SECONDS`."""

from __future__ import annotations

import io
from functools import partial

import pandas as pd
import streamlit as st

from jiguan.accounts import ADMIN, TRAINER
from jiguan.charts import apart_heatmap, totals_histogram
from jiguan.reports.handouts import build_key_handout, build_sample_handout
from jiguan.rubric import Rubric
from jiguan.scoring import ANSWER_LABELS, NO, PARTIAL, YES
from jiguan.store import StoreError
from jiguan.training import PROFILE_TRAINEE, Room, short_label
from pages.common import access, roster, routes, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.training_ui import practices_of, room_of, samples_by_id, workshop_codes

ss = st.session_state
LIVE_SECONDS = 5
SCREEN_URL = "workshop-screen"


def _reset(code: str, names: list[str]) -> None:
    """Clear the practices of ``names`` (everyone when empty); the workshop stays open."""
    store = state.get_store()
    removed = 0
    try:
        for info in practices_of(code):
            if names and (info.profile or {}).get(PROFILE_TRAINEE) not in names:
                continue
            store.delete_assessment(info.id)
            store.purge_assessment(info.id)
            removed += 1
            if session().aid == info.id:
                state.select_assessment(None)
    except StoreError as exc:
        ss["workshop.msg"] = ("error", f"已清除 {removed} 份后出错：{exc}")
        return
    ss["workshop.confirm"] = False
    whose = "、".join(names) if names else "全部学员"
    ss["workshop.msg"] = ("success", f"已清除培训班「{code}」中{whose}的 {removed} 份练习。")


def _excel(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, sheet_name="练习结果")
    return buffer.getvalue()


def scope_picker(rubric: Rubric) -> tuple[int, ...]:
    """The exercise: the indicators of the chosen 评估项目 and the chosen indicators (all when
    nothing is chosen)."""
    cols = st.columns(2)
    items = cols[0].multiselect(
        "练习范围：评估项目",
        list(range(len(rubric.items))),
        format_func=lambda i: routes.item_title(i, rubric.items[i]),
        key="workshop.items",
        placeholder="全部评估项目",
    )
    chosen = cols[1].multiselect(
        "练习范围：指标",
        list(rubric.indicator_by_id),
        format_func=lambda i: f"指标 {i}",
        key="workshop.inds",
        placeholder="全部指标",
    )
    if not items and not chosen:
        return ()
    picked = {ind.id for i in items for c in rubric.items[i].contents for ind in c.indicators}
    return tuple(i for i in rubric.indicator_by_id if i in picked or i in chosen)


def choice_rows(rubric: Rubric, room: Room) -> list[dict[str, object]]:
    """Per criterion of the exercise: how many chose 符合 / 部分符合 / 不符合, left it 未评, or
    counted how many, and the key's answer."""
    rows = []
    for ind_id in room.indicator_ids:
        for c in rubric.indicator_by_id[ind_id].criteria:
            counts = room.choices.get(c.id, {})
            key = room.key_choice.get(c.id)
            row: dict[str, object] = {"指标": f"指标 {ind_id}", "评分项": short_label(c)}
            if c.kind == "count":
                numbers = sorted((v, n) for v, n in counts.items() if v is not None)
                row["学员的评定"] = "　".join(f"数量 {v}：{n} 人" for v, n in numbers) or "—"
            else:
                row["学员的评定"] = "　".join(
                    f"{ANSWER_LABELS[v]} {counts.get(v, 0)}" for v in (YES, PARTIAL, NO)
                )
            row["未评"] = counts.get(None, 0)
            row["答案"] = ANSWER_LABELS.get(key, str(key)) if key is not None else "未评"
            rows.append(row)
    return rows


def _results(code: str, include: bool, scope: tuple[int, ...]) -> None:
    rubric = state.get_rubric()
    samples = samples_by_id()
    infos = practices_of(code)
    room = room_of(infos, include_in_progress=include, indicators=scope)
    handed_in = sum(1 for i in infos if roster.handed_in(i))
    with st.container(horizontal=True, wrap=True, gap="large"):
        st.metric("已开始练习", len(infos), width="content")
        st.metric("已交卷", f"{handed_in} / {len(infos)}", width="content")
        st.metric("纳入统计", len(room.labels), width="content")
        mean_agree = sum(room.agreement) / len(room.agreement) if room.agreement else 0
        st.metric(
            "平均一致率",
            f"{mean_agree:.0%}",
            help="得分与答案相同的指标所占比例（练习范围内）",
            width="content",
        )
    roster.show(code, infos)
    if not room.labels:
        st.info(
            "还没有可统计的练习（默认只统计已交卷的练习；可打开「包括未交卷的学员」）。",
            icon=":material/info:",
        )
        _exports(code, room)
        return
    st.subheader("讨论清单：学员分歧最大的指标", anchor=False)
    place = rubric.place_of
    st.dataframe(
        pd.DataFrame(
            {
                "指标": [f"指标 {d.id}" for d in room.discussion],
                "评估内容": [place[d.id][1].name for d in room.discussion],
                "与答案不一致": [f"{d.differing} / {d.answered} 人" for d in room.discussion],
                "未评": [f"{d.unanswered} 人" for d in room.discussion],
                "平均相差（分）": [round(d.mean_apart, 2) for d in room.discussion],
            }
        ),
        hide_index=True,
        key="workshop.discussion",
    )
    if not room.discussion:
        st.success("已评的指标全部与答案一致。", icon=":material/celebration:")
    st.caption("「与答案不一致」只计评完该指标的学员；未评的学员单独计数。")
    st.subheader("分歧指标的各评分项：学员的评定与答案", anchor=False)
    rows = choice_rows(rubric, room)
    split = {f"指标 {d.id}" for d in room.discussion}
    if split:  # st.table: the text wraps on a projector (a dataframe would be cut)
        st.table(pd.DataFrame([r for r in rows if r["指标"] in split]), hide_index=True)
    with st.expander("全部评分项：学员的评定与答案"):
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="workshop.choices")
    st.subheader("总分分布（练习范围内）", anchor=False)
    groups: dict[str, list[float]] = {}
    for sid, total in zip(room.sample_ids, room.totals, strict=True):
        groups.setdefault(samples[sid].unit, []).append(total)
    key_totals = {
        samples[sid].unit: total
        for sid, total in zip(room.sample_ids, room.key_totals, strict=True)
    }
    maximum = sum(rubric.indicator_by_id[i].max for i in room.indicator_ids)
    st.plotly_chart(
        totals_histogram(groups, key_totals, maximum=maximum),
        key="workshop.hist",
        config={"displayModeBar": False},
    )
    st.subheader("各指标与答案相差（分）", anchor=False)
    st.plotly_chart(
        apart_heatmap(room.indicator_ids, room.labels, room.apart),
        key="workshop.heatmap",
        config={"displayModeBar": False},
    )
    _exports(code, room)


def _exports(code: str, room: Room) -> None:
    st.subheader("导出（匿名）", anchor=False)
    rows = room.export_rows(state.get_rubric(), samples_by_id())
    frame = pd.DataFrame(rows)
    csv_col, excel_col = st.columns(2)
    csv_col.download_button(
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
    excel_col.download_button(
        "下载 Excel",
        data=access.audited(lambda _: _excel(rows), "导出培训班结果（Excel）", code),
        file_name=f"培训班练习结果_{code}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
        key="workshop.xlsx",
    )
    st.caption("导出不含学员姓名（按学员 01、02… 编号），只含纳入统计的练习和练习范围内的指标。")


def _handouts() -> None:
    """Printable A4 handouts of each sample unit: its evidence (for trainees) and its key."""
    rubric = state.get_rubric()
    with st.expander("打印讲义（PDF，A4）"):
        for sample in samples_by_id().values():
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(plain(sample.unit))
            row.download_button(
                "佐证材料（发给学员）",
                data=partial(build_sample_handout, rubric, sample),
                file_name=f"示例单位佐证材料_{sample.id}.pdf",
                mime="application/pdf",
                on_click="ignore",
                icon=":material/print:",
                key=f"workshop.pack.{sample.id}",
            )
            row.download_button(
                "答案（教师用）",
                data=partial(build_key_handout, rubric, sample),
                file_name=f"示例单位答案_{sample.id}.pdf",
                mime="application/pdf",
                on_click="ignore",
                icon=":material/print:",
                key=f"workshop.key.{sample.id}",
            )
        st.caption("评估指引讲义（规则和算例）在「评估指引」页下载。")


def _reset_form(code: str) -> None:
    infos = practices_of(code)
    with st.expander("清除练习数据（培训班不结束）"):
        names = sorted({(i.profile or {}).get(PROFILE_TRAINEE, "") for i in infos} - {""})
        chosen = st.multiselect(
            "只清除这些学员的练习（不选则清除全部）",
            names,
            key="workshop.reset_names",
            placeholder="全部学员",
        )
        count = sum(1 for i in infos if not chosen or i.profile.get(PROFILE_TRAINEE) in chosen)
        st.warning(
            f"将永久删除培训班「{plain(code)}」的 {count} 份练习，无法恢复；"
            "培训班继续进行，学员可以重新开始练习。",
            icon=":material/delete_forever:",
        )
        st.checkbox("我已了解，确认清除", key="workshop.confirm")
        st.button(
            "清除练习数据",
            on_click=_reset,
            args=(code, list(chosen)),
            disabled=not ss.get("workshop.confirm"),
            key="workshop.reset",
        )


def render() -> None:
    """The room's results for one workshop code."""
    st.title("培训班结果")
    msg = ss.pop("workshop.msg", None)
    if msg:
        getattr(st, msg[0])(plain(msg[1]))
    rubric = state.get_rubric()
    codes = workshop_codes()
    if not codes:
        teaching = not access.shared() or access.caller().role in (TRAINER, ADMIN)
        st.info(
            "还没有任何练习。请告诉学员一个培训班代码（如「2026-12 南京培训班」），"
            "学员在「示例练习」页填写该代码后开始练习，结果就会出现在这里。"
            if teaching  # the instructions are the trainer's, not a 填报人's
            else "还没有任何练习。培训班的练习结果由培训师在此查看。",
            icon=":material/groups:",
        )
        return
    code = st.selectbox("培训班代码", codes, key="workshop.code")
    scope = scope_picker(rubric)
    include = st.toggle("包括未交卷的学员", key="workshop.all")
    st.page_link(
        routes.page(rubric, SCREEN_URL),
        label="打开投影视图（匿名，大字，自动刷新）",
        icon=":material/cast:",
        query_params={"w": code, "i": ",".join(map(str, scope)), "all": "1" if include else ""},
    )
    st.caption(f"以下结果每 {LIVE_SECONDS} 秒自动更新。")
    st.fragment(run_every=LIVE_SECONDS)(_results)(code, include, scope)
    _handouts()
    _reset_form(code)
