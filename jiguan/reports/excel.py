"""The self-assessment workbook (.xlsx): answers, and totals as formulas a reviewer can follow.

Sheets:

* 答题 — the export rows (`jiguan.sheet.export_rows`, the CSV's columns), 得分 per criterion.
* 汇总 — per content and per item (subtotal rows) and the total, as formulas over 指标得分.
* 指标得分 — one row per indicator, its score as a formula over the criteria's 得分 cells in 答题
  that applies the indicator's rule: SUM, MIN(cap, SUM(...)) for the capped count indicators
  (17, 21), MAX(...) for the "highest only" ones (37, 38). So when a reviewer changes a 得分 in
  答题, every total recalculates to what `jiguan.scoring.score` would give.
* 佐证材料目录 — the evidence index, numbered by indicator as in the Word document.

User text (evidence, notes) is always written as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jiguan.reports._common import Files, Profile, clean_inputs, evidence_index, pts
from jiguan.rubric import Indicator, Rubric
from jiguan.scoring import Answer
from jiguan.sheet import EXPORT_COLUMNS, export_rows

ANSWERS = "答题"
SUMMARY = "汇总"
INDICATORS = "指标得分"
EVIDENCE = "佐证材料目录"

NUMBER = "0.0"
PERCENT = "0.0%"
NUMERIC_COLUMNS = ("points", "满分", "得分")
WRAP_COLUMNS = ("evidence", "note", "评分项")
MAX_WIDTH = 48  # characters (a CJK character counts 2)

FONT = "宋体"
_HEAD_FONT = Font(name=FONT, bold=True)
_BODY_FONT = Font(name=FONT)
_BOLD_FONT = Font(name=FONT, bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E7E6E6")
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top")


def build_xlsx(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
) -> bytes:
    """The workbook as .xlsx bytes.

    Args:
        rubric: the rubric.
        answers: criterion id -> Answer.
        profile: unit, date and people, listed under the summary and in the file properties.
        files: criterion id -> attached evidence file names, for the evidence index.
    """
    answers, profile, files = clean_inputs(answers, profile, files)
    wb = Workbook()
    answers_ws = wb.active
    answers_ws.title = ANSWERS
    criterion_rows = _answers_sheet(answers_ws, rubric, answers)
    summary_ws = wb.create_sheet(SUMMARY)
    indicators_ws = wb.create_sheet(INDICATORS)
    indicator_rows = _indicators_sheet(indicators_ws, rubric, criterion_rows)
    _summary_sheet(summary_ws, rubric, indicator_rows, profile)
    _evidence_sheet(wb.create_sheet(EVIDENCE), rubric, answers, files)

    wb.properties.title = f"{rubric.title} 自评工作簿"
    wb.properties.creator = profile.unit_name or "机关事务标准化试点自评"
    wb.properties.subject = profile.round_name or "自评"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- helpers ---------------------------------------------------------------------------


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _put(ws: Worksheet, row: int, col: int, value: object, *, text: bool = False) -> Cell:
    """Write a cell; ``text`` forces a string even when it starts with '=' (no formula)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = _text(value)
    cell.value = value
    if text and isinstance(value, str):
        cell.data_type = "s"
    cell.font = _BODY_FONT
    cell.border = _BORDER
    return cell


def _header(ws: Worksheet, titles: Sequence[str]) -> None:
    for col, title in enumerate(titles, start=1):
        cell = ws.cell(row=1, column=col, value=title)
        cell.font = _HEAD_FONT
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    # Printing: landscape A4, as wide as one page, the header row on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _display_width(value: object) -> int:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    longest = max((line for line in text.splitlines()), key=len, default="")
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def _fit_columns(ws: Worksheet, *, minimum: int = 6) -> None:
    """Widths from the longest line in each column (CJK counts double), capped."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or (isinstance(cell.value, str) and cell.data_type == "f"):
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), _display_width(cell.value))
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(w + 2, minimum), MAX_WIDTH)


def _ranges(ws_title: str, col: int, rows: Sequence[int]) -> str:
    """Cell references for `rows` of one column, contiguous runs as ranges: 'X'!K2:K4,'X'!K9."""
    parts: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        letter = get_column_letter(col)
        if start == prev:
            parts.append(f"'{ws_title}'!{letter}{start}")
        else:
            parts.append(f"'{ws_title}'!{letter}{start}:{letter}{prev}")
        if r is not None:
            start = prev = r
    return ",".join(parts)


def indicator_formula(indicator: Indicator, refs: str) -> str:
    """The indicator's score over its criteria's cells, with its combine rule and cap."""
    inner = f"MAX({refs})" if indicator.combine == "max" else f"SUM({refs})"
    return f"=MIN({pts(indicator.cap)},{inner})" if indicator.cap is not None else f"={inner}"


def rule_text(indicator: Indicator) -> str:
    """The indicator's rule in words, as printed next to its formula."""
    rule = "取各评分项最高分" if indicator.combine == "max" else "各评分项得分相加"
    if indicator.cap is not None:
        rule += f"，最高 {pts(indicator.cap)} 分"
    return rule


# --- sheets ----------------------------------------------------------------------------


