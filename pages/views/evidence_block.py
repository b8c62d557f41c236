"""A criterion's 佐证材料与备注 block: evidence lines, note, files, history, text conflicts.

An expander whose contents are drawn only while it is open (``on_change="rerun"``): closed,
it sends nothing. Its text fields commit on blur, so it is never inside a fragment (see
pages/answers.py).
"""

from __future__ import annotations

from functools import partial
from typing import cast

import pandas as pd
import streamlit as st

from jiguan.evidence import number_evidence
from jiguan.format import format_time, size_text
from jiguan.rubric import Criterion, Indicator
from jiguan.scoring import answer_words
from jiguan.store import ALLOWED_EXTENSIONS, EvidenceFile, StoreError, StoreUnavailable
from pages.common import access, state
from pages.common.answers import ANSWERS
from pages.common.session import Uploads, session
from pages.common.text import plain
from pages.common.ui import conflict_box, stale_note, upload_report

EVENTS = {"answer": "修改", "file_added": "上传文件", "file_removed": "移除文件", "copied": "复制"}
SHORT = 40  # characters of a text shown in the history table


def evidence_block(criterion: Criterion, ind: Indicator, page_url: str, writable: bool) -> None:
    cid = criterion.id
    label = "佐证材料与备注" if len(ind.criteria) == 1 else f"佐证材料与备注（{cid}）"
    block = st.expander(label, icon=":material/attach_file:", key=f"open.{cid}", on_change="rerun")
    if not block.open:
        if cid not in session().text_conflicts:
            ANSWERS.drop(cid, "ev", "note")
        session().uploads.pop(cid, None)  # the uploader is gone with its files
        return
    ANSWERS.seed(cid, "ev", "note")
    s = session()
    answer = s.answers.get(cid)
    n_entries = len([x for x in (answer.evidence if answer else "").splitlines() if x.strip()])
    on_change = ANSWERS.on_change
    with block:
        conflict_box(ANSWERS, cid, "evidence", "note")
        st.caption(f"已填 {n_entries} 条佐证，已上传 {len(s.files.get(cid, ()))} 个文件")
        left, right = st.columns([3, 2])
        with left:
            st.text_area(
                "佐证材料（每行一条：文件名称、文号或链接）",
                key=ANSWERS.key("ev", cid),
                value=ANSWERS.shown(cid, "ev") or "",  # a fresh field shows what is held
                on_change=on_change,
                args=(cid, "ev", page_url),
                height=100,
                placeholder="例如：关于成立标准化试点工作领导小组的通知（某机关发〔2025〕1号）",
                disabled=not writable,
            )
            stale_note(ANSWERS, cid, "ev")
            st.text_input(
                "备注",
                key=ANSWERS.key("note", cid),
                value=ANSWERS.shown(cid, "note") or "",
                on_change=on_change,
                args=(cid, "note", page_url),
                disabled=not writable,
            )
            stale_note(ANSWERS, cid, "note")
            if st.toggle("显示修改记录", key=f"hist.{cid}"):
                _history(criterion)
        with right:
            _files(cid, writable)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _what_changed(criterion: Criterion, entry) -> tuple[str, str]:
    """History columns 原内容 / 新内容: the answer, and evidence or note text when those moved."""
    if entry.filename:
        return entry.filename, entry.filename
    old, new = entry.old, entry.new
    parts_old, parts_new = [], []
    if old is None or (old.value, old.points) != (new.value, new.points):
        parts_old.append(answer_words(criterion, old))
        parts_new.append(answer_words(criterion, new))
    for name, label in (("evidence", "佐证"), ("note", "备注")):
        before = getattr(old, name) if old is not None else ""
        after = getattr(new, name)
        if before != after:
            parts_old.append(f"{label}：{_short(before) or '（空）'}")
            parts_new.append(f"{label}：{_short(after) or '（空）'}")
    if not parts_new:
        parts_old.append(answer_words(criterion, old))
        parts_new.append(answer_words(criterion, new))
    return "；".join(parts_old), "；".join(parts_new)


