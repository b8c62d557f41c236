"""提交自评: before the on-site review the unit submits its self-evaluation as it stands. The page
lists what is not ready (未评, 缺佐证, 部分符合 without points) for the submitter to confirm, asks
for 填表人 and 单位负责人, and shows every submission (提交记录). The 评估组 returns it for
changes (退回修改) with a reason. The store keeps the snapshot and refuses the unit's edits
while a submission stands."""

from __future__ import annotations

import streamlit as st

from jiguan.format import format_time
from jiguan.profile import FILLED_BY
from jiguan.store import ReviewInfo, StoreError, SubmissionInfo
from jiguan.submission import GAP_LABELS, readiness, short_hash
from pages.common import access, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.ui import banners, require_assessment


def _may_submit() -> bool:
    """The unit's own side (单机模式: anyone); never the 评估组."""
    info = session().info
    check = getattr(state.get_store(), "can_write", None)
    return info is not None and (check(info) if check is not None else True)


def _status(latest: SubmissionInfo | None, final: bool) -> None:
    if latest is None:
        st.info("这份自评尚未提交。", icon=":material/outgoing_mail:")
    elif latest.standing and final:
        st.success(
            f"已于 {format_time(latest.submitted_at)} 提交（第 {latest.number} 次，"
            f"提交人 {plain(latest.submitted_by)}），评审已定稿，自评只读。"
            f"内容摘要 {short_hash(latest.content_hash)}（打印在签字页上，用于核对）。",
            icon=":material/verified:",
        )
    elif latest.standing:
        st.success(
            f"已于 {format_time(latest.submitted_at)} 提交（第 {latest.number} 次，"
            f"提交人 {plain(latest.submitted_by)}），评估期间只读。"
            f"内容摘要 {short_hash(latest.content_hash)}（打印在签字页上，用于核对）。",
            icon=":material/lock:",
        )
    else:
        st.warning(
            f"第 {latest.number} 次提交已于 {format_time(latest.returned_at)} 被"
            f" {plain(latest.returned_by or '')} 退回修改：{plain(latest.return_reason or '')}",
            icon=":material/undo:",
        )


def _submit_form(latest: SubmissionInfo | None) -> None:
    """The form; after 退回修改 it offers the last submission's names again."""
    s = session()
    gaps = readiness(state.get_rubric(), s.answers)
    if gaps:
        st.subheader(f"尚未就绪的项目（{len(gaps)}）", divider="orange")
        for kind, label in GAP_LABELS.items():
            listed = [g for g in gaps if g.kind == kind]
            if listed:
                with st.expander(f"{label}：{len(listed)} 项"):
                    for g in listed:
                        st.markdown(f"- {g.where}：{plain(g.text)}")
    else:
        st.success("所有指标都已评定，有得分的指标都有佐证。", icon=":material/task_alt:")
    profile = s.info.profile if s.info is not None else {}
    with st.form("submit", enter_to_submit=False):
        filled_by = st.text_input(
            "填表人",
            value=latest.filled_by if latest is not None else profile.get(FILLED_BY, ""),
            max_chars=100,
        )
        leader = st.text_input(
            "单位负责人", value=latest.leader if latest is not None else "", max_chars=100
        )
        confirmed = True
        if gaps:
            confirmed = st.checkbox(f"我已核对以上 {len(gaps)} 项，确认按现状提交")
        sent = st.form_submit_button("提交自评", type="primary", icon=":material/send:")
    if not sent:
        return
    if not confirmed:
        st.error("请先勾选确认：以上尚未就绪的项目按现状提交。", icon=":material/error:")
        return
    done = state.attempt(
        lambda: state.get_store().submissions.submit(
            state.open_id(),
            user=state.who(),
            filled_by=filled_by,
            leader=leader,
            acknowledged=[f"{GAP_LABELS[g.kind]}：{g.where}" for g in gaps],
        ),
        "未能提交",
    )
    _settled(done)


def _return_form() -> None:
    with st.form("give-back", enter_to_submit=False):
        reason = st.text_area("退回理由（单位将看到）", max_chars=2000)
        sent = st.form_submit_button("退回修改", icon=":material/undo:")
    if sent:
        done = state.attempt(
            lambda: state.get_store().submissions.give_back(
                state.open_id(), user=state.who(), reason=reason
            ),
            "未能退回",
        )
        _settled(done)


def _return_or_final(review: ReviewInfo | None) -> None:
    """The return form, unless the review is final: 定稿 judged this submission, so the panel
    reopens the review first (the store refuses a return meanwhile)."""
    if review is not None and review.final:
        st.info(
            f"评审已于 {format_time(review.finalised_at)} 定稿，不能再退回修改。"
            "如确需单位修改，请先在「评审录入」填写理由重新打开评审。",
            icon=":material/verified:",
        )
        return
    _return_form()


def _settled(done: SubmissionInfo | None) -> None:
    """After a submit or return: reload the assessment (its pages change between editable
    and read-only), or say at once why nothing happened."""
    s = session()
    if done is not None:
        s.loaded_aid = None
        st.rerun()
    _message()


def _message() -> None:
    s = session()
    if s.home_msg is not None:
        kind, text = s.home_msg
        (st.error if kind == "error" else st.info)(plain(text))
        s.home_msg = None


def _history(rows: list[SubmissionInfo], final: bool) -> None:
    st.subheader("提交记录", divider="gray")
    if not rows:
        st.caption("尚无提交。")
        return
    st.dataframe(
        [
            {
                "次": r.number,
                "提交时间": format_time(r.submitted_at),
                "提交人": r.submitted_by,
                "填表人": r.filled_by,
                "单位负责人": r.leader,
                "内容摘要": short_hash(r.content_hash),
                "状态": (
                    ("已定稿" if final else "评估中")
                    if r.standing
                    else f"已退回：{r.return_reason or ''}"
                ),
                "确认按现状提交": "；".join(r.acknowledged),
            }
            for r in reversed(rows)
        ],
        hide_index=True,
        key="submit.history",
    )


def render() -> None:
    if not require_assessment():
        return
    banners()
    st.title("提交自评")
    s = session()
    store = state.get_store()
    try:
        rows = store.submissions.history(state.open_id())
        review = store.reviews.get(state.open_id())
    except StoreError as exc:
        st.error(f"读取提交记录失败：{plain(str(exc))}", icon=":material/error:")
        return
    _message()
    latest = rows[-1] if rows else None
    final = review is not None and review.final
    _status(latest, final)
    standing = latest is not None and latest.standing
    panel = access.shared() and s.info is not None and state.may_review(s.info)
    if standing and (panel or not access.shared()):  # 单机模式: whoever reviews here returns it
        _return_or_final(review)
    elif not standing and _may_submit():
        _submit_form(latest)
    _history(rows, final)
