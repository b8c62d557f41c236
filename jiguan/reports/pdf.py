"""A one-page summary for leaders (.pdf): total, radar across the items, per-item table, the
largest gaps and how ready the evidence is.

Drawn with reportlab (no browser, no LibreOffice). Chinese text needs a CJK TrueType font, which
is embedded (subset) in the file: a subset of WenQuanYi Micro Hei vendored in
``jiguan/reports/fonts/`` (Apache-2.0; NOTICE and make_subset.py there say where it comes from
and how it was made; it covers all of GB2312, so user text renders), else Debian's
``fonts-wqy-microhei`` / ``fonts-wqy-zenhei``. Noto CJK is not used: its files have CFF outlines,
which reportlab cannot embed. Should none be readable, reportlab's built-in ``STSong-Light`` CID
font is used (not embedded: the PDF viewer supplies a Song font), rather than failing.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.spider import SpiderChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from jiguan.format import today
from jiguan.reports._common import (
    Files,
    Profile,
    clean_inputs,
    gaps,
    id_list,
    pct,
    pts,
    readiness,
)
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, Result, score
from jiguan.text import lines

FONT_NAME = "JiguanCJK"
_DEBIAN_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)

GAPS_SHOWN = 6
INK = colors.HexColor("#1F2937")
ACCENT = colors.HexColor("#1D4ED8")
GRID = colors.HexColor("#9CA3AF")
HEAD_BG = colors.HexColor("#E5E7EB")


VENDORED_FONT = Path(__file__).with_name("fonts") / "wqy-microhei-subset.ttf"
FALLBACK_CID_FONT = "STSong-Light"


def font_candidates() -> list[Path]:
    """Where a usable CJK TrueType font may be, in order of preference."""
    return [VENDORED_FONT, *_DEBIAN_FONTS]


@cache
def cjk_font() -> str:
    """Register the CJK font with reportlab once and return its name.

    The first readable TrueType candidate, else reportlab's built-in STSong-Light.
    """
    for path in font_candidates():
        if path.is_file():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            except (OSError, TTFError):
                continue  # a damaged file: try the next
            return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


def build_pdf(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    *,
    files: Files | None = None,
) -> bytes:
    """A one-page A4 summary as PDF bytes, with the CJK font embedded.

    Args:
        rubric: the rubric.
        answers: criterion id -> Answer.
        profile: unit and date for the heading.
        files: accepted for a common signature with the other builders (not used).
    """
    answers, profile, files = clean_inputs(answers, profile, files)
    font = cjk_font()
    result = score(rubric, answers)
    styles = _styles(font)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=f"{rubric.title} 自评摘要",
        author=profile.unit_name or "机关事务标准化试点",
        subject="自评摘要",
        creator="机关事务标准化试点自评",
    )
    width = A4[0] - 3.6 * cm

    story: list[Flowable] = [
        Paragraph(f"{_esc(rubric.title)}　自评摘要", styles["title"]),
        Paragraph(_esc(profile.unit_name or "（未填写承担单位）"), styles["unit"]),
        Paragraph(_esc(_meta_line(profile)), styles["meta"]),
        Spacer(1, 0.25 * cm),
        _total_box(result, styles, width),
        Spacer(1, 0.3 * cm),
        Table(
            [[_radar(result, font), _items_table(result, styles)]],
            colWidths=[8.4 * cm, width - 8.4 * cm],
            style=TableStyle(
                [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
            ),
        ),
        Spacer(1, 0.3 * cm),
        Paragraph("主要失分（按可提升分值排序）", styles["h2"]),
        _gaps_table(rubric, result, styles, width),
        Spacer(1, 0.3 * cm),
        Paragraph("佐证准备情况", styles["h2"]),
        *_readiness(result, styles, width),
        Spacer(1, 0.3 * cm),
        Paragraph(
            f"本摘要由自评系统根据填报答案生成（{today():%Y-%m-%d}），"
            "分数为单位自评结果，以评估组核定为准。",
            styles["small"],
        ),
    ]
    # One page whatever the content: shrink the whole summary if it would overflow.
    doc.build([KeepInFrame(width, doc.height, story, mode="shrink")])
    return out.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _meta_line(profile: Profile) -> str:
    parts = []
    if profile.date_text:
        parts.append(f"评估日期：{profile.date_text}")
    if profile.round_name:
        parts.append(f"轮次：{profile.round_name}")
    if profile.filled_by:
        parts.append(f"填表人：{profile.filled_by}")
    if profile.contact:
        parts.append(f"联系方式：{profile.contact}")
    if profile.submitted:
        parts.append(profile.submitted)
    return "　　".join(parts) or " "


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=14, textColor=INK)
    base.wordWrap = "CJK"
    return {
        "title": ParagraphStyle("title", base, fontSize=17, leading=22, alignment=TA_CENTER),
        "unit": ParagraphStyle(
            "unit", base, fontSize=14, leading=20, alignment=TA_CENTER, spaceBefore=4
        ),
        "meta": ParagraphStyle("meta", base, fontSize=9, leading=13, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", base, fontSize=12, leading=16, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=12),
        "small": ParagraphStyle("small", base, fontSize=8, leading=11, textColor=GRID),
        "big": ParagraphStyle("big", base, fontSize=26, leading=30, textColor=ACCENT),
    }


def _total_box(result: Result, styles: dict[str, ParagraphStyle], width: float) -> Table:
    # The share of settled criteria, never rounded up to 100 % (「53 / 54（100%）」 read wrong);
    # criteria that can no longer change the score are said as such.
    share = math.floor(result.completion * 100)
    settled = result.settled - result.answered
    moot = f"，另 {settled} 项已不影响得分" if settled else ""
    right = (
        f"已评评分项 {result.answered} / {result.criteria_count}{moot}"
        f"（完成度 {share}%）<br/>"
        f"得分率 {pct(result.total, result.max)}"
    )
    if result.pass_line is not None:
        verdict = "达到" if result.passed else "未达到"
        right += f"<br/>{verdict}合格线 {pts(result.pass_line)} 分"
    table = Table(
        [
            [
                Paragraph("总得分", styles["h2"]),
                Paragraph(
                    f"{pts(result.total)}<font size=14> / {pts(result.max)} 分</font>",
                    styles["big"],
                ),
                Paragraph(right, styles["body"]),
            ]
        ],
        colWidths=[2.2 * cm, 6.2 * cm, width - 8.4 * cm],
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _radar(result: Result, font: str) -> Drawing:
    """Each item's score as % of its maximum, against rings at 25/50/75/100 %."""
    width, height = 8.4 * cm, 7.4 * cm
    d = Drawing(width, height)
    chart = SpiderChart()
    r = 2.15 * cm
    cx, cy = width / 2, height / 2 + 0.15 * cm
    chart.x, chart.y = cx - r, cy - r
    chart.width = chart.height = 2 * r
    n = len(result.items)
    rings = [[level] * n for level in (100, 75, 50, 25)]
    chart.data = [*rings, [g.pct for g in result.items]]
    chart.labels = None
    chart.startAngle = 90
    chart.direction = "clockwise"
    for i in range(len(rings)):
        chart.strands[i].strokeColor = GRID
        chart.strands[i].strokeWidth = 0.8 if i == 0 else 0.3
        chart.strands[i].fillColor = None
    last = len(rings)
    chart.strands[last].strokeColor = ACCENT
    chart.strands[last].strokeWidth = 1.6
    chart.strands[last].fillColor = colors.Color(0.11, 0.31, 0.85, alpha=0.25)
    chart.spokes.strokeColor = GRID
    chart.spokes.strokeWidth = 0.3
    d.add(chart)
    # Labels drawn here rather than by SpiderChart, so they sit outside the ring and are
    # anchored away from it (long names on two lines).
    for i, g in enumerate(result.items):
        angle = math.radians(90 - 360 * i / n)
        c, s = math.cos(angle), math.sin(angle)
        x, y = cx + (r + 0.25 * cm) * c, cy + (r + 0.25 * cm) * s
        anchor = "start" if c > 0.2 else ("end" if c < -0.2 else "middle")
        text_lines = [*_split_label(g.name), f"{g.pct:.0f}%"]
        size, leading = 8, 9.5
        top = y + (len(text_lines) - 1) * leading / 2 if abs(s) < 0.8 else y
        if s > 0.8:
            top = y + (len(text_lines) - 1) * leading + 2
        elif s < -0.8:
            top = y - size
        for k, line in enumerate(text_lines):
            d.add(
                String(x, top - k * leading - size / 3, line, fontName=font, fontSize=size,
                       fillColor=ACCENT if k == len(text_lines) - 1 else INK, textAnchor=anchor)
            )  # fmt: skip
    d.add(
        String(width / 2, 0.05 * cm, "各评估项目得分率（占该项满分的百分比）", fontName=font,
               fontSize=7.5, fillColor=GRID, textAnchor="middle")
    )  # fmt: skip
    return d


