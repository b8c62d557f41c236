"""整改台账: one 整改事项 per indicator that lost points (the finalised review's points and
扣分理由, else the unit's own), which the unit fills in (整改措施, 责任部门, 责任人, 完成时限,
完成情况, 完成佐证, 状态) and the 评估组 verifies (已核验). Overdue items (Beijing date) are
flagged; the Excel 整改台账 and the Word 整改情况报告 are downloaded here.

Each item is a form: 保存 sends only the fields the user changed, with the version and the values
the form was drawn from; the store merges them over a colleague's save of other fields or refuses
(`RectificationConflict`), and the user then chooses 用我的 / 用已保存的. A form is never refilled
under the user: a colleague's newer save is offered with 「载入最新内容」.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import streamlit as st

from jiguan.format import format_time, points, today
from jiguan.limits import MAX_NAME_CHARS, MAX_RECTIFICATION_CHARS
from jiguan.rectification import (
    DONE,
    FIELD_LABELS,
    IN_PROGRESS,
    PANEL,
    STATUS_LABELS,
    UNIT_FIELDS,
    UNIT_STATUSES,
    VERIFIED,
    RectificationItem,
    counts,
    evidence_lines,
)
from jiguan.reports import REPORT_FORMATS, Profile, build_report, report_filename
from jiguan.store import (
    AssessmentInfo,
    PastDueDate,
    RectificationConflict,
    StoreError,
    StoreUnavailable,
)
from pages.common import access, rectify_input, state
from pages.common.text import plain
from pages.common.training_ui import is_practice
from pages.common.ui import badge, banners, require_assessment
from pages.views.rectify_files import files
from pages.views.rectify_files import item_key as _key
from pages.views.rectify_files import say as _message

ss = st.session_state
LEDGER_FORMATS = ("rectification-xlsx", "rectification-docx")
STATUS_COLORS = {"not_started": "gray", IN_PROGRESS: "blue", DONE: "green", VERIFIED: "violet"}


def _form_value(item: RectificationItem, name: str) -> Any:
    return item.field(name)


def _seed(item: RectificationItem) -> None:
    """The form's widgets show ``item``; it is the base of the next save."""
    for name in UNIT_FIELDS:
        ss[_key(item.id, name)] = _form_value(item, name)
    ss[_key(item.id, "base")] = item


def _base(item_id: int) -> RectificationItem | None:
    found = ss.get(_key(item_id, "base"))
    return found if isinstance(found, RectificationItem) else None


