import datetime as dt
from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from jiguan.changes import CHANGE_LABELS, diff_answers, with_attachments
from jiguan.format import format_time, points, today
from jiguan.profile import ASSESSMENT_DATE
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, answer_words, score
from jiguan.sheet import SheetError, read_sheet, sheet_filename, write_sheet
from jiguan.store import AssessmentInfo, StoreError
from jiguan.submission import signature_line
from pages.common import access, state
from pages.common.session import session
from pages.common.text import plain
from pages.common.ui import banners, require_assessment, wrong_type

SHEET_TYPES = ("csv", "txt")

try:
    from jiguan.reports import REPORT_FORMATS, build_report, report_filename
    from jiguan.reports._common import Profile
except ImportError:  # the reports module has not landed yet
    REPORT_FORMATS = {}

ss = st.session_state


def render() -> None:
    """导入导出: CSV and report downloads, CSV upload with preview."""
    st.title("导入导出")
    info = require_assessment()
    if info is None:
        st.stop()
    banners()

    rubric = state.get_rubric()
    s = session()
    answers = s.answers
    profile = info.profile or {}
    try:
        date = dt.date.fromisoformat(profile.get(ASSESSMENT_DATE, ""))
    except ValueError:
        date = today()

    st.subheader("下载答题表", divider="gray")
    st.caption(
        "CSV 文件（UTF-8，可用 Excel 或 WPS 打开），包含每个评分项的答案、得分、佐证和备注。"
        "可在线下填写后从下方上传，继续自评。"
    )
    st.download_button(
        "下载答题表（CSV）",
        data=access.audited(
            lambda _: write_sheet(rubric, answers, files=_file_names()),
            "导出答题表",
            info.audit_name,
            eager=True,
        ),
        file_name=sheet_filename(info.unit_name, date),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
        key="download.csv",
    )

    if REPORT_FORMATS:
        st.subheader("下载报告", divider="gray")
        report_profile = Profile.from_assessment(info)
        sub = session().submitted
        if sub is not None and sub.standing and sub.assessment_id == info.id:
            stamp = signature_line(sub.number, format_time(sub.submitted_at), sub.content_hash)
            report_profile = replace(report_profile, submitted=stamp, filled_by=sub.filled_by)
        names = _file_names()
        formats = {fmt: spec for fmt, spec in REPORT_FORMATS.items() if not spec.ledger}
        cols = st.columns(len(formats))  # the 整改台账's documents are on its own page
        for col, (fmt, spec) in zip(cols, formats.items(), strict=True):
            col.download_button(
                spec.label,
                data=access.audited(
                    partial(_report, fmt, rubric, dict(answers), report_profile, names),
                    f"导出{spec.label}",
                    info.audit_name,
                ),
                file_name=report_filename(fmt, info.unit_name, report_profile.assessment_date),
                mime=spec.mime,
                on_click="ignore",
                icon=":material/description:",
                key=f"download.{fmt}",
                width="stretch",
            )

    evidence_package_download(rubric, info, answers)
    _upload(rubric, info, answers)


def _clear_import() -> None:
    s = session()
    s.import_preview = None
    s.import_gen += 1


def _apply_import(aid: int) -> None:
    s = session()
    pending = s.import_preview
    if not pending or pending["aid"] != s.aid:
        return
    try:
        state.get_store().replace_answers(aid, pending["answers"], user=state.who())
    except StoreError as exc:
        s.import_msg = ("error", f"导入失败，已保存的自评保持不变：{exc}")
        return
    s.loaded_aid = None  # reload everything from the store on this run
    s.import_msg = ("success", f"已导入 {pending['name']}：{len(pending['changes'])} 项变更。")
    _clear_import()