def _history(criterion: Criterion) -> None:
    try:
        entries = state.get_store().history(state.open_id(), criterion.id)
    except StoreError as exc:
        st.caption(f"暂时无法读取修改记录：{plain(str(exc))}")
        return
    if not entries:
        st.caption("还没有修改记录。")
        return
    entries = list(reversed(entries))
    changes = [_what_changed(criterion, e) for e in entries]
    st.dataframe(
        pd.DataFrame(
            {
                "时间": [format_time(e.changed_at) for e in entries],
                "修改人": [e.changed_by for e in entries],
                "操作": [EVENTS.get(e.event, e.event) for e in entries],
                "原内容": [old for old, _ in changes],
                "新内容": [new for _, new in changes],
            }
        ),
        hide_index=True,
        height=min(36 * len(entries) + 40, 260),
    )


def _file_numbers() -> dict[int, str]:
    """File id -> its number in the 佐证材料目录 and the evidence package (one numbering)."""
    s = session()
    groups = number_evidence(state.get_rubric(), s.answers, s.files)
    return {
        cast(EvidenceFile, e.file).id: e.number  # s.files holds the store's EvidenceFiles
        for g in groups
        for e in g.entries
        if e.file is not None
    }


def _files(cid: str, writable: bool) -> None:
    s = session()
    store = state.get_store()
    if writable:
        limit = store.max_file_bytes / 2**20
        # One uploader per criterion under a key that never changes, drawn first so that its place
        # in the page never moves (a moved widget is a new one in the browser, and a file being
        # sent by the old one is lost): a file picked while the previous one is being stored goes
        # to the same widget, which keeps every file picked while the block is open, and the
        # callback stores those not taken yet. No type=: the store refuses other types in Chinese.
        st.file_uploader(
            "上传佐证文件（可一次选择多个）",
            key=f"evidence-upload-{cid}",
            on_change=_upload,
            args=(cid,),
            accept_multiple_files=True,
            max_upload_size=max(1, round(limit)),
        )
        st.caption(f"支持 {'、'.join(ALLOWED_EXTENSIONS)}；单个文件不超过 {limit:g} MB")
        upload_report(s.uploads.get(cid))
    numbers = _file_numbers() if s.files.get(cid) else {}
    for f in s.files.get(cid, ()):
        name, dl, rm = st.columns([5, 2, 2], vertical_alignment="center")
        number = f"材料 {numbers[f.id]}　" if f.id in numbers else ""
        name.markdown(
            f":material/description: {number}{plain(f.filename)} :gray[{size_text(f.size)}]"
        )
        dl.download_button(
            "下载",
            data=access.audited(
                partial(_read_file, f.id), "下载佐证文件", f"{_target(s)} {f.filename}"
            ),
            file_name=f.filename,
            mime=f.content_type,
            on_click="ignore",
            key=f"dl.{f.id}",
        )
        if writable:
            rm.button("移除", key=f"rm.{f.id}", on_click=_remove_file, args=(cid, f.id))


def _read_file(file_id: int, store) -> bytes:
    return store.read_file(file_id)


def _target(s) -> str:
    return s.info.audit_name if s.info is not None else f"#{s.aid}"


def _upload(cid: str) -> None:
    """Store every file of the uploader not taken yet (one or many, however many runs they
    arrived in). A refused file is taken with its reason; one that met an outage is not, so
    the next change tries it again."""
    s = session()
    picked = st.session_state.get(f"evidence-upload-{cid}") or []
    if s.aid is None:
        return
    uploads = s.uploads.setdefault(cid, Uploads())
    store = state.get_store()
    stored = False
    for uploaded in picked:
        if uploaded.file_id in uploads.taken:
            continue
        try:
            store.add_file(s.aid, cid, uploaded.name, uploaded.getvalue(), user=state.who())
        except StoreUnavailable as exc:
            state.saving().outage.fail()
            s.notices[cid] = ("error", f"文件未能上传，数据库暂时不可用：{exc}。请稍后重新上传。")
            break
        except StoreError as exc:
            uploads.refused.append(str(exc))
        else:
            uploads.stored.append(uploaded.name)
            stored = True
        uploads.taken.add(uploaded.file_id)
    if stored:
        state.reload_files(cid)
        s.notices.pop(cid, None)


def _remove_file(cid: str, file_id: int) -> None:
    s = session()
    try:
        state.get_store().remove_file(file_id, user=state.who())
        state.reload_files(cid)
    except StoreError as exc:
        s.notices[cid] = ("error", f"未能移除文件：{exc}")