def _typed(item_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in UNIT_FIELDS:
        value = ss.get(_key(item_id, name))
        if name == "due_date":
            out[name] = value if isinstance(value, date) else None
        else:
            out[name] = "" if value is None else value
    return out


def _save(item_id: int, *, confirm: bool = False, over: RectificationItem | None = None) -> None:
    """保存 (the form's button, or 确认 / 用我的): the fields changed since the form was drawn,
    over the version it was drawn from (``over``: the colleague's version, to keep mine)."""
    base = over or _base(item_id)
    if base is None:
        return
    typed = _typed(item_id)
    changes = {f: v for f, v in typed.items() if v != base.field(f)}
    ss.pop(_key(item_id, "conflict"), None)
    ss.pop(_key(item_id, "pastdue"), None)
    if not changes:
        _message(item_id, "info", "没有修改，无需保存。")
        return
    try:
        saved = state.get_store().rectification.update(
            item_id,
            changes,
            expected_version=base.version,
            base={f: base.field(f) for f in changes},
            user=state.who(),
            confirm_past_due=confirm,
        )
    except RectificationConflict as exc:
        ss[_key(item_id, "conflict")] = (exc.current, exc.fields)
        return
    except PastDueDate as exc:
        ss[_key(item_id, "pastdue")] = str(exc)
        return
    except StoreUnavailable as exc:
        state.saving().outage.fail()
        _refused(item_id, changes, str(exc))
        return
    except StoreError as exc:
        _refused(item_id, changes, str(exc))
        return
    ss.pop(_key(item_id, "unsaved"), None)
    _seed(saved)
    _message(item_id, "success", f"已保存（{format_time(saved.updated_at)}）。")


def _refused(item_id: int, changes: dict[str, Any], why: str) -> None:
    """A refused save: the form keeps what was typed; should the item no longer be editable
    when the page is drawn (verified or closed meanwhile), `_unsaved` shows it instead."""
    _message(item_id, "error", f"未能保存：{why}")
    ss[_key(item_id, "unsaved")] = changes


def _unsaved(item_id: int) -> None:
    """What the user typed and could not save, on an item drawn read-only: never dropped
    silently; it stays until they say they have kept it."""
    changes = ss.get(_key(item_id, "unsaved"))
    if not changes:
        return
    with st.container(border=True):
        st.warning(
            "此事项已不能再修改，您填写的以下内容未能保存，请复制留存：",
            icon=":material/content_copy:",
        )
        for name, value in changes.items():
            st.caption(FIELD_LABELS.get(name, name))
            st.code(_shown(name, value), language=None, wrap_lines=True)
        st.button(
            "已留存，关闭",
            key=_key(item_id, "unsaved.done"),
            on_click=lambda: ss.pop(_key(item_id, "unsaved"), None),
        )


def _take_saved(item: RectificationItem, fields: list[str]) -> None:
    """用已保存的: the colleague's values of the conflicting ``fields``; my changes of the other
    fields (refused with them) are saved over their version, never replaced."""
    ss.pop(_key(item.id, "conflict"), None)
    base = _base(item.id)
    mine = {
        f: v
        for f, v in _typed(item.id).items()
        if f not in fields and base is not None and v != base.field(f)
    }
    _seed(item)
    if mine:
        for name, value in mine.items():
            ss[_key(item.id, name)] = value
        _save(item.id)


def _set_status(item: RectificationItem, status: str) -> None:
    """评估组: 已核验, or 核验不通过 (back to 整改中)."""
    try:
        saved = state.get_store().rectification.update(
            item.id,
            {"status": status},
            expected_version=item.version,
            base={f: item.field(f) for f in UNIT_FIELDS},  # 核验: of the item as shown
            user=state.who(),
        )
    except StoreUnavailable as exc:
        state.saving().outage.fail()
        _message(item.id, "error", f"未能保存：{exc}")
        return
    except StoreError as exc:
        _message(item.id, "error", f"未能保存：{exc}")
        return
    _seed(saved)
    word = "已核验" if status == VERIFIED else "已退回整改（核验不通过）"
    _message(item.id, "success", f"指标 {item.indicator_id}：{word}。")


def _document(fmt: str, aid: int, store: Any) -> bytes:
    """The Excel 整改台账 or Word 整改情况报告, built in the caller's scope (`access.audited`)."""
    info = store.get_assessment(aid)
    return build_report(
        fmt,
        store.rubric,
        store.answers(aid),
        Profile.from_assessment(info),
        items=store.rectification.items(aid),
    )


def _downloads(info: AssessmentInfo) -> None:
    cols = st.columns(len(LEDGER_FORMATS))
    for col, fmt in zip(cols, LEDGER_FORMATS, strict=True):
        spec = REPORT_FORMATS[fmt]
        col.download_button(
            f"下载{spec.label}",
            data=access.audited(
                partial(_document, fmt, info.id), f"导出{spec.label}", info.audit_name
            ),
            file_name=report_filename(fmt, info.unit_name, today()),
            mime=spec.mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"rect.download.{fmt}",
            width="stretch",
        )


def _head(item: RectificationItem, day: date) -> None:
    rubric = state.get_rubric()
    ind = rubric.indicator_by_id.get(item.indicator_id)
    first = ind.text.splitlines()[0] if ind is not None else ""
    st.markdown(f"**指标 {item.indicator_id}**　{plain(first)}")
    marks = [
        badge(
            "已关闭" if item.closed else item.status_label,
            color="gray" if item.closed else STATUS_COLORS.get(item.status, "gray"),
        ),
        badge(f"失分 {points(item.points_lost)} 分", color="orange"),
        badge(item.source_label, color="blue" if item.source == PANEL else "gray"),
    ]
    if item.overdue(day):
        marks.append(
            badge(f"逾期（完成时限 {item.due_date}）", color="red", icon=":material/alarm:")
        )
    if item.carried_from is not None:
        marks.append(badge("上一轮结转", color="gray"))
    st.markdown(" ".join(marks))
    st.markdown(f":gray[扣分理由：]  \n{plain(item.reason)}")
    if item.closed:
        st.caption(f"{plain(item.closed_note)}（{format_time(item.closed_at)}）")
    if item.status == VERIFIED and item.verified_by:
        st.caption(f"核验人：{plain(item.verified_by)}")


def _view(item: RectificationItem) -> None:
    """The item read-only: what the unit filled in."""
    for name in ("measures", "department", "owner", "progress"):
        value = item.field(name)
        st.markdown(f":gray[{FIELD_LABELS[name]}：]{plain(value) if value else '（未填写）'}")
    due = item.due_date.isoformat() if item.due_date else "（未填写）"
    st.markdown(f":gray[完成时限：]{due}")
    proof = evidence_lines(item)
    st.markdown(":gray[完成佐证：]" + ("  \n".join(plain(p) for p in proof) or "（未填写）"))


def _feedback(item: RectificationItem) -> None:
    msg = ss.pop(_key(item.id, "msg"), None)
    if msg:
        kind, text = msg
        {"success": st.success, "info": st.info}.get(kind, st.error)(plain(text))
    pastdue = ss.get(_key(item.id, "pastdue"))
    if pastdue:
        with st.container(border=True):
            st.warning(plain(pastdue), icon=":material/event_busy:")
            st.button(
                "确认完成时限并保存",
                key=_key(item.id, "confirm"),
                on_click=partial(_save, item.id, confirm=True),
            )
    conflict = ss.get(_key(item.id, "conflict"))
    if conflict:
        current, fields = conflict
        with st.container(border=True):
            st.warning(
                f"{plain(current.updated_by)} 于 {format_time(current.updated_at)} 保存了此事项的"
                f"{'、'.join(FIELD_LABELS[f] for f in fields)}，您的修改尚未保存。"
                "请选择保留哪一份：",
                icon=":material/sync_problem:",
            )
            mine, theirs = st.columns(2)
            typed = _typed(item.id)
            for f in fields:
                mine.caption(f"您填写的{FIELD_LABELS[f]}")
                mine.text(_shown(f, typed[f]))
                theirs.caption(f"{plain(current.updated_by)} 保存的{FIELD_LABELS[f]}")
                theirs.text(_shown(f, current.field(f)))
            a, b = st.columns(2)
            a.button(
                "用我的", key=_key(item.id, "mine"), on_click=partial(_save, item.id, over=current)
            )
            b.button(
                "用已保存的",
                key=_key(item.id, "theirs"),
                on_click=_take_saved,
                args=(current, fields),
            )


def _shown(field: str, value: Any) -> str:
    if field == "status":
        return STATUS_LABELS.get(value, str(value))
    if field == "due_date":
        return value.isoformat() if isinstance(value, date) else "（空）"
    return str(value) or "（空）"


def _form(item: RectificationItem, *, reviewer: bool) -> None:
    base = _base(item.id)
    if base is None or any(_key(item.id, name) not in ss for name in UNIT_FIELDS):
        _seed(item)  # first drawn, or back on the page (Streamlit forgot the widgets' values)
    elif base.version != item.version and _key(item.id, "conflict") not in ss:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(
                f":orange[{plain(item.updated_by)} 已保存了新的内容；您保存时会与之比较，"
                "不会覆盖对方的修改。]"
            )
            st.button(
                "载入最新内容",
                key=_key(item.id, "fresh"),
                on_click=_seed,
                args=(item,),
                type="tertiary",
            )
    statuses = list(UNIT_STATUSES)
    if item.status == VERIFIED or reviewer:
        statuses.append(VERIFIED)
    with st.form(f"rect.form.{item.id}", enter_to_submit=False, border=False):
        st.text_area(
            "整改措施", key=_key(item.id, "measures"), max_chars=MAX_RECTIFICATION_CHARS, height=90
        )
        a, b, c, d = st.columns(4)
        a.text_input("责任部门", key=_key(item.id, "department"), max_chars=MAX_NAME_CHARS)
        b.text_input("责任人", key=_key(item.id, "owner"), max_chars=MAX_NAME_CHARS)
        c.date_input("完成时限", key=_key(item.id, "due_date"), format="YYYY-MM-DD")
        d.selectbox(
            "状态",
            statuses,
            key=_key(item.id, "status"),
            format_func=lambda s: STATUS_LABELS.get(s, s),
        )
        st.text_area(
            "完成情况", key=_key(item.id, "progress"), max_chars=MAX_RECTIFICATION_CHARS, height=80
        )
        st.text_area(
            "完成佐证（每行一项，如文件名称和文号）",
            key=_key(item.id, "evidence"),
            max_chars=MAX_RECTIFICATION_CHARS,
            height=80,
        )
        st.form_submit_button(
            "保存", type="primary", icon=":material/save:", on_click=_save, args=(item.id,)
        )


def _verify_buttons(item: RectificationItem) -> None:
    with st.container(horizontal=True):
        if item.status == DONE:
            st.button(
                "核验通过（已核验）",
                key=_key(item.id, "verify"),
                on_click=_set_status,
                args=(item, VERIFIED),
                icon=":material/verified:",
                type="primary",
            )
        if item.status in (DONE, VERIFIED):
            st.button(
                "核验不通过，退回整改",
                key=_key(item.id, "reject"),
                on_click=_set_status,
                args=(item, IN_PROGRESS),
                icon=":material/undo:",
            )


def _item(item: RectificationItem, day: date, *, writer: bool, reviewer: bool) -> None:
    with st.container(border=True, key=f"rect-item-{item.id}"):
        # Two boxes made first: what is drawn above (messages come and go) never moves the
        # files box, so its uploader stays the same widget in the browser.
        top, files_box = st.container(), st.container()
        with top:
            _head(item, day)
            _feedback(item)
            unit_may = writer and (item.status != VERIFIED or reviewer)
            if unit_may and not item.closed:
                ss.pop(_key(item.id, "unsaved"), None)  # the form still holds it
                _form(item, reviewer=reviewer)
            else:
                _unsaved(item.id)
                _view(item)
            if reviewer and not writer and not item.closed:
                _verify_buttons(item)
            elif reviewer and writer and not item.closed and item.status in (DONE, VERIFIED):
                _verify_buttons(item)  # 单机模式 / 管理员: the panel's buttons too
        with files_box:
            files(item, writable=writer and item.status != VERIFIED and not item.closed)


def render() -> None:
    info = require_assessment()
    if not info:
        return
    banners()
    st.title("整改台账")
    if is_practice(info):
        st.info("培训练习没有整改台账。", icon=":material/info:")
        return
    store = state.get_store()
    writer = store.can_write(info) and not state.read_only(info)
    reviewer = state.may_review(info)
    try:
        if writer or reviewer:
            store.rectification.sync(info.id, user=state.who())
        items = store.rectification.items(info.id)
        review = store.reviews.get(info.id)
        rectify_input.drawn(info.id, items)
    except StoreUnavailable as exc:
        state.saving().outage.fail()
        st.error(f"读取整改台账失败：{plain(str(exc))}", icon=":material/error:")
        return
    except StoreError as exc:
        st.error(f"读取整改台账失败：{plain(str(exc))}", icon=":material/error:")
        return
    if review is not None and review.final:
        st.caption(
            f"依据评估组定稿（{format_time(review.finalised_at)}）：每个失分指标一项，"
            "失分和扣分理由取自评估组的评定。"
        )
    else:
        st.caption(
            "评估组尚未定稿：暂按本单位自评的失分列出（未评完的指标不列）；定稿后按评估组的得分和扣分理由更新。"
        )
    if not writer and not reviewer:
        st.info("您可以查看本台账，但不能修改。", icon=":material/visibility:")
    elif reviewer and not writer:
        st.info(
            "评估组：单位标记为「已完成」的事项，请核验（已核验 / 核验不通过）。",
            icon=":material/verified:",
        )
    day = today()
    live = [i for i in items if not i.closed]
    open_n, overdue = counts(live, day)
    with st.container(horizontal=True):
        st.metric("整改事项", len(live), width="content")
        st.metric("未完成", open_n, width="content")
        st.metric("逾期", overdue, width="content")
        st.metric("已完成", sum(i.status == DONE for i in live), width="content")
        st.metric("已核验", sum(i.status == VERIFIED for i in live), width="content")
    if overdue:
        st.error(
            f"{overdue} 项已过完成时限（北京时间 {day.isoformat()}）仍未完成。",
            icon=":material/alarm:",
        )
    if not items:
        st.success("目前没有失分的指标，无需整改。", icon=":material/task_alt:")
        return
    _downloads(info)
    closed = [i for i in items if i.closed]
    show_closed = bool(closed) and st.toggle(
        f"显示已自动关闭的事项（{len(closed)}）", key="rect.show_closed"
    )
    for item in items:
        if item.closed and not show_closed:
            continue
        _item(item, day, writer=writer, reviewer=reviewer)
