"""评审录入: the 评估组 enters its verdict per criterion beside the unit's claim.

One item at a time. A reason is asked for wherever the verdict differs from the claim; a
finalised review is shown read-only, with 重新打开 (reason required, kept in the history).
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from jiguan.format import format_time, points
from jiguan.limits import parse_id
from jiguan.reports import Profile
from jiguan.reports.review import (
    DOCX_MIME,
    LAYOUTS,
    XLSX_MIME,
    PanelInfo,
    build_review_docx,
    build_review_xlsx,
    review_docx_filename,
)
from jiguan.review import differs
from jiguan.rubric import Criterion, Indicator
from jiguan.scoring import PARTIAL, answer_words
from jiguan.sheet import SheetError, read_sheet_with_review, write_sheet
from pages.common import access, answers, review_input, routes, state
from pages.common.answers import VERDICTS
from pages.common.cell_widgets import check_control, count_input, option_label, points_control
from pages.common.review_input import REVIEW_URL, act
from pages.common.session import session
from pages.common.text import plain
from pages.common.ui import (
    badge,
    banners,
    conflict_box,
    given_back,
    require_assessment,
    stale_note,
)

ss = st.session_state


def render() -> None:
    info = require_assessment()
    if info is None:
        return
    s = session()
    banners()
    st.title("评审录入")
    if not state.may_review(info):
        st.info("只有分配到本单位的评估组成员可以录入评审。", icon=":material/lock:")
        return
    review_input.load()
    st.caption(f"{plain(info.title)} · 评估组逐项评定，单位自评保持不变。")
    if s.review_msg:
        kind, text = s.review_msg
        s.review_msg = None
        (st.error if kind == "error" else st.success)(plain(text))
    _head()
    final = s.review is not None and s.review.final
    rubric = state.get_rubric()
    titles = [routes.item_title(i, item) for i, item in enumerate(rubric.items)]
    if "rv.item" not in st.session_state:  # a new session: the item in the address (?item=3)
        wanted = parse_id(st.query_params.get("item", ""))
        st.session_state["rv.item"] = wanted - 1 if wanted and wanted <= len(titles) else 0
    index = st.segmented_control(
        "评估项目",
        range(len(titles)),
        format_func=lambda i: option_label(titles[i]),
        key="rv.item",
        on_change=_keep_item,
    )
    index = 0 if index is None else index
    if st.query_params.get("item") != str(index + 1):  # a reload or a restart comes back here
        st.query_params["item"] = str(index + 1)
    shown = {
        c.id
        for content in rubric.items[index].contents
        for i in content.indicators
        for c in i.criteria
    }
    with st.container():  # one slot, drawn empty too: it never moves what follows
        for slot in list(s.given_back):  # refused as the reviewer switched item: said here
            cid = slot.removeprefix(VERDICTS.slot(""))
            if slot.startswith(VERDICTS.slot("")) and cid not in shown:
                given_back(slot, away=True)
    for content in rubric.items[index].contents:
        st.subheader(content.name, divider="gray")
        for ind in content.indicators:
            _indicator(ind, final)
    _documents()
    _history()


def _keep_item() -> None:
    """A click on the item shown would deselect it (and show 一): it stays shown instead."""
    ss = st.session_state
    if ss.get("rv.item") is None:
        ss["rv.item"] = ss.get("rv.item.shown", 0)
    ss["rv.item.shown"] = ss["rv.item"]


def _head() -> None:
    s = session()
    review = s.review
    final = review is not None and review.final
    cmp = review_input.comparison()
    done = sum(1 for v in s.verdicts.values() if v.verdict.reviewed)
    missing = sum(
        1 for row in cmp.differences() if not (row.verdict and row.verdict.reason.strip())
    )
    with st.container(horizontal=True):
        st.metric("评审状态", review.state_label if review else "未开始")
        st.metric("评估组得分", points(cmp.panel_result.total))
        st.metric("单位自评", points(cmp.self_result.total))
        st.metric("已评定", f"{done} / {len(state.get_rubric().criteria)}")
        st.metric("待填理由", str(missing))
    with st.container(border=True):
        left, right = st.columns(2)
        for col, field, label in (
            (left, "reviewers", "评估组成员（姓名，用顿号分隔）"),
            (right, "review_date", "评估日期"),
        ):
            widget_key = f"rv.head.{field}"
            if widget_key not in ss or final:
                ss[widget_key] = getattr(review, field, "") if review else ""
            col.text_input(
                label, key=widget_key, disabled=final, on_change=_save_head, args=(field,)
            )
        if final and review is not None:
            st.success(
                f"评审已于 {format_time(review.finalised_at)} 由 {plain(review.finalised_by or '')}"
                " 定稿，以下内容只读。",
                icon=":material/verified:",
            )
            st.text_input("重新打开的原因（记入评审记录）", key="rv.reopen.reason")
            st.button(
                "重新打开评审", key="rv.reopen", icon=":material/lock_open:", on_click=_reopen
            )
            return
        with st.container(horizontal=True):
            st.button(
                "未评定的评分项按单位自评填入",
                key="rv.adopt",
                icon=":material/content_copy:",
                on_click=_adopt,
                help="评估组再逐项修改不同意的评定",
            )
            # Tracked on the server (key, on_change): a run under way when it was opened (the
            # poll's) would otherwise close it under the user's hand.
            with st.popover(
                "定稿",
                type="primary",
                icon=":material/verified:",
                key="rv.finalise.ask",
                on_change="rerun",
            ):
                st.markdown(
                    "定稿后评审内容只读，单位可在「评审对照」中查看结果；"
                    "如需修改，须填写理由重新打开。"
                )
                st.button("确认定稿", key="rv.finalise", type="primary", on_click=_finalise)


def _save_head(field: str) -> None:
    value = ss.get(f"rv.head.{field}", "")
    act(
        lambda: state.get_store().reviews.update_details(
            state.open_id(), user=state.who(), **{field: value}
        ),
        "评估组信息未保存",
    )


def _adopt() -> None:
    aid = state.open_id()
    act(
        lambda: state.get_store().reviews.adopt_claims(aid, user=state.who()),
        "未能填入",
        "已按单位自评填入 {result} 个评分项，请逐项核对。",
    )


def _finalise() -> None:
    aid = state.open_id()
    act(
        lambda: state.get_store().reviews.finalise(aid, user=state.who()),
        "未能定稿",
        "评审已定稿。单位现在可以在「评审对照」中查看结果。",
    )


def _reopen() -> None:
    aid = state.open_id()
    reason = ss.get("rv.reopen.reason", "")
    act(
        lambda: state.get_store().reviews.reopen(aid, user=state.who(), reason=reason),
        "未能重新打开",
        "评审已重新打开（已记入评审记录）。",
    )


def _indicator(ind: Indicator, final: bool) -> None:
    cmp_rows = {r.indicator_id: r for r in review_input.comparison().indicators}
    row = cmp_rows[ind.id]
    with st.container(border=True, key=f"rv-indicator-{ind.id}"):
        head, score = st.columns([6, 2])
        head.markdown(f"**指标 {ind.id}**　{plain(ind.text)}")
        gap = f"　:red[{points(row.difference)}]" if row.difference < 0 else ""
        gap = gap or (f"　:green[+{points(row.difference)}]" if row.difference > 0 else "")
        score.markdown(
            f"自评 {points(row.self_score)} · 评估组 **{points(row.panel_score)}** / "
            f"{points(row.max)}{gap}"
        )
        for criterion in ind.criteria:
            _criterion(criterion, ind, final)


def _criterion(criterion: Criterion, ind: Indicator, final: bool) -> None:
    s = session()
    cid = criterion.id
    VERDICTS.seed(cid, "ans", "pts", "reason", "site")
    claim = review_input.claims().get(cid)
    if len(ind.criteria) > 1:
        st.markdown(f":gray[{cid}]　{plain(criterion.text)}")
    notice = s.notices.get(VERDICTS.slot(cid))
    if notice:
        (st.warning if notice[0] == "warning" else st.error)(
            plain(notice[1]), icon=":material/sync_problem:"
        )
    given_back(VERDICTS.slot(cid))
    st.markdown(
        badge(
            f"单位自评：{answer_words(criterion, claim)}",
            color="gray",
            icon=":material/person:",
        )
    )
    on_change = VERDICTS.on_change
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        if criterion.kind == "count":
            label = f"评估组核定数量（{criterion.unit or '项'}）"
            args = (cid, "ans", REVIEW_URL)
            count_input(VERDICTS, label, cid, on_change, args, disabled=final, width=180)
        else:
            choice = check_control(
                VERDICTS,
                f"评估组评定（满分 {points(criterion.points)} 分）",
                answers.CHECK_OPTIONS,
                cid,
                on_change,
                (cid, "ans", REVIEW_URL),
                disabled=final,
            )
            if choice == PARTIAL and len(answers.partial_options(criterion)) > 1:
                points_control(VERDICTS, criterion, on_change, (cid, "pts", REVIEW_URL), final)
    if criterion.kind == "count":
        stale_note(VERDICTS, cid, "ans")
    conflict_box(VERDICTS, cid, "value", "reason", "site_note")
    verdict = review_input.verdict(cid)
    needs_reason = differs(criterion, claim, verdict)
    label = "扣分理由/评审意见（与自评不同，必填）" if needs_reason else "评审意见（选填）"
    left, right = st.columns([3, 2])
    with left:
        st.text_area(
            label, key=VERDICTS.key("reason", cid), on_change=on_change,
            value=VERDICTS.shown(cid, "reason") or "",
            args=(cid, "reason", REVIEW_URL), disabled=final, height=68,
        )  # fmt: skip
        stale_note(VERDICTS, cid, "reason")
    with right:
        st.text_input(
            "实地查看（选填）", key=VERDICTS.key("site", cid), on_change=on_change,
            value=VERDICTS.shown(cid, "site") or "",
            args=(cid, "site", REVIEW_URL), disabled=final,
            placeholder="如：现场查看了会议纪要原件",
        )  # fmt: skip
        stale_note(VERDICTS, cid, "site")
    if needs_reason and not verdict.reason.strip():
        st.markdown(badge("待填写扣分理由", color="orange", icon=":material/edit:"))


def _documents() -> None:
    s = session()
    rubric = state.get_rubric()
    cmp = review_input.comparison()
    review = s.review
    panel = PanelInfo(
        review.reviewers if review else "",
        review.review_date if review else "",
        bool(review and review.final),
    )
    info = s.info
    if info is None:  # (the page has one: require_assessment)
        return
    profile = Profile.from_assessment(info)
    st.subheader("评审文书与数据", divider="gray")
    layout = st.radio(
        "Word 版式",
        list(LAYOUTS),
        format_func=LAYOUTS.__getitem__,
        key="rv.layout",
        horizontal=True,
    )
    stem = f"正式评估_{info.unit_name}_{info.round_name}"
    target = info.audit_name
    with st.container(horizontal=True):
        st.download_button(
            "下载 Word（附件2 + 评估意见）",
            data=access.audited(
                lambda _: build_review_docx(rubric, cmp, profile, panel, layout=layout),
                "导出评审文书（Word）",
                target,
            ),
            file_name=review_docx_filename(layout, info.unit_name, info.round_name),
            mime=DOCX_MIME,
            on_click="ignore",
            icon=":material/description:",
            key="rv.download.docx",
        )
        st.download_button(
            "下载 Excel 对照表",
            data=access.audited(
                lambda _: build_review_xlsx(rubric, cmp, profile, panel),
                "导出评审对照表（Excel）",
                target,
            ),
            file_name=f"{stem}.xlsx",
            mime=XLSX_MIME,
            on_click="ignore",
            icon=":material/table:",
            key="rv.download.xlsx",
        )
        st.download_button(
            "下载 CSV（含评审列）",
            data=access.audited(
                partial(_review_sheet, rubric, review_input.claims(), dict(s.verdicts)),
                "导出评审答题表（CSV）",
                target,
            ),
            file_name=f"{stem}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="rv.download.csv",
        )
    if review is not None and review.final:
        return
    upload = st.file_uploader(
        "导入评审意见（CSV，含「评估组评定」列）", type=["csv"], key="rv.upload"
    )
    if upload is None:
        s.review_import = None
        return
    try:
        _, verdicts = read_sheet_with_review(upload.getvalue(), rubric)
    except SheetError as exc:
        st.error(plain(f"文件未导入：{exc}"))
        return
    if verdicts is None:
        st.error("文件中没有「评估组评定」（review_answer）列，未导入。")
        return
    s.review_import = {"verdicts": verdicts}
    st.info(
        f"文件中有 {len(verdicts)} 个评分项的评审意见。导入后，文件中没有的评分项将变为未评定。"
    )
    st.button("确认导入", key="rv.import", on_click=_import)


def _import() -> None:
    s = session()
    pending = s.review_import or {}
    s.review_import = None
    ss.pop("rv.upload", None)
    act(
        lambda: state.get_store().reviews.replace_verdicts(
            state.open_id(), pending.get("verdicts", {}), user=state.who()
        ),
        "评审意见未导入",
        "已导入，{result} 个评分项有变化。",
    )


def _history() -> None:
    s = session()
    if s.review is None:
        return
    with st.expander("评审记录"):
        events = (
            state.attempt(
                lambda: state.get_store().reviews.history(state.open_id()), "读取评审记录失败"
            )
            or []
        )
        labels = {
            "started": "开始评审",
            "details": "修改评估组信息",
            "finalised": "定稿",
            "reopened": "重新打开",
        }
        lines = []
        for e in reversed(events):
            what = labels.get(e.event) or f"评分项 {e.criterion_id}：{_verdict_words(e)}"
            tail = f"（{e.detail}）" if e.detail else ""
            lines.append(
                f"- {format_time(e.changed_at)} {plain(e.changed_by)}：{plain(what + tail)}"
            )
        st.markdown("\n".join(lines[:200]) or "暂无记录")


def _verdict_words(event) -> str:
    criterion = state.get_rubric().criteria.get(event.criterion_id or "")
    if criterion is None or event.new is None:
        return "评审意见"
    return f"评定为 {answer_words(criterion, event.new.answer)}"


def _review_sheet(rubric, claims, verdicts, _store) -> bytes:
    """The CSV with the panel's columns, from what the page showed (a download runs outside the
    browser's session: nothing of it may be read then)."""
    return write_sheet(rubric, claims, {c: v.verdict for c, v in verdicts.items()})
