"""The blank 附件2 as PDF: the whole form, to print and fill in by hand (workshops, visits).

A4 portrait with the Word form's margins (GB/T 9704), as the source and the blank Word form
(`word.build_blank_docx`): 附件2, the title, blank 承担单位 and 总得分 lines, then the source's
table 评估项目 / 评估内容 / 评估指标 (number and source text: the criteria with their points) /
评估方式 / 得分, 得分 empty; every item and indicator of the rubric, a 总分 row with its score
empty, and the blank signature lines of the Word form. Rows are measured and cut into pages
here, between contents (a content taller than a page is cut between indicators), so a row or a
content never straddles a page; each page is one table with the header row, the item and content
cells merged down their rows and marked 「续」 when they began on an earlier page. The CJK font
is the one `pdf.py` embeds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from operator import attrgetter
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from jiguan.reports import _docx
from jiguan.reports._common import pts
from jiguan.reports.pdf import GRID, HEAD_BG, INK, cjk_font
from jiguan.rubric import Content, Item, Rubric

PAGE = A4
MARGINS = {k: v * cm for k, v in _docx.MARGINS.items()}
# 评估项目, 评估内容, 评估指标 (序号 and text under one heading), 评估方式, 得分: 15.6 cm.
WIDTHS = tuple(w * cm for w in (1.9, 2.0, 0.8, 7.1, 2.0, 1.8))
HEADER = ("评估项目", "评估内容", "评估指标", "", "评估方式", "得分")
MIN_ROW = 1.2 * cm  # room to write a score by hand
PAD_X, PAD_Y = 5, 4
FRAME_PAD = 6  # reportlab's Frame padding on each side
SLACK = 6  # points kept free on each page against rounding in the measured heights
BLANK_FIELD = "＿" * 14


def build_blank_form_pdf(rubric: Rubric) -> bytes:
    """The blank 附件2 form as PDF bytes (A4 landscape, CJK font embedded).

    Args:
        rubric: the rubric whose items, contents and indicators fill the table.
    """
    font = cjk_font()
    styles = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGINS["left"],
        rightMargin=MARGINS["right"],
        topMargin=MARGINS["top"],
        bottomMargin=MARGINS["bottom"],
        title=f"{rubric.source} {rubric.title}（空白表）".strip(),
        author="",
        subject="空白评估表",
        creator="机关事务标准化试点自评",
    )
    heading = [
        Paragraph(escape(rubric.source or "附件2"), styles["source"]),
        Paragraph(escape(rubric.title), styles["title"]),
        Paragraph(f"承担单位：{BLANK_FIELD}", styles["field"]),  # two lines, as the Word form
        Paragraph(f"总得分：{BLANK_FIELD}", styles["field"]),
        Spacer(1, 0.2 * cm),
    ]
    width = doc.width
    used = sum(
        f.wrap(width, doc.height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in heading
    )
    head_row = max(
        Paragraph(h, styles["head"]).wrap(w - 2 * PAD_X, doc.height)[1]
        for h, w in zip(HEADER, WIDTHS, strict=True)
    )
    later = doc.height - 2 * FRAME_PAD - head_row - 2 * PAD_Y - SLACK
    pages = _pages(_rows(rubric, styles), later - used, later)
    story: list[Flowable] = list(heading)
    started: set[int] = set()
    for n, rows in enumerate(pages):
        if n:
            story.append(PageBreak())
        last = n == len(pages) - 1
        story.append(_table(rows, styles, started=started, total=rubric.max if last else None))
    story += [Spacer(1, 0.5 * cm), _signature_block(styles)]

    def footer(canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.setFillColor(INK)
        canvas.drawCentredString(PAGE[0] / 2, 2.0 * cm, f"第 {canvas.getPageNumber()} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("blank", fontName=font, fontSize=9.5, leading=13, textColor=INK)
    base.wordWrap = "CJK"
    return {
        "source": ParagraphStyle("source", base, fontSize=14, leading=18),
        "title": ParagraphStyle(
            "title", base, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=10
        ),
        "field": ParagraphStyle("field", base, fontSize=12, leading=18),
        "cell": base,
        "centre": ParagraphStyle("centre", base, alignment=TA_CENTER),
        "head": ParagraphStyle("head", base, fontSize=10.5, alignment=TA_CENTER),
    }


def _lines(text: str) -> str:
    """Multi-line source text as one paragraph, its line breaks kept."""
    return "<br/>".join(escape(line.strip()) for line in text.splitlines() if line.strip())


class _Row(NamedTuple):
    item: Item
    content: Content
    cells: list[Any]  # 序号, 评估指标, 评估方式 (the other columns are filled per page)
    height: float  # as measured, at least MIN_ROW


def _rows(rubric: Rubric, styles: dict[str, ParagraphStyle]) -> list[_Row]:
    cell, centre = styles["cell"], styles["centre"]
    rows = []
    for item, content, ind in rubric.indicators():
        cells = [
            Paragraph(str(ind.id), centre),
            Paragraph(_lines(ind.text), cell),
            Paragraph("<br/>".join(escape(m) for m in ind.methods), centre),
        ]
        tallest = max(
            p.wrap(w - 2 * PAD_X, PAGE[1])[1] for p, w in zip(cells, WIDTHS[2:5], strict=True)
        )
        rows.append(_Row(item, content, cells, max(MIN_ROW, tallest + 2 * PAD_Y)))
    return rows


def _pages(rows: list[_Row], first: float, later: float) -> list[list[_Row]]:
    """Rows cut into pages of at most `first` (then `later`) points, between contents only,
    unless a content is taller than a page by itself."""
    pages: list[list[_Row]] = [[]]
    room = first
    for group in _groups(rows, key=lambda r: r.content):
        height = sum(r.height for r in group)
        units = [group] if height <= later else [[r] for r in group]
        for unit in units:
            need = sum(r.height for r in unit)
            if need > room and pages[-1]:
                pages.append([])
                room = later
            pages[-1].extend(unit)
            room -= need
    return pages


def _groups(rows: list[_Row], key: Callable[[_Row], object]) -> list[list[_Row]]:
    out: list[list[_Row]] = []
    for row in rows:
        if out and key(out[-1][-1]) is key(row):
            out[-1].append(row)
        else:
            out.append([row])
    return out


def _table(
    rows: list[_Row], styles: dict[str, ParagraphStyle], *, started: set[int], total: float | None
) -> Table:
    """One page of the form; `started` holds the items and contents already begun on earlier
    pages (their cells say 「续」); `total` adds the 总分 row."""
    centre = styles["centre"]
    data: list[list[Any]] = [[Paragraph(h, styles["head"]) if h else "" for h in HEADER]]
    commands: list[tuple[Any, ...]] = [("SPAN", (2, 0), (3, 0))]
    for col, attr in ((0, "item"), (1, "content")):
        first = 1
        for group in _groups(rows, key=attrgetter(attr)):
            part = getattr(group[0], attr)
            more = "，续" if id(part) in started else ""
            started.add(id(part))
            label = f"{escape(part.name)}<br/>（{pts(part.max)} 分{more}）"
            for k in range(len(group)):
                if col == 0:
                    data.append(["", ""])
                data[first + k][col] = Paragraph(label, centre) if k == 0 else ""
            if len(group) > 1:
                commands.append(("SPAN", (col, first), (col, first + len(group) - 1)))
            first += len(group)
    for k, row in enumerate(rows, start=1):
        data[k] += [*row.cells, ""]
    heights = [0.0] + [r.height for r in rows]
    if total is not None:
        data.append(
            [
                Paragraph("总分", styles["head"]),
                Paragraph(f"满分 {pts(total)} 分", centre),
                *("", "", "", ""),
            ]
        )
        last = len(data) - 1
        heights.append(0.9 * cm)
        commands += [("SPAN", (1, last), (4, last))]
    table = Table(data, colWidths=WIDTHS, minRowHeights=heights, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BOX", (0, 0), (-1, -1), 0.9, INK),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
                ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
                *commands,
            ]
        )
    )
    return table


def _signature_block(styles: dict[str, ParagraphStyle]) -> KeepTogether:
    field = styles["field"]
    blank = BLANK_FIELD[:10]
    left = [f"{label}：{blank}" for label in ("填表人", "联系方式", "评估日期", "轮次")]
    right = ["承担单位（盖章）：", "负责人（签字）：", "日期：＿＿＿＿年＿＿月＿＿日", ""]
    rows = [[Paragraph(a, field), Paragraph(b, field)] for a, b in zip(left, right, strict=True)]
    table = Table(rows, colWidths=[8.6 * cm, sum(WIDTHS) - 8.6 * cm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 14),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([table])
