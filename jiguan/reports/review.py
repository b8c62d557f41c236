"""The formal review's documents: the filled 附件2 with the 评估组's scores (Word) and the
review workbook (Excel), both from one `ReviewComparison` (`jiguan.review.compare_review`).

Word, two layouts (``layout``): "both" — 得分 is the panel's score and 自评得分 stands beside
it; "panel" — the official single-column form with the panel's score in 得分. Then 评估意见:
every criterion whose verdict differs from the unit's claim, with its reason and the site note,
then the other remarks the panel wrote; then the 评估组's signature block.

Excel: 评审对照 (one row per criterion: the unit's answer and points, the panel's, the
difference, reason, site note), 指标对照 (per indicator) and 汇总 (per item and the total).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import xlsxwriter
from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from xlsxwriter.worksheet import Worksheet

from jiguan.format import safe_filename_part
from jiguan.reports._common import Profile, pts
from jiguan.reports._docx import (
    BODY_PT,
    HEI,
    _add_row,
    _field_line,
    _header_row,
    _heading,
    _new_table,
    _para,
    _run,
    _setup,
    _title,
    _write,
    set_properties,
)
from jiguan.reports._xlsx import Styles, _header, row_height, workbook_properties
from jiguan.reports.word import MAIN_WIDTHS, score_text
from jiguan.review import CriterionRow, ReviewComparison, Verdict, signed
from jiguan.rubric import Rubric
from jiguan.scoring import answer_words
from jiguan.text import clean_text

LAYOUTS = {"both": "评估组得分与自评得分并列", "panel": "官方单栏表（仅评估组得分）"}
# 评估项目, 评估内容, 序号, 指标, 评估方式, 得分 (panel), 自评得分: 15.6 cm as MAIN_WIDTHS.
BOTH_WIDTHS = (1.9, 1.9, 0.9, 6.0, 1.8, 1.5, 1.6)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class PanelInfo:
    """Who reviewed and when, as printed (free text), and whether the review is final."""

    reviewers: str = ""
    review_date: str = ""
    final: bool = False


def _clean_profile(profile: Profile) -> Profile:
    return replace(
        profile, unit_name=clean_text(profile.unit_name), round_name=clean_text(profile.round_name)
    )


def build_review_docx(
    rubric: Rubric,
    comparison: ReviewComparison,
    profile: Profile,
    panel: PanelInfo,
    *,
    layout: str = "both",
) -> bytes:
    """The filled 附件2 with the panel's scores, 评估意见 and the 评估组's signatures.

    Raises:
        ValueError: unknown layout (the app offers `LAYOUTS` only).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"未知的版式「{layout}」，可选：{'、'.join(LAYOUTS)}")
    profile = _clean_profile(profile)
    doc = Document()
    _setup(doc)
    _para(doc, rubric.source or "附件2", font=HEI, size=16, space_after=6)
    _title(doc, rubric.title, space_after=4)
    _para(doc, "（正式评估）", size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=14)
    _field_line(doc, "承担单位：", profile.unit_name)
    total = f"{pts(comparison.panel_result.total)} 分"
    if layout == "both":
        total += f"（单位自评 {pts(comparison.self_result.total)} 分）"
    _field_line(doc, "评估组评定总得分：", total, space_after=4 if not panel.final else 10)
    if not panel.final:
        _para(doc, "评审尚未定稿（评审中），本表为暂定结果。", size=BODY_PT, space_after=10)
    _review_table(doc, rubric, comparison, layout)

    _heading(doc, "评估意见", page_break=True)
    _opinions(doc, rubric, comparison)
    _signatures(doc, panel)

    title = f"{rubric.source} {rubric.title}（正式评估）".strip()
    set_properties(doc, title, clean_text(panel.reviewers) or profile.unit_name)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _review_table(
    doc: WordDocument, rubric: Rubric, comparison: ReviewComparison, layout: str
) -> None:
    widths = BOTH_WIDTHS if layout == "both" else MAIN_WIDTHS
    titles = ["评估项目", "评估内容", "评估指标", "", "评估方式", "得分"]
    if layout == "both":
        titles.append("自评得分")
    table = _new_table(doc, widths)
    header = _header_row(table, widths, titles)
    _write(header[2].merge(header[3]), "评估指标", font=HEI)
    panel, own = comparison.panel_result, comparison.self_result
    for item in rubric.items:
        item_cells = []
        for content in item.contents:
            content_cells = []
            for ind in content.indicators:
                cells = _add_row(table, widths)
                item_cells.append(cells[0])
                content_cells.append(cells[1])
                _write(cells[2], str(ind.id))
                _write(cells[3], ind.text, center=False)
                _write(cells[4], "\n".join(ind.methods))
                _write(cells[5], score_text(panel.indicators[ind.id]).split("\n")[0])
                if layout == "both":
                    _write(cells[6], score_text(own.indicators[ind.id]).split("\n")[0])
            _write(
                content_cells[0].merge(content_cells[-1]),
                f"{content.name}\n（{pts(content.max)} 分）",
            )
        _write(
            item_cells[0].merge(item_cells[-1]), f"{item.name}\n（{pts(item.max)} 分）", bold=True
        )
    cells = _add_row(table, widths)
    _write(cells[0], "总分", font=HEI)
    _write(cells[1].merge(cells[4]), f"满分 {pts(rubric.max)} 分")
    _write(cells[5], pts(panel.total), bold=True)
    if layout == "both":
        _write(cells[6], pts(own.total))


