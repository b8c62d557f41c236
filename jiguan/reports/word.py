"""The filled 附件2 as a Word document (.docx) that opens in WPS and Word.

Laid out as the source form: 附件2, the title, 承担单位 and 总得分, then the table 评估项目 /
评估内容 / 评估指标 (number and text) / 评估方式 / 得分 with the item and content cells merged
vertically, its header row repeated on every page and a final 总分 row. After it: the
佐证材料目录 (evidence index, numbered by indicator), 备注 (the notes) and the signature block.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document
from docx.document import Document as WordDocument
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from jiguan.evidence import number_evidence
from jiguan.reports._common import Files, Profile, clean_inputs, notes, pts
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
from jiguan.reports.catalogue import add_evidence_index
from jiguan.rubric import Rubric
from jiguan.scoring import NO_EVIDENCE, UNANSWERED, Answer, IndicatorResult, Result, score
from jiguan.text import lines

# Column widths (cm) of the main table: 评估项目, 评估内容, 序号, 指标, 评估方式, 得分.
# They sum to the text width of A4 with GB/T 9704 margins (15.6 cm, `_docx.TEXT_WIDTH`).
MAIN_WIDTHS = (2.2, 2.2, 0.9, 6.8, 2.0, 1.5)


def build_docx(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
) -> bytes:
    """The filled 附件2 form as .docx bytes.

    Args:
        rubric: the rubric.
        answers: criterion id -> Answer.
        profile: 承担单位 and the people/date for the signature block.
        files: criterion id -> attached evidence file names, listed in the evidence index.
    """
    answers, profile, files = clean_inputs(answers, profile, files)
    result = score(rubric, answers)
    doc = _form(rubric, result, profile)

    _heading(doc, "佐证材料目录", page_break=True)
    add_evidence_index(
        doc,
        number_evidence(rubric, answers, files),
        lambda e: f"{e.text}（附件）" if e.is_file else e.text,
    )

    _heading(doc, "备注")
    noted = notes(rubric, answers)
    last: Paragraph
    if noted:
        for cid, text in noted:
            first, *rest = lines(text) or [text]
            last = _para(doc, f"评分项 {cid}：{first}", size=BODY_PT, space_after=0)
            for more in rest:
                last = _para(doc, more, size=BODY_PT, space_after=0, indent=Cm(1.6))
    else:
        last = _para(doc, "无。", size=BODY_PT)
    # The signature block never stands alone on the last page: it is chained to the notes.
    last.paragraph_format.keep_with_next = True
    _signature_block(doc, profile)
    return _save(doc, f"{rubric.source} {rubric.title}".strip(), profile)


def build_blank_docx(rubric: Rubric) -> bytes:
    """The blank 附件2 as the source form: the fields, 得分 and 总分 empty; the signature lines
    blank (as the blank PDF)."""
    profile = Profile()
    doc = _form(rubric, None, profile)
    _signature_block(doc, profile)
    return _save(doc, f"{rubric.source} {rubric.title}（空白表）".strip(), profile)


def _form(rubric: Rubric, result: Result | None, profile: Profile) -> WordDocument:
    """A new document with the form's heading, fields and main table (blank without a result)."""
    doc = Document()
    _setup(doc)
    _para(doc, rubric.source or "附件2", font=HEI, size=16, space_after=6)
    _title(doc, rubric.title, space_after=18)
    _field_line(doc, "承担单位：", profile.unit_name)
    total = "" if result is None else f"{pts(result.total)} 分"
    _field_line(doc, "总得分：", total, space_after=10)
    _main_table(doc, rubric, result)
    return doc


def _save(doc: WordDocument, title: str, profile: Profile) -> bytes:
    set_properties(doc, title, profile.filled_by or profile.unit_name)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


UNANSWERED_MARK = "未评"
NO_EVIDENCE_MARK = "缺佐证"


def score_text(r: IndicatorResult) -> str:
    """The 得分 cell: 「未评」 when nothing is answered (not 0, which means 不符合); else the
    score, with 「未评完」 when some criteria are unanswered and 「缺佐证」 when points are
    claimed without any evidence."""
    if r.answered == 0:
        return UNANSWERED_MARK
    marks = [pts(r.score)]
    if UNANSWERED in r.flags:
        marks.append("未评完")
    if NO_EVIDENCE in r.flags:
        marks.append(NO_EVIDENCE_MARK)
    return "\n".join(marks)


def _main_table(doc: WordDocument, rubric: Rubric, result: Result | None) -> None:
    w = MAIN_WIDTHS
    table = _new_table(doc, w)
    header = _header_row(table, w, ["评估项目", "评估内容", "评估指标", "", "评估方式", "得分"])
    merged = header[2].merge(header[3])
    _write(merged, "评估指标", font=HEI)

    for item in rubric.items:
        item_cells: list[_Cell] = []
        for content in item.contents:
            content_cells: list[_Cell] = []
            for ind in content.indicators:
                cells = _add_row(table, w)
                item_cells.append(cells[0])
                content_cells.append(cells[1])
                _write(cells[2], str(ind.id))
                _write(cells[3], ind.text, center=False)
                _write(cells[4], "\n".join(ind.methods))
                _write(cells[5], score_text(result.indicators[ind.id]) if result else "")
            cell = content_cells[0].merge(content_cells[-1])
            _write(cell, f"{content.name}\n（{pts(content.max)} 分）")
        cell = item_cells[0].merge(item_cells[-1])
        _write(cell, f"{item.name}\n（{pts(item.max)} 分）", bold=True)

    cells = _add_row(table, w)
    _write(cells[0], "总分", font=HEI)
    cell = cells[1].merge(cells[4])
    _write(cell, f"满分 {pts(rubric.max)} 分")
    _write(cells[5], pts(result.total) if result else "", bold=True)


def _signature_block(doc: WordDocument, profile: Profile) -> None:
    _para(doc, "", space_after=12).paragraph_format.keep_with_next = True
    rows = [
        ("填表人：", profile.filled_by, "联系方式：", profile.contact),
        ("评估日期：", profile.date_text, "轮次：", profile.round_name),
    ]
    blank = "　" * 8
    for left_label, left, right_label, right in rows:
        p = doc.add_paragraph()
        _run(p, left_label, font=HEI)
        _run(p, left or blank).font.underline = True
        _run(p, "　　　　")
        _run(p, right_label, font=HEI)
        _run(p, right or blank).font.underline = True
        p.paragraph_format.space_after = Pt(8)
        p.paragraph_format.keep_with_next = True
    for label, tail in (
        ("承担单位（盖章）：", ""),
        ("负责人（签字）：", ""),
        ("日　　期：", "　　　　年　　月　　日"),
    ):
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(8.5)
        p.paragraph_format.space_before = Pt(30)
        p.paragraph_format.keep_with_next = bool(tail) is False
        _run(p, label, font=HEI)
        if tail:
            _run(p, tail)
