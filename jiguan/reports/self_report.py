"""《机关事务标准化试点工作自评报告》: a draft the unit edits in Word, made from the assessment.

一、基本情况 (the profile, and a place for the unit's own words); 二、自评得分情况 (the total, a
table by 评估项目 and the radar as a picture); 三、主要做法和成效 (per 评估项目, each indicator
that earned points with its evidence, numbered as in every 佐证材料目录, and its notes);
四、存在的问题 (what lost points, and why: unmet criteria, 未评, 缺佐证); 五、下一步工作打算 (one
line to complete per indicator that lost points); 附件: the 佐证材料目录.

Headings are Word's own heading styles (so Word's navigation pane and a table of contents find
them), body text in 仿宋 三号 after GB/T 9704; no text boxes, nothing the unit cannot edit.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from jiguan.evidence import EvidenceGroup, number_evidence
from jiguan.reports._common import Files, Profile, clean_inputs, pct, pts
from jiguan.reports._docx import (
    HEI,
    _add_row,
    _header_row,
    _new_table,
    _para,
    _set_fonts,
    _setup,
    _title,
    _write,
    set_properties,
)
from jiguan.reports.catalogue import add_evidence_index
from jiguan.reports.radar_png import radar_png
from jiguan.rubric import Indicator, Rubric
from jiguan.scoring import NO_EVIDENCE, UNANSWERED, Answer, Result, criterion_points, score
from jiguan.text import lines

TITLE = "机关事务标准化试点工作自评报告"
KAI = "楷体"  # second-level headings (GB/T 9704: 一级 黑体, 二级 楷体)
REPORT_PT = 16  # 三号
ITEM_WIDTHS = (6.6, 3.0, 3.0, 3.0)  # 评估项目, 满分, 自评得分, 得分率 (cm)
NUMERALS = "一二三四五六七八九十"
TO_COMPLETE = "（请补充）"


def build_self_report(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
) -> bytes:
    """The 自评报告 draft as .docx bytes (files: criterion id -> attached file names)."""
    answers, profile, files = clean_inputs(answers, profile, files)
    result = score(rubric, answers)
    groups = {g.indicator.id: g for g in number_evidence(rubric, answers, files)}
    doc = Document()
    _setup(doc)
    _styles(doc)
    _title(doc, TITLE, space_after=6)
    meta = "　".join(t for t in (profile.unit_name, profile.round_name, profile.date_text) if t)
    if meta:
        _para(doc, meta, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=18)
    _basics(doc, profile)
    _scores(doc, rubric, result)
    _practice(doc, rubric, answers, result, groups)
    _problems(doc, rubric, answers, result)
    _next_steps(doc, rubric, result)
    doc.add_heading("附件：佐证材料目录", level=1).paragraph_format.page_break_before = True
    add_evidence_index(
        doc,
        list(groups.values()),
        lambda e: f"{e.text}（附件）" if e.is_file else e.text,
    )
    set_properties(doc, TITLE, profile.filled_by or profile.unit_name)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _styles(doc: WordDocument) -> None:
    """Word's heading styles in 黑体 (一级) and 楷体 (二级), 三号, black, not bold."""
    for level, font in ((1, HEI), (2, KAI)):
        style = doc.styles[f"Heading {level}"]
        style.font.size = Pt(REPORT_PT)
        style.font.bold = False
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _set_fonts(style.element.get_or_add_rPr(), font)
        style.paragraph_format.first_line_indent = Pt(REPORT_PT * 2)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True


def _body(doc: WordDocument, text: str) -> None:
    """A body paragraph: 仿宋 三号, 28 pt lines, indented two characters."""
    p = _para(doc, text, size=REPORT_PT)
    p.paragraph_format.first_line_indent = Pt(REPORT_PT * 2)
    p.paragraph_format.line_spacing = Pt(28)


def _basics(doc: WordDocument, profile: Profile) -> None:
    doc.add_heading("一、基本情况", level=1)
    fields = (
        ("承担单位", profile.unit_name),
        ("轮次", profile.round_name),
        ("评估日期", profile.date_text),
        ("填表人", profile.filled_by),
        ("联系方式", profile.contact),
    )
    _body(doc, "；".join(f"{label}：{value or TO_COMPLETE}" for label, value in fields) + "。")
    _body(doc, "（请补充本单位基本情况和试点工作开展情况。）")