def opinion_line(rubric: Rubric, row: CriterionRow) -> str:
    """One 评估意见 entry: what the unit claimed, what the panel found, the effect on the
    total after caps and tiers (`CriterionRow.effect_text`)."""
    c = rubric.criteria[row.criterion_id]
    where = f"评分项 {row.criterion_id}（指标 {row.indicator_id}）"
    claimed, found = answer_words(c, row.claim), answer_words(c, row.verdict)
    if row.pending:
        found = "尚未评定（暂按 0 分计）"
    return f"{where}：单位自评 {claimed}，评估组评定 {found}；{row.effect_text}。"


def review_docx_filename(layout: str, unit: str, round_name: str = "") -> str:
    """正式评估_<unit>_<round>_对照版.docx (both columns) or …_评估组版.docx (official form)."""
    suffix = {"both": "对照版", "panel": "评估组版"}.get(layout, layout)
    return (
        "_".join(
            part
            for part in ("正式评估", *map(safe_filename_part, (unit, round_name)), suffix)
            if part
        )
        + ".docx"
    )


def _opinions(doc: WordDocument, rubric: Rubric, comparison: ReviewComparison) -> None:
    diffs = comparison.differences()
    own, panel = comparison.self_result.total, comparison.panel_result.total
    _para(
        doc,
        f"评估组评定总得分 {pts(panel)} 分，单位自评 {pts(own)} 分，相差 {signed(panel - own)} 分；"
        f"评定与自评不同的评分项共 {len(diffs)} 项。",
        size=BODY_PT,
    )
    listed = comparison.listed()
    for n, row in enumerate(listed, start=1):
        _para(doc, f"{n}. {opinion_line(rubric, row)}", size=BODY_PT, space_after=0)
        _remarks(doc, row.verdict)
    if listed:
        _para(
            doc,
            f"以上各项合计 {signed(sum(r.effect for r in listed))} 分，"
            "即评估组评定总得分与单位自评之差。",
            size=BODY_PT,
        )
    others = [
        r
        for r in comparison.criteria
        if not r.differs and r.verdict is not None and (r.verdict.reason or r.verdict.site_note)
    ]
    if others:
        _para(doc, "其他评审意见", font=HEI, size=BODY_PT, space_after=2)
        for row in others:
            _para(
                doc,
                f"评分项 {row.criterion_id}（指标 {row.indicator_id}）：",
                size=BODY_PT,
                space_after=0,
            )
            _remarks(doc, row.verdict)
    if not diffs and not others:
        _para(doc, "评估组评定与单位自评一致，无其他意见。", size=BODY_PT)


def _remarks(doc: WordDocument, verdict: Verdict | None) -> None:
    if verdict is None:
        return
    for label, text in (("扣分理由/评审意见", verdict.reason), ("实地查看", verdict.site_note)):
        text = clean_text(text).strip()
        if text:
            _para(doc, f"{label}：{text}", size=BODY_PT, space_after=2, indent=Cm(0.8))


def _signatures(doc: WordDocument, panel: PanelInfo) -> None:
    _para(doc, "", space_after=12).paragraph_format.keep_with_next = True
    blank = "　" * 10
    for label, value in (
        ("评估组成员：", clean_text(panel.reviewers)),
        ("评估日期：", clean_text(panel.review_date)),
    ):
        p = doc.add_paragraph()
        _run(p, label, font=HEI)
        _run(p, value or blank).font.underline = True
        p.paragraph_format.space_after = Pt(8)
        p.paragraph_format.keep_with_next = True
    p = doc.add_paragraph()
    p.paragraph_format.left_indent = Cm(8.5)
    p.paragraph_format.space_before = Pt(30)
    _run(p, "评估组组长（签字）：", font=HEI)


# ---- Excel -----------------------------------------------------------------------------------

CRITERIA_HEAD = (
    ("评分项编号", 8), ("指标", 5), ("评估项目", 10), ("评分项", 36), ("分值", 6),
    ("单位自评", 12), ("自评得分", 7), ("评估组评定", 12), ("评估组得分", 7),
    ("对总分的影响", 8), ("影响说明", 16), ("扣分理由/评审意见", 36), ("实地查看", 24),
)  # fmt: skip
INDICATOR_HEAD = (
    ("指标", 5), ("评估项目", 12), ("满分", 6), ("自评得分", 8), ("评估组得分", 8), ("差值", 7),
    ("评审意见", 60),
)  # fmt: skip
ITEM_HEAD = (("评估项目", 20), ("满分", 8), ("自评得分", 10), ("评估组得分", 10), ("差值", 8))


