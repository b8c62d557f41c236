"""The documents a unit hands in: the filled 附件2 (Word), a workbook (Excel), a summary (PDF).

One code path: the app's 导入导出 page and ``python -m jiguan report`` both call `build_report`
(or the three builders directly) with the same rubric, answers and `Profile`, and get the same
bytes back.

Each builder takes ``(rubric, answers, profile, *, files=None)``: ``files`` maps a criterion id
to the names of the evidence files attached to it (from the store), so the evidence index can
list them. Without it, only the evidence entries typed into each answer are listed.

Every user text (evidence, notes, profile, file names) is cleaned of control characters first
(`_common.clean_inputs`), so no builder fails on text pasted from old Word/WPS files. The
evidence package (佐证材料汇编, a ZIP) is `jiguan.package.build_evidence_package`.

Blank forms (no answers, no profile: for training and for filling in by hand) are a registry of
their own, `BLANK_FORMATS` / `build_blank_form`, so that the app's 导入导出 page, which offers
`REPORT_FORMATS` for an assessment, never lists a document that ignores the assessment.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from jiguan.rectification import RectificationItem
from jiguan.reports._common import Files, Profile, ReportError
from jiguan.reports.blank_pdf import build_blank_form_pdf
from jiguan.reports.excel import build_xlsx
from jiguan.reports.pdf import build_pdf
from jiguan.reports.rectification import build_rectification_docx, build_rectification_xlsx
from jiguan.reports.self_report import build_self_report
from jiguan.reports.word import build_blank_docx, build_docx
from jiguan.rubric import Rubric
from jiguan.scoring import Answer

Builder = Callable[..., bytes]


class ReportFormat(NamedTuple):
    """One downloadable document kind."""

    label: str  # what the download button says
    extension: str  # with the dot
    mime: str
    build: Builder
    ledger: bool = False  # made from the 整改事项 (``items``): offered on the 整改台账 page


REPORT_FORMATS: dict[str, ReportFormat] = {
    "docx": ReportFormat(
        "Word 评估表（附件2）",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        build_docx,
    ),
    "xlsx": ReportFormat(
        "Excel 自评工作簿",
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        build_xlsx,
    ),
    "pdf": ReportFormat("PDF 自评摘要", ".pdf", "application/pdf", build_pdf),
    "self-report": ReportFormat(
        "自评报告（Word 草稿）",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        build_self_report,
    ),
    "rectification-xlsx": ReportFormat(
        "整改台账（Excel）",
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        build_rectification_xlsx,
        ledger=True,
    ),
    "rectification-docx": ReportFormat(
        "整改情况报告（Word）",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        build_rectification_docx,
        ledger=True,
    ),
}

_DOCX_MIME = REPORT_FORMATS["docx"].mime


BLANK_FORMATS: dict[str, ReportFormat] = {
    "docx": ReportFormat("空白附件2（Word）", ".docx", _DOCX_MIME, build_blank_docx),
    "pdf": ReportFormat("空白附件2（PDF）", ".pdf", "application/pdf", build_blank_form_pdf),
}
"""The blank 附件2 form; each ``.build`` takes only the rubric."""

_FILENAME_STEM = {
    "docx": "附件2评估表",
    "xlsx": "自评工作簿",
    "pdf": "自评摘要",
    "self-report": "自评报告",
    "rectification-xlsx": "整改台账",
    "rectification-docx": "整改情况报告",
}
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def _check_format(fmt: str) -> ReportFormat:
    try:
        return REPORT_FORMATS[fmt]
    except KeyError:
        known = "、".join(REPORT_FORMATS)
        raise ReportError(f"不支持的报告格式「{fmt}」，可选：{known}") from None


def build_report(
    fmt: str,
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
    items: Sequence[RectificationItem] | None = None,
) -> bytes:
    """Build one document.

    Args:
        fmt: a key of `REPORT_FORMATS` ("docx", "xlsx", "pdf", "self-report",
            "rectification-xlsx", "rectification-docx").
        rubric: the rubric the answers belong to.
        answers: criterion id -> Answer.
        profile: unit, date, people.
        files: criterion id -> names of attached evidence files, for the evidence index.
        items: the saved 整改事项, for the ``ledger`` formats (else the sheet's lost points).

    Raises:
        ReportError: unknown format.
    """
    spec = _check_format(fmt)
    if spec.ledger:
        return spec.build(rubric, answers, profile, files=files, items=items)
    return spec.build(rubric, answers, profile, files=files)


def build_blank_form(fmt: str, rubric: Rubric) -> bytes:
    """The blank 附件2 form: "docx" is the Word form with nothing filled in, "pdf" the whole
    form drawn for printing (`blank_pdf.build_blank_form_pdf`).

    Raises:
        ReportError: unknown format.
    """
    try:
        spec = BLANK_FORMATS[fmt]
    except KeyError:
        known = "、".join(BLANK_FORMATS)
        raise ReportError(f"空白附件2不支持格式「{fmt}」，可选：{known}") from None
    return spec.build(rubric)


def blank_form_filename(fmt: str) -> str:
    """``附件2评估表_空白.pdf`` (or ``.docx``)."""
    return f"{_FILENAME_STEM['docx']}_空白{BLANK_FORMATS[fmt].extension}"


def report_filename(fmt: str, unit: str, date: dt.date | str | None = None) -> str:
    """A download name such as ``附件2评估表_某某机关事务管理局_2026-05-01.docx``.

    Characters that Windows, macOS or Linux refuse in file names are removed; whitespace
    becomes ``_``; an empty unit name or date is left out.
    """
    spec = _check_format(fmt)

    def clean(text: str) -> str:
        text = _UNSAFE_FILENAME.sub("", unicodedata.normalize("NFC", text))
        return re.sub(r"\s+", "_", text).strip("._ ")[:60]

    date_part = date.isoformat() if isinstance(date, dt.date) else clean(date or "")
    parts = [_FILENAME_STEM[fmt], clean(unit or ""), date_part]
    return "_".join(p for p in parts if p) + spec.extension


__all__ = [
    "BLANK_FORMATS",
    "REPORT_FORMATS",
    "Profile",
    "ReportError",
    "ReportFormat",
    "blank_form_filename",
    "build_blank_form",
    "build_blank_form_pdf",
    "build_docx",
    "build_pdf",
    "build_rectification_docx",
    "build_rectification_xlsx",
    "build_report",
    "build_xlsx",
    "report_filename",
]