def _answers_sheet(ws: Worksheet, rubric: Rubric, answers: Mapping[str, Answer]) -> dict[str, int]:
    """Write the export rows; return criterion id -> row number."""
    _header(ws, EXPORT_COLUMNS)
    rows: dict[str, int] = {}
    for r, data in enumerate(export_rows(rubric, answers), start=2):
        rows[str(data["criterion_id"])] = r
        for c, name in enumerate(EXPORT_COLUMNS, start=1):
            value = data.get(name)
            if value == "" or value is None:
                value = None
            cell = _put(ws, r, c, value, text=True)
            if name in NUMERIC_COLUMNS:
                cell.number_format = NUMBER
            cell.alignment = _WRAP if name in WRAP_COLUMNS else _CENTER
    _fit_columns(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{ws.max_row}"
    return rows


SCORE_COLUMN = EXPORT_COLUMNS.index("得分") + 1

# 指标得分 columns
IND_HEAD = ("指标", "评估项目", "评估内容", "计分规则", "满分", "得分", "评分项")
IND_SCORE_COL = IND_HEAD.index("得分") + 1


def _indicators_sheet(
    ws: Worksheet, rubric: Rubric, criterion_rows: Mapping[str, int]
) -> dict[int, int]:
    """One row per indicator with its score formula; return indicator id -> row number."""
    _header(ws, IND_HEAD)
    rows: dict[int, int] = {}
    for r, (item, content, ind) in enumerate(rubric.indicators(), start=2):
        rows[ind.id] = r
        cells = [criterion_rows[c.id] for c in ind.criteria]
        _put(ws, r, 1, ind.id).alignment = _CENTER
        _put(ws, r, 2, item.name)
        _put(ws, r, 3, content.name)
        _put(ws, r, 4, rule_text(ind))
        _put(ws, r, 5, ind.max).number_format = NUMBER
        formula = _put(ws, r, 6, indicator_formula(ind, _ranges(ANSWERS, SCORE_COLUMN, cells)))
        formula.number_format = NUMBER
        formula.font = _BOLD_FONT
        _put(ws, r, 7, "、".join(c.id for c in ind.criteria))
    _fit_columns(ws)
    return rows


SUM_HEAD = ("评估项目", "评估内容", "满分", "得分", "得分率")


def _summary_sheet(
    ws: Worksheet, rubric: Rubric, indicator_rows: Mapping[int, int], profile: Profile
) -> None:
    """Contents, then each item's subtotal row, then 总分 — all formulas."""
    _header(ws, SUM_HEAD)
    r = 2
    item_rows: list[int] = []
    for item in rubric.items:
        content_rows: list[int] = []
        for content in item.contents:
            ind_rows = [indicator_rows[i.id] for i in content.indicators]
            _put(ws, r, 1, item.name)
            _put(ws, r, 2, content.name)
            _put(ws, r, 3, content.max).number_format = NUMBER
            _put(ws, r, 4, f"=SUM({_ranges(INDICATORS, IND_SCORE_COL, ind_rows)})")
            _rate(ws, r)
            content_rows.append(r)
            r += 1
        _put(ws, r, 1, item.name)
        _put(ws, r, 2, "小计")
        _put(ws, r, 3, item.max)
        _put(ws, r, 4, "=" + "+".join(f"D{cr}" for cr in content_rows))
        _rate(ws, r)
        _emphasise(ws, r)
        item_rows.append(r)
        r += 1
    _put(ws, r, 1, "总分")
    _put(ws, r, 2, "")
    _put(ws, r, 3, rubric.max)
    _put(ws, r, 4, "=" + "+".join(f"D{ir}" for ir in item_rows))
    _rate(ws, r)
    _emphasise(ws, r)
    for row in ws.iter_rows(min_row=2, max_row=r, min_col=3, max_col=4):
        for cell in row:
            cell.number_format = NUMBER
    r += 2
    for label, value in (
        ("承担单位", profile.unit_name),
        ("评估日期", profile.date_text),
        ("轮次", profile.round_name),
        ("填表人", profile.filled_by),
        ("联系方式", profile.contact),
    ):
        _put(ws, r, 1, label).font = _BOLD_FONT
        _put(ws, r, 2, value or "", text=True)
        r += 1
    _put(ws, r + 1, 1, "说明：得分随「答题」表中的得分自动重算；指标计分规则见「指标得分」表。")
    ws.cell(row=r + 1, column=1).border = Border()
    _fit_columns(ws, minimum=10)
    ws.column_dimensions["A"].width = 20


def _rate(ws: Worksheet, r: int) -> None:
    _put(ws, r, 5, f'=IF(C{r}=0,"",D{r}/C{r})').number_format = PERCENT


def _emphasise(ws: Worksheet, r: int) -> None:
    for c in range(1, len(SUM_HEAD) + 1):
        ws.cell(row=r, column=c).font = _BOLD_FONT
        ws.cell(row=r, column=c).fill = _SUBTOTAL_FILL


def _evidence_sheet(
    ws: Worksheet, rubric: Rubric, answers: Mapping[str, Answer], files: Files | None
) -> None:
    _header(
        ws, ("编号", "指标", "评估项目", "评估内容", "佐证材料（名称、文号）", "类型", "评分项")
    )
    r = 2
    for group in evidence_index(rubric, answers, files):
        for entry in group.entries:
            _put(ws, r, 1, entry.number)
            _put(ws, r, 2, group.indicator.id)
            _put(ws, r, 3, group.item.name)
            _put(ws, r, 4, group.content.name)
            _put(ws, r, 5, entry.text, text=True).alignment = _WRAP
            _put(ws, r, 6, "附件文件" if entry.is_file else "材料")
            _put(ws, r, 7, entry.criterion_id)
            r += 1
    _fit_columns(ws)