def _split_label(name: str, width: int = 5) -> list[str]:
    """An item name on one line, or two when long (after 与 where there is one)."""
    if len(name) <= width:
        return [name]
    cut = name.find("与") + 1 if "与" in name else len(name) // 2
    return [name[:cut], name[cut:]]


def _items_table(result: Result, styles: dict[str, ParagraphStyle]) -> Table:
    rows = [["评估项目", "得分", "满分", "得分率"]]
    rows += [[g.name, pts(g.score), pts(g.max), pct(g.score, g.max)] for g in result.items]
    rows.append(["合计", pts(result.total), pts(result.max), pct(result.total, result.max)])
    table = Table(rows, colWidths=[3.6 * cm, 1.5 * cm, 1.5 * cm, 1.7 * cm], hAlign="RIGHT")
    table.setStyle(_grid_style(styles["cell"].fontName, numeric_from=1, total_row=True))
    return table


def _grid_style(font: str, *, numeric_from: int, total_row: bool = False) -> TableStyle:
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LEADING", (0, 0), (-1, -1), 12),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (numeric_from, 0), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), HEAD_BG))
    return TableStyle(commands)


def _gaps_table(
    rubric: Rubric, result: Result, styles: dict[str, ParagraphStyle], width: float
) -> Table | Paragraph:
    top = gaps(rubric, result, limit=GAPS_SHOWN)
    if not top:
        return Paragraph("各项指标均已得满分。", styles["body"])
    widths = [1.0 * cm, 5.0 * cm, 0.0, 1.9 * cm, 1.4 * cm]
    widths[2] = width - sum(widths)
    rows: list[list[Any]] = [["指标", "评估项目／评估内容", "指标内容", "得分／满分", "可提升"]]
    for g in top:
        # every criterion's line (the unit may have claimed 38.3, not 38.1)
        text = "<br/>".join(_esc(line) for line in lines(g.indicator.text))
        rows.append(
            [
                str(g.indicator.id),
                Paragraph(_esc(f"{g.item.name}／{g.content.name}"), styles["cell"]),
                Paragraph(text, styles["cell"]),
                f"{pts(g.score)}／{pts(g.indicator.max)}",
                pts(g.available),
            ]
        )
    table = Table(rows, colWidths=widths)
    style = _grid_style(styles["cell"].fontName, numeric_from=3)
    style.add("ALIGN", (0, 0), (0, -1), "CENTER")
    table.setStyle(style)
    return table


