"""整改台账's 完成佐证文件 (pages/views/rectify.py draws one block per 整改事项): checked and
stored as answers' evidence files are, and the per-item session state the page shares with it
(`item_key`, `say`)."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from jiguan.format import size_text
from jiguan.rectification import VERIFIED, RectificationItem
from jiguan.store import ALLOWED_EXTENSIONS, StoreError, StoreUnavailable
from pages.common import access, state
from pages.common.session import Uploads
from pages.common.text import plain
from pages.common.ui import upload_report

ss = st.session_state


def item_key(item_id: int, name: str) -> str:
    """The session-state key of one thing of an item's block (a field, its base, a message)."""
    return f"rect.{item_id}.{name}"


def say(item_id: int, kind: str, text: str) -> None:
    """A message drawn above the item on the next run (``kind``: st.error, st.success, …)."""
    ss[item_key(item_id, "msg")] = (kind, text)


def _upload_key(item_id: int) -> str:
    return f"rect-upload-{item_id}"


def files(item: RectificationItem, *, writable: bool) -> None:
    """An item's files: download each; upload and remove while ``writable``."""
    store = state.get_store()
    st.markdown(f":gray[完成佐证文件（{len(item.files)} 个）：]")
    if writable:
        limit = store.max_file_bytes / 2**20
        # As the answers' uploader (pages/views/evidence_block.py, issue 20): one uploader per
        # item under a key that never changes, drawn first in its box; files picked while an
        # earlier one is being stored go to the same widget, and the callback stores every
        # file not taken yet. No type=: the store refuses other types in Chinese.
        st.file_uploader(
            "上传完成佐证文件（可一次选择多个）",
            key=_upload_key(item.id),
            on_change=_upload,
            args=(item.id,),
            accept_multiple_files=True,
            max_upload_size=max(1, round(limit)),
        )
        st.caption(f"支持 {'、'.join(ALLOWED_EXTENSIONS)}；单个文件不超过 {limit:g} MB")
        if not ss.get(_upload_key(item.id)):
            ss.pop(item_key(item.id, "uploads"), None)  # the uploader was emptied: so is its report
        upload_report(ss.get(item_key(item.id, "uploads")))
    else:
        if item.status == VERIFIED:
            st.caption("已核验：完成佐证文件只读。")
        # files picked while the uploader was still drawn, refused since: said, not dropped
        upload_report(ss.get(item_key(item.id, "uploads")))
    for f in item.files:
        name, dl, rm = st.columns([5, 2, 2], vertical_alignment="center")
        name.markdown(f":material/description: {plain(f.filename)} :gray[{size_text(f.size)}]")
        dl.download_button(
            "下载",
            data=access.audited(
                partial(_read_file, f.id),
                "下载整改佐证文件",
                f"#{item.assessment_id} 指标 {item.indicator_id} {f.filename}",
            ),
            file_name=f.filename,
            mime=f.content_type,
            on_click="ignore",
            key=f"rect.dl.{f.id}",
        )
        if writable:
            rm.button("移除", key=f"rect.rm.{f.id}", on_click=_remove_file, args=(item.id, f.id))


def _read_file(file_id: int, store: Any) -> bytes:
    return bytes(store.rectification.read_file(file_id))


def _upload(item_id: int) -> None:
    """Store every file of the uploader not taken yet (one or many, however many runs they
    arrived in). A refused file is taken with its reason; one that met an outage is not, so
    the next change tries it again."""
    picked = ss.get(_upload_key(item_id)) or []
    uploads = ss.setdefault(item_key(item_id, "uploads"), Uploads())
    store = state.get_store()
    for uploaded in picked:
        if uploaded.file_id in uploads.taken:
            continue
        try:
            store.rectification.add_file(
                item_id, uploaded.name, uploaded.getvalue(), user=state.who()
            )
        except StoreUnavailable as exc:
            state.saving().outage.fail()
            say(item_id, "error", f"文件未能上传，数据库暂时不可用：{exc}。请稍后重新上传。")
            break
        except StoreError as exc:
            uploads.refused.append(str(exc))
        else:
            uploads.stored.append(uploaded.name)
        uploads.taken.add(uploaded.file_id)


def _remove_file(item_id: int, file_id: int) -> None:
    try:
        state.get_store().rectification.remove_file(file_id, user=state.who())
    except StoreError as exc:
        say(item_id, "error", f"未能移除文件：{exc}")
