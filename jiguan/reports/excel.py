"""The self-assessment workbook (.xlsx): it computes from the answers, like the app does.

Sheets:

* 答题 — one row per criterion: 评定 (a dropdown 符合/部分符合/不符合, or a count), 部分得分,
  佐证材料, 备注 are the cells a unit edits; 评分项得分 is a formula of them (check: 符合 → 分值,
  部分符合 → 部分得分 clamped to [0, 分值], else 0; count: count × 分值). The sheet is protected
  with only the four input columns unlocked, so no one types a score over a formula.
* 指标得分 — one row per indicator, its rule as a formula over the criteria's 评分项得分: SUM,
  MIN(cap, SUM(...)) for the capped count indicators (17, 21), MAX(...) for the "highest level
  only" ones (37, 38).
* 汇总 — per content, per item (subtotal rows) and 总分, as formulas over 指标得分.
* 佐证材料目录 — the evidence index, numbered by indicator as in the Word document.

Every formula is written with its cached result (computed by `jiguan.scoring.score`), so a
viewer that does not recalculate (mail preview, phone, openpyxl ``data_only``) shows the same
totals; Excel, WPS and LibreOffice recalculate when an answer changes. Written with XlsxWriter,
which stores formulas with values (openpyxl cannot). Rows are given heights that show long,
multi-line evidence whole; every sheet prints on A4 landscape, one page wide.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from jiguan.reports._common import Files, Profile, clean_inputs, evidence_index, pts
from jiguan.reports._xlsx import Styles, _header, _ranges, row_height
from jiguan.rubric import Criterion, Indicator, Rubric
from jiguan.scoring import PARTIAL, YES, Answer, Result, score
from jiguan.sheet import ANSWER_WORDS_OUT, MAX_COUNT

ANSWERS = "答题"
SUMMARY = "汇总"
INDICATORS = "指标得分"
EVIDENCE = "佐证材料目录"


# 答题 columns: (header, width in characters, wrapped)
ANSWER_COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("评分项编号", 7, False),
    ("评定", 10, False),
    ("部分得分", 7, False),
    ("佐证材料", 36, True),
    ("备注", 20, True),
    ("评估项目", 10, True),
    ("评估内容", 10, True),
    ("指标", 5, False),
    ("评分项", 40, True),
    ("分值", 6, False),
    ("评分项得分", 8, False),
    ("评估方式", 10, True),
    ("状态", 6, False),
)
ID_COL, ANSWER_COL, POINTS_COL, EVIDENCE_COL, NOTE_COL = 0, 1, 2, 3, 4
FULL_COL, OWN_COL, STATUS_COL = 9, 10, 12
SCORE_COLUMN = OWN_COL + 1  # 1-based, as openpyxl counts: the 评分项得分 column (K)
CHECK_WORDS = [ANSWER_WORDS_OUT[YES], ANSWER_WORDS_OUT[PARTIAL], "不符合"]


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
    result = score(rubric, answers)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    styles = Styles(wb)
    answers_ws = wb.add_worksheet(ANSWERS)
    summary_ws = wb.add_worksheet(SUMMARY)
    indicators_ws = wb.add_worksheet(INDICATORS)
    evidence_ws = wb.add_worksheet(EVIDENCE)
    rows = _answers_sheet(answers_ws, styles, rubric, answers, result)
    indicator_rows = _indicators_sheet(indicators_ws, styles, rubric, result, rows)
    _summary_sheet(summary_ws, styles, rubric, result, indicator_rows, profile)
    _evidence_sheet(evidence_ws, styles, rubric, answers, files)
    wb.set_properties(
        {
            "title": f"{rubric.title} 自评工作簿",
            "author": profile.unit_name or "机关事务标准化试点自评",
            "subject": profile.round_name or "自评",
        }
    )
    wb.close()
    return out.getvalue()


# --- helpers ---------------------------------------------------------------------------


def criterion_formula(criterion: Criterion, row: int) -> str:
    """The criterion's own points from its answer cells (row 0-based)."""
    a, p, full = (f"{xl_col_to_name(c)}{row + 1}" for c in (ANSWER_COL, POINTS_COL, FULL_COL))
    if criterion.kind == "count":
        return f"=IF(ISNUMBER({a}),MAX(0,INT({a}))*{full},0)"
    return (
        f'=IF({a}="{CHECK_WORDS[0]}",{full},IF({a}="{CHECK_WORDS[1]}",MIN(MAX(N({p}),0),{full}),0))'
    )


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