def _readiness(result: Result, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    r = readiness(result)
    rows = [
        ["需关注的指标", f"{len(r.flagged)} 项", id_list(r.flagged)],
        ["其中：尚未评完", f"{len(r.unanswered)} 项", id_list(r.unanswered)],
        ["其中：得分但缺佐证", f"{len(r.no_evidence)} 项", id_list(r.no_evidence)],
        ["已有佐证的指标", f"{r.with_evidence} / {r.indicators} 项", ""],
        ["已评评分项", f"{r.answered} / {r.criteria} 项", ""],
    ]
    body = [
        [Paragraph(_esc(a), styles["cell"]), b, Paragraph(_esc(c), styles["cell"])]
        for a, b, c in rows
    ]
    table = Table(
        [["项目", "数量", "指标编号"], *body], colWidths=[4.2 * cm, 2.6 * cm, width - 6.8 * cm]
    )
    style = _grid_style(styles["cell"].fontName, numeric_from=1)
    style.add("ALIGN", (2, 0), (2, -1), "LEFT")
    table.setStyle(style)
    note = Paragraph(
        "“缺佐证”指已得分但未填写任何佐证材料、也未上传附件的指标，评估时可能不予认定。",
        styles["small"],
    )
    return [table, Spacer(1, 0.1 * cm), note]