def _upload(rubric: Rubric, info: AssessmentInfo, answers: dict[str, Answer]) -> None:
    """上传答题表: a CSV is read and its changes shown; only 确认导入 writes them."""
    s = session()
    st.subheader("上传答题表", divider="gray")
    st.caption("上传后先显示将要发生的变更，确认后才写入；文件有问题时不会改动任何内容。")
    msg, s.import_msg = s.import_msg, None
    if msg:
        (st.success if msg[0] == "success" else st.error)(plain(msg[1]))

    uploaded = st.file_uploader("选择答题表 CSV 文件", key=f"import.{s.import_gen}")
    st.caption("支持本工具下载的答题表（CSV，可在 Excel 或 WPS 中编辑后另存为 CSV）")
    refused = wrong_type(uploaded.name, SHEET_TYPES) if uploaded is not None else None
    if uploaded is None or refused:
        s.import_preview = None
        if refused:
            st.error(plain(refused), icon=":material/error:")
    else:
        data = uploaded.getvalue()
        if (s.import_preview or {}).get("id") != (uploaded.file_id, s.aid):
            try:
                imported = read_sheet(data, rubric)
            except SheetError as exc:
                s.import_preview = None
                st.error(plain(str(exc)), icon=":material/error:")
                st.stop()
            s.import_preview = {
                "id": (uploaded.file_id, s.aid),
                "aid": s.aid,
                "name": uploaded.name,
                "answers": imported,
                "changes": diff_answers(rubric, answers, imported),
            }
        pending = s.import_preview
        if pending is None:  # (set just above)
            return
        changes = pending["changes"]
        counts = {cid: len(files) for cid, files in s.files.items()}
        before = score(rubric, answers)
        after = score(rubric, with_attachments(pending["answers"], counts))
        kinds = [c.kind for c in changes]
        added, changed, cleared, total = st.columns(4)
        added.metric("新增", kinds.count("added"))
        changed.metric("修改", kinds.count("changed"))
        cleared.metric("清空", kinds.count("cleared"))
        total.metric(
            "总分",
            f"{points(before.total)} → {points(after.total)}",
            delta=f"{after.total - before.total:+g}" if after.total != before.total else None,
        )
        if not changes:
            st.info("上传的答题表与当前自评完全相同，无需导入。")
        else:
            crit = rubric.criteria
            st.dataframe(
                pd.DataFrame(
                    {
                        "评分项": [c.criterion_id for c in changes],
                        "变更": [CHANGE_LABELS[c.kind] for c in changes],
                        "原答案": [answer_words(crit[c.criterion_id], c.old) for c in changes],
                        "新答案": [answer_words(crit[c.criterion_id], c.new) for c in changes],
                        "原佐证": [(c.old.evidence if c.old else "") for c in changes],
                        "新佐证": [(c.new.evidence if c.new else "") for c in changes],
                    }
                ),
                hide_index=True,
                key="import.preview",
            )
            st.warning(
                f"确认后将以「{plain(pending['name'])}」替换「{plain(info.title)}」的全部答案"
                "（已上传的佐证文件保留）。",
                icon=":material/warning:",
            )
            left, right, _ = st.columns([1.2, 1, 4])
            left.button(
                "确认导入",
                type="primary",
                key="import.confirm",
                on_click=_apply_import,
                args=(info.id,),
            )
            right.button("取消", key="import.cancel", on_click=_clear_import)


def _report(fmt, rubric, answers, profile, names, _store) -> bytes:
    return build_report(fmt, rubric, answers, profile, files=names)


def evidence_package_download(rubric, info, answers) -> None:
    """The 佐证材料汇编 ZIP (jiguan.package), built only when the button is pressed."""
    import io
    import zipfile

    from jiguan.package import build_evidence_package, files_by_criterion, package_filename
    from jiguan.reports._common import Profile

    aid = info.id

    def build(store) -> bytes:
        out = io.BytesIO()
        files = files_by_criterion(store.list_files(aid))
        profile = Profile.from_assessment(info)
        build_evidence_package(
            rubric, answers, profile, files, lambda f: store.read_file(f.id), out
        )
        return out.getvalue()

    def failed(exc: Exception) -> bytes:  # a download cannot show a message: the ZIP says it
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("导出失败说明.txt", f"佐证材料汇编未能生成：{exc}\n请稍后重试。")
        return out.getvalue()

    st.subheader("下载佐证材料汇编", divider="gray")
    st.caption(
        "ZIP 压缩包：佐证文件按评估项目、指标和编号整理，附佐证材料目录（Word、Excel）；"
        "只填写了名称、没有上传文件的佐证在目录中标为「纸质/现场材料」。"
    )
    st.download_button(
        "下载佐证材料汇编（ZIP）",
        data=access.audited(build, "导出佐证材料汇编", info.audit_name, failed=failed),
        file_name=package_filename(info.unit_name, info.round_name),
        mime="application/zip",
        on_click="ignore",
        icon=":material/folder_zip:",
        key="download.evidence",
    )


def _file_names() -> dict[str, list[str]]:
    """Criterion id -> the names of its evidence files (the CSV's 附件, the reports' catalogue)."""
    return {cid: [f.filename for f in files] for cid, files in session().files.items() if files}