def _scores(doc: WordDocument, rubric: Rubric, result: Result) -> None:
    doc.add_heading("二、自评得分情况", level=1)
    _body(
        doc,
        f"按照《{rubric.title}》，本单位自评总得分 {pts(result.total)} 分"
        f"（满分 {pts(result.max)} 分），已完成 {result.completion:.0%} 的评分项。"
        "各评估项目得分如下：",
    )
    table = _new_table(doc, ITEM_WIDTHS)
    _header_row(table, ITEM_WIDTHS, ["评估项目", "满分", "自评得分", "得分率"])
    for item in result.items:
        cells = _add_row(table, ITEM_WIDTHS)
        for cell, text in zip(
            cells,
            (item.name, pts(item.max), pts(item.score), pct(item.score, item.max)),
            strict=True,
        ):
            _write(cell, text, center=cell is not cells[0])
    cells = _add_row(table, ITEM_WIDTHS)
    for cell, text in zip(
        cells,
        ("合计", pts(result.max), pts(result.total), pct(result.total, result.max)),
        strict=True,
    ):
        _write(cell, text, center=cell is not cells[0])
    picture = radar_png([i.name for i in result.items], [i.pct for i in result.items])
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(picture), width=Cm(11))
    _para(doc, "图  各评估项目得分率", align=WD_ALIGN_PARAGRAPH.CENTER, size=12)


def _heading2(doc: WordDocument, n: int, text: str) -> None:
    doc.add_heading(f"（{NUMERALS[n] if n < len(NUMERALS) else n + 1}）{text}", level=2)


def _short(ind: Indicator) -> str:
    first = lines(ind.text)[0]
    return first if len(first) <= 60 else first[:60] + "……"


def _practice(
    doc: WordDocument,
    rubric: Rubric,
    answers: Mapping[str, Answer],
    result: Result,
    groups: Mapping[int, EvidenceGroup],
) -> None:
    doc.add_heading("三、主要做法和成效", level=1)
    for n, item in enumerate(rubric.items):
        _heading2(doc, n, item.name)
        earned = [
            ind
            for content in item.contents
            for ind in content.indicators
            if result.indicators[ind.id].score > 0
        ]
        if not earned:
            _body(doc, "本项目尚无得分的指标。" + TO_COMPLETE)
            continue
        for ind in earned:
            r = result.indicators[ind.id]
            _body(
                doc,
                f"指标 {ind.id}：{_short(ind)}自评得 {pts(r.score)} 分（满分 {pts(r.max)} 分）。",
            )
            scored = {c.id for c in ind.criteria if result.criteria.get(c.id, 0) > 0}
            group = groups.get(ind.id)
            for entry in group.entries if group else ():
                if entry.criterion_id in scored:
                    _body(doc, f"材料 {entry.number}：{entry.text}")
            for c in ind.criteria:
                note = answers.get(c.id, Answer()).note.strip()
                if c.id in scored and note:
                    _body(doc, f"说明（评分项 {c.id}）：{' '.join(lines(note))}")


def _problems(
    doc: WordDocument, rubric: Rubric, answers: Mapping[str, Answer], result: Result
) -> None:
    doc.add_heading("四、存在的问题", level=1)
    lost = [
        ind
        for _, _, ind in rubric.indicators()
        if result.indicators[ind.id].score < _max(ind, result)
    ]
    if not lost:
        _body(doc, "各指标均已得满分。")
        return
    for ind in lost:
        r = result.indicators[ind.id]
        why = []
        if UNANSWERED in r.flags:
            why.append("尚有评分项未评")
        if NO_EVIDENCE in r.flags:
            why.append("有得分但缺少佐证材料")
        _body(
            doc,
            f"指标 {ind.id}：满分 {pts(r.max)} 分，自评 {pts(r.score)} 分，"
            f"失 {pts(r.max - r.score)} 分{'（' + '；'.join(why) + '）' if why else ''}。",
        )
        for c in ind.criteria:
            a = answers.get(c.id, Answer())
            if a.value is not None and criterion_points(c, a) < c.points and c.kind == "check":
                _body(doc, f"未达到：{c.text}")


def _max(ind: Indicator, result: Result) -> float:
    return result.indicators[ind.id].max


def _next_steps(doc: WordDocument, rubric: Rubric, result: Result) -> None:
    doc.add_heading("五、下一步工作打算", level=1)
    lost = [
        ind
        for _, _, ind in rubric.indicators()
        if result.indicators[ind.id].score < _max(ind, result)
    ]
    if not lost:
        _body(doc, "（请补充巩固和深化试点成果的打算。）")
        return
    for ind in lost:
        _body(doc, f"针对指标 {ind.id}：（请填写整改措施、责任部门、责任人和完成时限。）")


__all__ = ["TITLE", "build_self_report"]