def _answers_sheet(
    ws: Worksheet,
    styles: Styles,
    rubric: Rubric,
    answers: Mapping[str, Answer],
    result: Result,
) -> dict[str, int]:
    """One row per criterion; return criterion id -> row (0-based)."""
    _header(ws, styles, [(title, width) for title, width, _ in ANSWER_COLUMNS])
    rows: dict[str, int] = {}
    r = 1
    for item, content, ind in rubric.indicators():
        for c in ind.criteria:
            rows[c.id] = r
            a = answers.get(c.id) or Answer()
            ws.write_string(r, ID_COL, c.id, styles.center)
            _answer_cells(ws, styles, r, c, a, allow_partial=rubric.allow_partial)
            ws.write_string(r, EVIDENCE_COL, a.evidence, styles.input_wrap)
            ws.write_string(r, NOTE_COL, a.note, styles.input_wrap)
            ws.write_string(r, 5, item.name, styles.text)
            ws.write_string(r, 6, content.name, styles.text)
            ws.write_number(r, 7, ind.id, styles.center)
            ws.write_string(r, 8, c.text, styles.text)
            ws.write_number(r, FULL_COL, c.points, styles.number)
            own = result.criteria[c.id]
            ws.write_formula(r, OWN_COL, criterion_formula(c, r), styles.number, own)
            answer_cell = f"{xl_col_to_name(ANSWER_COL)}{r + 1}"
            points_cell = f"{xl_col_to_name(POINTS_COL)}{r + 1}"
            status = "已评" if a.answered else "未评"  # 部分符合 without points: 未评
            blank = f'OR({answer_cell}="",AND({answer_cell}="部分符合",{points_cell}=""))'
            ws.write_formula(r, STATUS_COL, f'=IF({blank},"未评","已评")', styles.center, status)
            ws.write_string(r, 11, "、".join(ind.methods), styles.text)
            wrapped = [
                (text, ANSWER_COLUMNS[col][1])
                for col, text in (
                    (EVIDENCE_COL, a.evidence),
                    (NOTE_COL, a.note),
                    (5, item.name),
                    (6, content.name),
                    (8, c.text),
                    (11, "、".join(ind.methods)),
                )
            ]
            ws.set_row(r, row_height(wrapped))
            r += 1
    ws.autofilter(0, 0, r - 1, len(ANSWER_COLUMNS) - 1)
    ws.protect(
        "",
        {
            "format_columns": True,
            "format_rows": True,
            "autofilter": True,
            "sort": False,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
    return rows


def _answer_cells(
    ws: Worksheet, styles: Styles, r: int, c: Criterion, a: Answer, *, allow_partial: bool
) -> None:
    """评定 and 部分得分 with their validation (a dropdown, or a bounded count); without
    部分符合 when the rubric does not allow it."""
    if c.kind == "count":
        if isinstance(a.value, int):
            ws.write_number(r, ANSWER_COL, a.value, styles.input_number)
        else:
            ws.write_blank(r, ANSWER_COL, None, styles.input_number)
        ws.data_validation(
            r,
            ANSWER_COL,
            r,
            ANSWER_COL,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 0,
                "maximum": MAX_COUNT,
                "input_title": "填写数量",
                "input_message": f"{c.unit or '项'}数，0 到 {MAX_COUNT} 的整数",
                "error_title": "数量有误",
                "error_message": f"请填写 0 到 {MAX_COUNT} 的整数（{c.unit or '项'}数）",
            },
        )
        ws.write_blank(r, POINTS_COL, None, styles.number)
        return
    word = ANSWER_WORDS_OUT.get(a.value) if isinstance(a.value, str) else None
    words = CHECK_WORDS if allow_partial else [w for w in CHECK_WORDS if w != CHECK_WORDS[1]]
    if word:
        ws.write_string(r, ANSWER_COL, word, styles.input_number)
    else:
        ws.write_blank(r, ANSWER_COL, None, styles.input_number)
    ws.data_validation(
        r,
        ANSWER_COL,
        r,
        ANSWER_COL,
        {
            "validate": "list",
            "source": words,
            "error_title": "评定有误",
            "error_message": f"请从下拉列表中选择：{'、'.join(words)}（留空为未评）",
        },
    )
    if not allow_partial:
        ws.write_blank(r, POINTS_COL, None, styles.number)
        return
    if a.points is not None:
        ws.write_number(r, POINTS_COL, a.points, styles.input_number)
    else:
        ws.write_blank(r, POINTS_COL, None, styles.input_number)
    ws.data_validation(
        r,
        POINTS_COL,
        r,
        POINTS_COL,
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": c.points,
            "input_title": "部分得分",
            "input_message": f"仅部分符合时填写：0 到 {pts(c.points)} 分，以 0.5 分为单位",
            "error_title": "部分得分有误",
            "error_message": f"部分得分应在 0 到 {pts(c.points)} 分之间",
        },
    )


IND_HEAD = (("指标", 5), ("评估项目", 12), ("评估内容", 14), ("计分规则", 22), ("满分", 6),
            ("得分", 7), ("评分项", 22))  # fmt: skip
IND_SCORE_COL = 5  # 0-based: 得分


