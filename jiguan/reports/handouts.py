"""Printable handouts for a workshop (issue 26), A4 portrait PDF in the font of `pdf.py`:

* 评估指引讲义: every indicator with its criteria, the rule in plain Chinese and the engine's
  worked examples (`jiguan.training`);
* 示例单位佐证材料: one sample unit's evidence and its own claims, per indicator, for trainees
  to score on paper;
* 答案: the sample's key, indicator by indicator, with the reasons (for the trainer).

Each indicator is kept together (`KeepTogether`), so no indicator breaks across pages unless
it is taller than a page; every page has 「第 N 页」 at its foot.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from jiguan.reports.pdf import INK, cjk_font
from jiguan.rubric import Indicator, Rubric
from jiguan.samples import Sample
from jiguan.scoring import answer_words
from jiguan.text import clean_text
from jiguan.training import KIND_LABELS, indicator_kind, rule_explanation, worked_examples

Block = list[Flowable]  # one indicator's paragraphs, kept together


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, textColor=INK)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, spaceAfter=8),
        "item": ParagraphStyle("item", parent=base, fontSize=14, leading=20, spaceBefore=10),
        "head": ParagraphStyle("head", parent=base, fontSize=11.5, leading=17, spaceBefore=8),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9.5, leading=13.5, leftIndent=12),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(clean_text(text)).replace("\n", "<br/>"), style)


def _document(title: str, blocks: Iterable[Block], styles: dict[str, ParagraphStyle]) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        title=title,
    )
    font = styles["body"].fontName

    def footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 1 * cm, f"{title}　第 {document.page} 页")

    story: list[Flowable] = [_p(title, styles["title"])]
    for block in blocks:
        story.append(KeepTogether(block))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _indicators(
    rubric: Rubric, styles: dict[str, ParagraphStyle], each: Callable[[Indicator], Block]
) -> Iterable[Block]:
    """One block per indicator, with the item's heading before its first indicator."""
    for i, item in enumerate(rubric.items):
        first = True
        for content in item.contents:
            for ind in content.indicators:
                block: Block = (
                    [_p(f"{i + 1}. {item.name}（{item.max:g} 分）", styles["item"])]
                    if first
                    else []
                )
                first = False
                block.append(
                    _p(f"指标 {ind.id}　{content.name}　满分 {ind.max:g} 分", styles["head"])
                )
                block += each(ind)
                yield block


def build_guide_handout(rubric: Rubric) -> bytes:
    """评估指引讲义: criteria, rule and worked examples of all indicators."""
    styles = _styles(cjk_font())

    def each(ind: Indicator) -> Block:
        kind = KIND_LABELS[indicator_kind(ind)]
        parts = [_p(ind.text, styles["body"])]
        parts.append(_p(f"计分规则（{kind}）：{rule_explanation(ind)}", styles["small"]))
        parts.append(_p(f"评估方式：{'、'.join(ind.methods)}", styles["small"]))
        for case in worked_examples(rubric, ind):
            parts.append(_p(f"算例：{case.text}", styles["small"]))
        return parts

    return _document("评估指引讲义", _indicators(rubric, styles, each), styles)


def build_sample_handout(rubric: Rubric, sample: Sample) -> bytes:
    """A sample unit's evidence and own claims, to score on paper (no key)."""
    styles = _styles(cjk_font())

    def each(ind: Indicator) -> Block:
        parts = [_p(ind.text, styles["body"])]
        for c in ind.criteria:
            claimed = sample.sheet.get(c.id)
            evidence = (claimed.evidence.strip() if claimed else "") or "（未提供佐证）"
            parts.append(
                _p(
                    f"{c.id}　单位自评：{answer_words(c, claimed)}　佐证：{evidence}"
                    "　　我的评定：________",
                    styles["small"],
                )
            )
        return parts

    title = f"{sample.title} 佐证材料"
    intro = [[_p(sample.summary, styles["body"]), Spacer(1, 6)]]
    return _document(title, [*intro, *_indicators(rubric, styles, each)], styles)


def build_key_handout(rubric: Rubric, sample: Sample) -> bytes:
    """The answer key of a sample unit with its reasons (for the trainer)."""
    styles = _styles(cjk_font())

    def each(ind: Indicator) -> Block:
        key = sample.key[ind.id]
        return [_p(f"答案：{key.score:g} 分。{key.reason}", styles["small"])]

    title = f"{sample.title} 答案（总分 {sample.key_total:g} 分）"
    return _document(title, _indicators(rubric, styles, each), styles)
