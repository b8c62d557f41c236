"""整改台账 (Excel) and 整改情况报告 (Word), from the 整改事项 of an assessment.

Both take the reports' signature ``(rubric, answers, profile, *, files=None, items=None)`` so
that they sit in `REPORT_FORMATS` beside the others: ``items`` are the saved
`RectificationItem`s (the app, ``python -m jiguan report ID``); without them, the items the
answer sheet would give (`jiguan.rectification.draft_items`: indicator, points lost, why; the
rest blank to fill in). Overdue is counted against today's Beijing date. Every text is cleaned
of control characters (`jiguan.text.clean_text`) and written as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from jiguan.format import points, today
from jiguan.rectification import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    STATUS_LABELS,
    VERIFIED,
    RectificationItem,
    counts,
    draft_items,
    evidence_lines,
    file_lines,
)
from jiguan.reports._common import Files, Profile, clean_inputs
from jiguan.reports._docx import (
    _add_row,
    _header_row,
    _new_table,
    _para,
    _setup,
    _title,
    _write,
    set_properties,
)
from jiguan.reports.self_report import _body, _styles
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.text import clean_text

XLSX_TITLE = "整改台账"
DOCX_TITLE = "整改情况报告"
# (header, width in characters) of the 整改台账 sheet, in order.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("评估项目", 16),
    ("指标", 30),
    ("失分", 7),
    ("扣分理由", 30),
    ("整改措施", 30),
    ("责任部门", 12),
    ("责任人", 10),
    ("完成时限", 12),
    ("完成情况", 30),
    ("完成佐证", 26),
    ("完成佐证文件", 40),
    ("状态", 9),
    ("是否逾期", 9),
    ("失分依据", 11),
    ("备注", 20),
)
HEADERS = tuple(name for name, _ in COLUMNS)
OVERDUE_COLUMN = HEADERS.index("是否逾期") + 1  # 1-based, shown in red


def _items(
    rubric: Rubric, answers: Mapping[str, Answer], items: Sequence[RectificationItem] | None
) -> list[RectificationItem]:
    return list(items) if items is not None else draft_items(rubric, answers)


def indicator_name(rubric: Rubric, indicator_id: int) -> str:
    ind = rubric.indicator_by_id.get(indicator_id)
    first = ind.text.splitlines()[0] if ind is not None else ""
    return f"指标 {indicator_id}　{first}".strip()


def item_name(rubric: Rubric, indicator_id: int) -> str:
    place = rubric.place_of.get(indicator_id)
    return place[0].name if place is not None else ""


def _note(item: RectificationItem) -> str:
    parts = []
    if item.closed:
        parts.append(item.closed_note or "已关闭")
    if item.status == VERIFIED and item.verified_by:
        parts.append(f"核验人：{item.verified_by}")
    if item.carried_from is not None:
        parts.append("上一轮结转")
    return "；".join(parts)


def row_values(rubric: Rubric, n: int, item: RectificationItem, day: date) -> list[str | float]:
    """One row of the 整改台账, in `COLUMNS` order."""
    return [
        n,
        item_name(rubric, item.indicator_id),
        indicator_name(rubric, item.indicator_id),
        item.points_lost,
        item.reason,
        item.measures,
        item.department,
        item.owner,
        item.due_date.isoformat() if item.due_date else "",
        item.progress,
        "\n".join(evidence_lines(item)),
        "\n".join(file_lines(item)),
        "已关闭" if item.closed else item.status_label,
        "逾期" if item.overdue(day) else "",
        item.source_label,
        _note(item),
    ]


def build_rectification_xlsx(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
    items: Sequence[RectificationItem] | None = None,
) -> bytes:
    """The 整改台账 workbook: one row per 整改事项, filters on the header, frozen header, A4
    landscape fitted to the page width with the header row repeated on every page."""
    answers, profile, _ = clean_inputs(answers, profile, files)
    day = today()
    book = Workbook()
    ws = book.active
    assert isinstance(ws, Worksheet)
    ws.title = XLSX_TITLE
    book.properties.title = f"{XLSX_TITLE}　{profile.unit_name}".strip()
    book.properties.creator = "机关事务标准化试点 自评"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, (name, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=name)
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.border = border
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[cell.column_letter].width = width
    listed = _items(rubric, answers, items)
    for n, item in enumerate(listed, start=1):
        for col, value in enumerate(row_values(rubric, n, item, day), start=1):
            if isinstance(value, str):
                value = clean_text(value)
            cell = ws.cell(row=n + 1, column=col, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text stays text (openpyxl took it for a formula)
            cell.border = border
            cell.alignment = wrap
            if col == OVERDUE_COLUMN and value:
                cell.font = Font(bold=True, color="C00000")
    last = max(len(listed), 1) + 1
    ws.auto_filter.ref = f"A1:{ws.cell(row=last, column=len(COLUMNS)).coordinate}"
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # "&" starts an Excel header code (&B bold, &P page …): doubled, it prints as itself
    title = clean_text(f"{profile.unit_name} {XLSX_TITLE}".strip()).replace("&", "&&")
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TABLE_WIDTHS = (2.2, 1.2, 5.4, 5.4, 2.8, 3.0, 1.8, 3.0)  # cm, A4 landscape


def build_rectification_docx(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
    items: Sequence[RectificationItem] | None = None,
) -> bytes:
    """The 整改情况报告 (Word, A4 landscape): 一、基本情况 (counts, where the points lost come
    from), 二、整改事项一览 (a table), 三、逐项整改情况 (each item under a heading), 四、尚未完成的
    整改事项. Headings are Word's heading styles."""
    answers, profile, _ = clean_inputs(answers, profile, files)
    day = today()
    listed = _items(rubric, answers, items)
    live = [i for i in listed if not i.closed]
    doc = Document()
    _setup(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    _styles(doc)
    _title(doc, DOCX_TITLE, space_after=6)
    meta = "　".join(t for t in (profile.unit_name, profile.round_name, day.isoformat()) if t)
    _para(doc, clean_text(meta), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)

    doc.add_heading("一、基本情况", level=1)
    open_n, overdue_n = counts(live, day)
    by_status = {s: sum(i.status == s for i in live) for s in STATUS_LABELS}
    sources = sorted({i.source_label for i in live})
    lost = sum(i.points_lost for i in live)
    basis = "、".join(sources) or "无"
    _body(
        doc,
        f"共有整改事项 {len(live)} 项（失分合计 {points(lost)} 分，失分依据：{basis}），"
        f"其中未开始 {by_status[NOT_STARTED]} 项、整改中 {by_status[IN_PROGRESS]} 项、"
        f"已完成 {by_status[DONE]} 项、已核验 {by_status[VERIFIED]} 项；"
        f"尚未完成 {open_n} 项，其中逾期 {overdue_n} 项（按北京时间 {day.isoformat()} 计）。",
    )
    closed = [i for i in listed if i.closed]
    if closed:
        _body(doc, f"另有 {len(closed)} 项因指标已不再失分而自动关闭。")

    doc.add_heading("二、整改事项一览", level=1)
    table = _new_table(doc, TABLE_WIDTHS)
    _header_row(
        table,
        TABLE_WIDTHS,
        [
            "指标",
            "失分",
            "扣分理由",
            "整改措施",
            "责任部门\n责任人",
            "完成时限",
            "状态",
            "完成情况",
        ],
    )
    for item in live:
        cells = _add_row(table, TABLE_WIDTHS)
        status = item.status_label + ("\n逾期" if item.overdue(day) else "")
        values = (
            f"指标 {item.indicator_id}",
            points(item.points_lost),
            item.reason,
            item.measures,
            "\n".join(t for t in (item.department, item.owner) if t),
            item.due_date.isoformat() if item.due_date else "",
            status,
            item.progress,
        )
        for cell, value, center in zip(
            cells, values, (True, True, False, False, True, True, True, False), strict=True
        ):
            _write(cell, clean_text(value), center=center)
    if not live:
        _body(doc, "无需整改的事项。")

    doc.add_heading("三、逐项整改情况", level=1)
    for item in live:
        doc.add_heading(clean_text(indicator_name(rubric, item.indicator_id)), level=2)
        fields = (
            ("失分", f"{points(item.points_lost)} 分（{item.source_label}）"),
            ("扣分理由", item.reason),
            ("整改措施", item.measures),
            ("责任部门", item.department),
            ("责任人", item.owner),
            ("完成时限", item.due_date.isoformat() if item.due_date else ""),
            ("状态", item.status_label + ("（逾期）" if item.overdue(day) else "")),
            ("完成情况", item.progress),
        )
        for label, value in fields:
            _body(doc, f"{label}：{clean_text(value) or '（待填写）'}")
        proof = evidence_lines(item)
        if proof:
            _body(doc, "完成佐证：")
            for n, line in enumerate(proof, start=1):
                _body(doc, f"{n}. {clean_text(line)}")
        attached = file_lines(item)
        if attached:
            _body(doc, "完成佐证文件：")
            for n, line in enumerate(attached, start=1):
                _body(doc, f"{n}. {clean_text(line)}")

    doc.add_heading("四、尚未完成的整改事项", level=1)
    pending = [i for i in live if i.open]
    if not pending:
        _body(doc, "所有整改事项均已完成。")
    for item in pending:
        due = item.due_date.isoformat() if item.due_date else "未定"
        late = "，已逾期" if item.overdue(day) else ""
        _body(
            doc,
            f"指标 {item.indicator_id}：{item.status_label}，完成时限 {due}{late}；"
            f"责任部门 {clean_text(item.department) or '未定'}，"
            f"责任人 {clean_text(item.owner) or '未定'}。",
        )
    set_properties(doc, DOCX_TITLE, profile.filled_by or profile.unit_name)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "HEADERS",
    "build_rectification_docx",
    "build_rectification_xlsx",
    "row_values",
]