def _indicators_sheet(
    ws: Worksheet,
    styles: Styles,
    rubric: Rubric,
    result: Result,
    criterion_rows: Mapping[str, int],
) -> dict[int, int]:
    """One row per indicator with its score formula; return indicator id -> row (0-based)."""
    _header(ws, styles, IND_HEAD)
    rows: dict[int, int] = {}
    for r, (item, content, ind) in enumerate(rubric.indicators(), start=1):
        rows[ind.id] = r
        refs = _ranges(ANSWERS, OWN_COL, [criterion_rows[c.id] for c in ind.criteria])
        ws.write_number(r, 0, ind.id, styles.center)
        ws.write_string(r, 1, item.name, styles.text)
        ws.write_string(r, 2, content.name, styles.text)
        ws.write_string(r, 3, rule_text(ind), styles.text)
        ws.write_number(r, 4, ind.max, styles.number)
        score_value = result.indicators[ind.id].score
        ws.write_formula(r, 5, indicator_formula(ind, refs), styles.bold_number, score_value)
        ws.write_string(r, 6, "、".join(c.id for c in ind.criteria), styles.text)
    ws.protect("", {"format_columns": True, "format_rows": True})
    return rows


SUM_HEAD = (("评估项目", 20), ("评估内容", 24), ("满分", 8), ("得分", 8), ("得分率", 9))


def _summary_sheet(
    ws: Worksheet,
    styles: Styles,
    rubric: Rubric,
    result: Result,
    indicator_rows: Mapping[int, int],
    profile: Profile,
) -> None:
    """Contents, then each item's subtotal row, then 总分 — all formulas with cached values."""
    _header(ws, styles, SUM_HEAD)
    r = 1
    item_rows: list[int] = []
    contents = iter(result.contents)
    for item, item_result in zip(rubric.items, result.items, strict=True):
        content_rows: list[int] = []
        for content in item.contents:
            refs = _ranges(
                INDICATORS, IND_SCORE_COL, [indicator_rows[i.id] for i in content.indicators]
            )
            ws.write_string(r, 0, item.name, styles.text)
            ws.write_string(r, 1, content.name, styles.text)
            ws.write_number(r, 2, content.max, styles.number)
            value = next(contents).score
            ws.write_formula(r, 3, f"=SUM({refs})", styles.number, value)
            _rate(ws, r, styles.percent, content.max, value)
            content_rows.append(r)
            r += 1
        formula = "=" + "+".join(f"D{cr + 1}" for cr in content_rows)
        _total_row(ws, styles, r, item.name, "小计", item.max, formula, item_result.score)
        item_rows.append(r)
        r += 1
    formula = "=" + "+".join(f"D{ir + 1}" for ir in item_rows)
    _total_row(ws, styles, r, "总分", "", rubric.max, formula, result.total)
    r += 2
    for label, value in (
        ("承担单位", profile.unit_name),
        ("评估日期", profile.date_text),
        ("轮次", profile.round_name),
        ("填表人", profile.filled_by),
        ("联系方式", profile.contact),
    ):
        ws.write_string(r, 0, label, styles.label)
        ws.write_string(r, 1, value or "", styles.text)
        r += 1
    ws.write_string(
        r + 1,
        0,
        "说明：在「答题」表中修改评定、部分得分或数量，各项得分和总分自动重算；"
        "指标计分规则见「指标得分」表。",
        styles.plain,
    )
    ws.protect("", {"format_columns": True, "format_rows": True})


def _rate(ws: Worksheet, r: int, fmt: object, maximum: float, value: float) -> None:
    cached = value / maximum if maximum else ""
    ws.write_formula(r, 4, f'=IF(C{r + 1}=0,"",D{r + 1}/C{r + 1})', fmt, cached)


def _total_row(
    ws: Worksheet,
    styles: Styles,
    r: int,
    first: str,
    second: str,
    maximum: float,
    formula: str,
    value: float,
) -> None:
    ws.write_string(r, 0, first, styles.subtotal)
    ws.write_string(r, 1, second, styles.subtotal)
    ws.write_number(r, 2, maximum, styles.subtotal_number)
    ws.write_formula(r, 3, formula, styles.subtotal_number, value)
    _rate(ws, r, styles.subtotal_percent, maximum, value)


EVIDENCE_HEAD = (("编号", 7), ("指标", 5), ("评估项目", 12), ("评估内容", 14),
                 ("佐证材料（名称、文号）", 48), ("类型", 9), ("评分项", 7))  # fmt: skip


def _evidence_sheet(
    ws: Worksheet,
    styles: Styles,
    rubric: Rubric,
    answers: Mapping[str, Answer],
    files: Files | None,
) -> None:
    _header(ws, styles, EVIDENCE_HEAD)
    r = 1
    for group in evidence_index(rubric, answers, files):
        for entry in group.entries:
            ws.write_string(r, 0, entry.number, styles.center)
            ws.write_number(r, 1, group.indicator.id, styles.center)
            ws.write_string(r, 2, group.item.name, styles.text)
            ws.write_string(r, 3, group.content.name, styles.text)
            ws.write_string(r, 4, entry.text, styles.text)
            ws.write_string(r, 5, "附件文件" if entry.is_file else "材料", styles.center)
            ws.write_string(r, 6, entry.criterion_id, styles.center)
            ws.set_row(
                r,
                row_height([(entry.text, 48), (group.item.name, 12), (group.content.name, 14)]),
            )
            r += 1