def build_review_xlsx(
    rubric: Rubric, comparison: ReviewComparison, profile: Profile, panel: PanelInfo
) -> bytes:
    """The review workbook: 评审对照, 指标对照, 汇总 (values; nothing to fill in)."""
    profile = _clean_profile(profile)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.set_properties(
        workbook_properties(
            f"{profile.unit_name} 正式评估对照".strip(),
            Profile(clean_text(panel.reviewers) or profile.unit_name),
        )
    )
    styles = Styles(wb)
    _criteria_sheet(wb.add_worksheet("评审对照"), styles, rubric, comparison)
    _indicator_sheet(wb.add_worksheet("指标对照"), styles, comparison)
    _item_sheet(wb.add_worksheet("汇总"), styles, comparison, profile, panel)
    wb.close()
    return out.getvalue()


def _criteria_sheet(
    ws: Worksheet, styles: Styles, rubric: Rubric, comparison: ReviewComparison
) -> None:
    _header(ws, styles, CRITERIA_HEAD)
    for r, row in enumerate(comparison.criteria, start=1):
        c = rubric.criteria[row.criterion_id]
        reason = clean_text(row.verdict.reason) if row.verdict else ""
        site = clean_text(row.verdict.site_note) if row.verdict else ""
        item = next(i.item for i in comparison.indicators if i.indicator_id == row.indicator_id)
        texts = [row.criterion_id, str(row.indicator_id), item, c.text]
        for col, text in enumerate(texts):
            ws.write_string(r, col, text, styles.text if col in (2, 3) else styles.center)
        ws.write_number(r, 4, c.points, styles.number)
        ws.write_string(r, 5, answer_words(c, row.claim), styles.center)
        ws.write_number(r, 6, row.self_counted, styles.number)
        ws.write_string(r, 7, answer_words(c, row.verdict), styles.center)
        ws.write_number(r, 8, row.panel_counted, styles.number)
        if row.listed:
            ws.write_number(r, 9, row.effect, styles.number)
        else:
            ws.write_blank(r, 9, None, styles.number)
        ws.write_string(r, 10, row.effect_note, styles.text)
        ws.write_string(r, 11, reason, styles.text)
        ws.write_string(r, 12, site, styles.text)
        ws.set_row(r, row_height([(c.text, 36), (reason, 36), (site, 24), (item, 10)]))
    n = len(comparison.criteria)
    ws.write_string(n + 1, 3, "合计（得分已按指标上限和只取最高档计算）", styles.subtotal)
    for col, value in (
        (6, comparison.self_result.total),
        (8, comparison.panel_result.total),
        (9, comparison.difference),
    ):
        letter = chr(ord("A") + col)
        ws.write_formula(
            n + 1, col, f"=SUM({letter}2:{letter}{n + 1})", styles.subtotal_number, value
        )
    ws.autofilter(0, 0, n, len(CRITERIA_HEAD) - 1)


def _indicator_sheet(ws: Worksheet, styles: Styles, comparison: ReviewComparison) -> None:
    _header(ws, styles, INDICATOR_HEAD)
    for r, ind in enumerate(comparison.indicators, start=1):
        reasons = "\n".join(f"{cid}：{clean_text(text)}" for cid, text in ind.reasons)
        ws.write_number(r, 0, ind.indicator_id, styles.center)
        ws.write_string(r, 1, ind.item, styles.text)
        for col, value in enumerate((ind.max, ind.self_score, ind.panel_score, ind.difference), 2):
            ws.write_number(r, col, value, styles.number)
        ws.write_string(r, 6, reasons, styles.text)
        ws.set_row(r, row_height([(reasons, 60), (ind.item, 12)]))


def _item_sheet(
    ws: Worksheet, styles: Styles, comparison: ReviewComparison, profile: Profile, panel: PanelInfo
) -> None:
    _header(ws, styles, ITEM_HEAD)
    for r, item in enumerate(comparison.items, start=1):
        ws.write_string(r, 0, item.name, styles.text)
        for col, value in enumerate(
            (item.max, item.self_score, item.panel_score, item.difference), 1
        ):
            ws.write_number(r, col, value, styles.number)
    r = len(comparison.items) + 1
    ws.write_string(r, 0, "总分", styles.subtotal)
    own, pan = comparison.self_result, comparison.panel_result
    for col, value in enumerate((own.max, own.total, pan.total, pan.total - own.total), 1):
        ws.write_number(r, col, value, styles.subtotal_number)
    lines = [
        ("承担单位", profile.unit_name),
        ("轮次", profile.round_name),
        ("评估组成员", clean_text(panel.reviewers)),
        ("评估日期", clean_text(panel.review_date)),
        ("评审状态", "已定稿" if panel.final else "评审中（暂定结果）"),
    ]
    for n, (label, text) in enumerate(lines, start=r + 2):
        ws.write_string(n, 0, label, styles.label)
        ws.write_string(n, 1, text, styles.plain)
