"""示例练习: load a sample unit as a new 练习 assessment, score it on the item pages, hand in,
then see the score against the answer key."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from jiguan.accounts import TRAINEE
from jiguan.charts import radar_overlay
from jiguan.format import CHINA_TZ, points, today
from jiguan.limits import MAX_TRAINEE_NAME_CHARS, PRACTICE_PREFIX, too_long
from jiguan.scoring import score
from jiguan.store import StoreError
from jiguan.training import (
    PRACTICE_UNIT_PREFIX,
    PROFILE_SAMPLE,
    PROFILE_SUBMITTED,
    PROFILE_TRAINEE,
    PROFILE_WORKSHOP,
    compare_with_key,
)
from pages.common import access, routes, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.training_ui import get_samples, is_practice, samples_by_id

ss = st.session_state


def _start() -> None:
    name = " ".join((ss.get("practice.name") or "").split())
    workshop = " ".join((ss.get("practice.workshop") or "").split())
    me = access.caller()
    if me.role == TRAINEE:  # joined with a code: the practice is theirs, in their workshop
        name, workshop = me.name, me.workshop
    sample = samples_by_id().get(ss.get("practice.sample") or "")
    if not name or sample is None:
        ss["practice.msg"] = "请填写姓名并选择一个示例单位。"
        return
    if problem := too_long("姓名", name, MAX_TRAINEE_NAME_CHARS):
        ss["practice.msg"] = f"{problem}（练习以「{PRACTICE_PREFIX}姓名」命名）。"
        return
    store = state.get_store()
    rubric = state.get_rubric()
    if me.role == TRAINEE:  # one practice per sample unit: open it again, never a 「（2）」
        mine = [a for a in store.list_assessments() if a.profile.get(PROFILE_SAMPLE) == sample.id]
        if mine:
            ss["practice.msg"] = ""
            state.select_assessment(max(a.id for a in mine))
            return
    profile = {
        PROFILE_SAMPLE: sample.id,
        PROFILE_WORKSHOP: workshop,
        PROFILE_TRAINEE: name,
        "填表人": name,
        "评估日期": today().isoformat(),
    }
    unit = f"{PRACTICE_UNIT_PREFIX}{sample.unit}"
    for n in range(1, 100):
        round_name = f"{PRACTICE_PREFIX}{name}" + (f"（{n}）" if n > 1 else "")
        try:
            info = store.create_assessment(unit, round_name, profile=profile)
            break
        except StoreError as exc:
            if "已有名为" not in str(exc):
                ss["practice.msg"] = f"未能创建练习：{exc}"
                return
    else:
        ss["practice.msg"] = "同名练习过多，请换一个姓名。"
        return
    try:
        store.replace_answers(info.id, sample.practice_sheet(rubric), user=name)
    except StoreError as exc:
        store.delete_assessment(info.id)
        ss["practice.msg"] = f"未能载入示例单位：{exc}"
        return
    ss["practice.msg"] = ""
    state.select_assessment(info.id)


def _hand_in(aid: int, left: int) -> None:
    """交卷 (final): with criteria still 未评, ask first."""
    if left and not ss.get("practice.confirming"):
        ss["practice.confirming"] = True
        return
    ss["practice.confirming"] = False
    store = state.get_store()
    info = store.get_assessment(aid)
    profile = dict(info.profile or {})
    profile[PROFILE_SUBMITTED] = dt.datetime.now(CHINA_TZ).isoformat(timespec="seconds")
    try:
        store.update_assessment(aid, profile=profile)
    except StoreError as exc:
        ss["practice.msg"] = f"未能交卷：{exc}"
        return
    session().loaded_aid = None  # reload the assessment (and its profile) on the next run


def _start_form() -> None:
    samples = get_samples()
    with st.container(border=True):
        st.subheader("开始新的练习", anchor=False)
        cols = st.columns(2)
        me = access.caller()
        if me.role == TRAINEE:
            st.caption(f"学员：{plain(me.name)}　培训班：{plain(me.workshop)}")
        else:
            cols[0].text_input("您的姓名（仅培训教师可见，导出时匿名）", key="practice.name")
            cols[1].text_input(
                "培训班代码（由培训教师告知）",
                key="practice.workshop",
                placeholder="如：2026-12 南京培训班",
            )
        st.radio(
            "示例单位",
            [s.id for s in samples],
            format_func=lambda sid: next(f"{s.title}　{s.level}" for s in samples if s.id == sid),
            key="practice.sample",
        )
        for s in samples:
            if s.id == ss.get("practice.sample"):
                st.caption(plain(s.summary))
        st.button(
            "载入示例单位，开始练习",
            type="primary",
            icon=":material/play_arrow:",
            on_click=_start,
            key="practice.start",
        )
        if ss.get("practice.msg"):
            st.error(ss["practice.msg"], icon=":material/error:")


def _current(info) -> None:
    rubric = state.get_rubric()
    profile = info.profile or {}
    sample = samples_by_id().get(profile.get(PROFILE_SAMPLE, ""))
    if sample is None:
        st.warning("这份练习所用的示例单位已不存在。", icon=":material/warning:")
        return
    answers = state.get_store().answers(info.id)
    comparison = compare_with_key(rubric, answers, sample)
    result = comparison.result
    st.subheader(plain(sample.title), anchor=False)
    st.markdown(
        f"学员：{plain(profile.get(PROFILE_TRAINEE, ''))}　"
        f"培训班：{plain(profile.get(PROFILE_WORKSHOP, '') or '（未填）')}"
    )
    if not profile.get(PROFILE_SUBMITTED):
        st.info(
            "请根据每个评分项下的佐证材料评分（备注里是该单位的自评，未必正确）。"
            "评完后回到本页交卷，交卷后才显示答案。",
            icon=":material/edit_note:",
        )
        cols = st.columns(3)
        cols[0].metric("已评评分项", f"{result.answered} / {result.criteria_count}")
        cols[1].metric("当前总分", points(result.total))
        with cols[2]:
            st.page_link(
                routes.page(rubric, routes.item_url(0)),
                label="去评分",
                icon=":material/edit:",
                query_params=state.link_params(),
            )
        left = result.criteria_count - result.answered
        if left:
            st.caption(f"还有 {left} 个评分项未评；未评按 0 分计。")
        if ss.get("practice.confirming"):
            open_ones = sum(1 for r in result.indicators.values() if not r.settled)
            st.warning(
                f"还有 {left} 个评分项未评（{open_ones} 个指标未评完），未评按 0 分计。"
                "交卷后不能再修改。确定交卷吗？",
                icon=":material/warning:",
            )
            confirm, cancel = st.columns(2)
            confirm.button(
                "确定交卷",
                type="primary",
                on_click=_hand_in,
                args=(info.id, left),
                key="practice.submit_confirm",
            )
            cancel.button(
                "继续评分",
                on_click=lambda: ss.update({"practice.confirming": False}),
                key="practice.keep_going",
            )
            return
        st.caption("交卷后练习不能再修改。")
        st.button(
            "交卷并查看答案",
            type="primary",
            on_click=_hand_in,
            args=(info.id, left),
            key="practice.submit",
            icon=":material/task_alt:",
        )
        return
    mine, key, agreed, differing = st.columns(4)
    mine.metric("我的总分", points(result.total))
    key.metric("答案总分", points(comparison.key_total))
    agreed.metric("与答案一致", f"{comparison.agreement:.0%}", help="得分与答案相同的指标所占比例")
    differing.metric("不一致指标", len(comparison.differing))
    key_result = score(rubric, sample.key_sheet)
    st.plotly_chart(
        radar_overlay([("我的评分", result), ("答案", key_result)], height=460),
        key="practice.radar",
        config={"displayModeBar": False},
    )
    st.dataframe(
        pd.DataFrame(
            {
                "指标": [f"指标 {r.id}" for r in comparison.rows],
                "我的得分": [r.trainee for r in comparison.rows],
                "答案": [r.key for r in comparison.rows],
                "相差": [r.apart for r in comparison.rows],
                "一致": ["✓" if r.agrees else "✗" for r in comparison.rows],
            }
        ),
        hide_index=True,
        height=460,
        key="practice.table",
    )
    st.subheader("与答案不一致的指标：答案的理由", anchor=False)
    if not comparison.differing:
        st.success("全部指标与答案一致。", icon=":material/celebration:")
    for r in comparison.differing:
        st.markdown(
            f"**指标 {r.id}**　我的 {points(r.trainee)} 分 · 答案 {points(r.key)} 分"
            f"  \n{plain(r.reason)}"
        )


def render() -> None:
    """示例练习."""
    st.title("示例练习")
    st.caption("示例单位均为虚构（示例单位，非真实单位），用于培训时练习按佐证评分。")
    info = session().info if session().aid is not None else None
    if info is not None and is_practice(info):
        _current(info)
        st.divider()
    _start_form()
