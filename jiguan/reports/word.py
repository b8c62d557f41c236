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
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from jiguan.reports._common import Files, Profile, clean_inputs, evidence_index, lines, notes, pts
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, Result, score

# Fonts every Chinese Windows, WPS and Word install has; the font table below tells an
# application without them (macOS, Linux) what to substitute: any GB2312 serif / sans font.
SONG = "宋体"
HEI = "黑体"
LATIN = "Times New Roman"
_FONT_TABLE_ENTRIES = {
    SONG: (
        "SimSun",
        "02010600030101010101",
        "auto",
        "variable",
        ("00000003", "288F0000", "00000016", "00000000", "00040001", "00000000"),
    ),
    HEI: (
        "SimHei",
        "02010609060101010101",
        "modern",
        "fixed",
        ("800002BF", "38CF7CFA", "00000016", "00000000", "00040001", "00000000"),
    ),
}

BODY_PT = 12  # 小四
TABLE_PT = 10.5  # 五号
# Column widths (cm) of the main table: 评估项目, 评估内容, 序号, 指标, 评估方式, 得分.
# They sum to the text width of A4 with 2 cm side margins (17 cm).
MAIN_WIDTHS = (2.4, 2.4, 0.9, 7.6, 2.2, 1.5)
INDEX_WIDTHS = (1.6, 12.7, 2.7)  # 编号, 佐证材料, 评分项
SIDE_MARGIN = 2.0


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
    doc = Document()
    _setup(doc)

    _para(doc, rubric.source or "附件2", font=HEI, size=16, space_after=6)
    _para(
        doc,
        rubric.title,
        font=HEI,
        size=20,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=18,
    )
    _field_line(doc, "承担单位：", profile.unit_name)
    _field_line(doc, "总得分：", f"{pts(result.total)} 分", space_after=10)

    _main_table(doc, rubric, result)

    _heading(doc, "佐证材料目录", page_break=True)
    _evidence_table(doc, rubric, answers, files)

    _heading(doc, "备注")
    noted = notes(rubric, answers)
    if noted:
        for cid, text in noted:
            first, *rest = lines(text) or [text]
            _para(doc, f"评分项 {cid}：{first}", size=BODY_PT, space_after=0)
            for more in rest:
                _para(doc, more, size=BODY_PT, space_after=0, indent=Cm(1.6))
    else:
        _para(doc, "无。", size=BODY_PT)

    _signature_block(doc, profile)

    core = doc.core_properties
    core.title = f"{rubric.source} {rubric.title}".strip()
    core.author = core.last_modified_by = profile.filled_by or profile.unit_name or ""
    core.subject = profile.unit_name
    core.comments = core.keywords = ""

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- document set-up -------------------------------------------------------------------


def _setup(doc: WordDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(SIDE_MARGIN)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.footer_distance = Cm(1.2)

    # Defaults: explicit fonts (the template's theme fonts would win over w:eastAsia), Chinese
    # language so that WPS, Word and LibreOffice break lines and pick CJK fonts as for Chinese.
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, SONG)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), SONG)
    _add_font_fallbacks(doc)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", None), (None, "PAGE"), (" 页，共 ", None), (None, "NUMPAGES")):
        if field:
            _add_field(footer, field)
        else:
            _run(footer, text, size=9)
    _run(footer, " 页", size=9)


def _set_fonts(rpr: CT_RPr, east_asia: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _add_font_fallbacks(doc: WordDocument) -> None:
    """Declare 宋体/黑体 in the font table with their alt names, charset and panose."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, (alt, panose, family, pitch, sig) in _FONT_TABLE_ENTRIES.items():
        usb0, usb1, usb2, usb3, csb0, csb1 = sig
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}">'
                f'<w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/>'
                f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/>'
                f'<w:sig w:usb0="{usb0}" w:usb1="{usb1}" w:usb2="{usb2}" w:usb3="{usb3}" '
                f'w:csb0="{csb0}" w:csb1="{csb1}"/></w:font>'
            )
        )
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_field(paragraph: Paragraph, instruction: str) -> None:
    run = _run(paragraph, "", size=9)
    for tag, attrs, text in (
        ("w:fldChar", {"w:fldCharType": "begin"}, None),
        ("w:instrText", {"xml:space": "preserve"}, f" {instruction} "),
        ("w:fldChar", {"w:fldCharType": "separate"}, None),
        ("w:t", {}, "1"),
        ("w:fldChar", {"w:fldCharType": "end"}, None),
    ):
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        if text is not None:
            el.text = text
        run._r.append(el)


# --- paragraphs and runs ---------------------------------------------------------------


def _run(
    paragraph: Paragraph, text: str, *, font: str = SONG, size: float = BODY_PT, bold: bool = False
) -> Run:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = LATIN
    _set_fonts(run._r.get_or_add_rPr(), font)
    return run


def _para(
    container: WordDocument | _Cell,
    text: str,
    *,
    font: str = SONG,
    size: float = BODY_PT,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    space_after: float = 0,
    indent: Length | None = None,
) -> Paragraph:
    p = container.add_paragraph()
    _run(p, text, font=font, size=size, bold=bold)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent is not None:
        p.paragraph_format.left_indent = indent
    return p


def _field_line(doc: WordDocument, label: str, value: str, *, space_after: float = 4) -> None:
    p = doc.add_paragraph()
    _run(p, label, font=HEI, size=14)
    _run(p, value or "　" * 12, size=14).font.underline = True
    p.paragraph_format.space_after = Pt(space_after)


def _heading(doc: WordDocument, text: str, *, page_break: bool = False) -> None:
    p = doc.add_paragraph()
    if page_break:
        p.add_run().add_break(WD_BREAK.PAGE)
    _run(p, text, font=HEI, size=16)
    p.paragraph_format.space_before = Pt(0 if page_break else 18)
    p.paragraph_format.space_after = Pt(10)
    p.paragraph_format.keep_with_next = True


# --- tables ----------------------------------------------------------------------------


def _new_table(doc: WordDocument, widths: tuple[float, ...]) -> Table:
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word, WPS, LibreOffice
    for col, w in zip(table.columns, widths, strict=True):
        col.width = Cm(w)
    return table


def _add_row(table: Table, widths: tuple[float, ...], *, header: bool = False) -> list[_Cell]:
    row = table.add_row()
    tr_pr = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)
    if header:
        tbl_header = OxmlElement("w:tblHeader")
        tr_pr.append(tbl_header)
    cells = list(row.cells)
    for cell, w in zip(cells, widths, strict=True):
        cell.width = Cm(w)
    return cells


def _write(
    cell: _Cell,
    text: str,
    *,
    font: str = SONG,
    size: float = TABLE_PT,
    bold: bool = False,
    center: bool = True,
) -> None:
    """Replace the cell's text with one paragraph per line."""
    paragraphs = lines(text) or [""]
    first = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for run in first.runs:
        run._r.getparent().remove(run._r)
    for i, line in enumerate(paragraphs):
        p = first if i == 0 else cell.add_paragraph()
        _run(p, line, font=font, size=size, bold=bold)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _shade(cell: _Cell, fill: str) -> None:
    shd = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    # Word refuses (“unreadable content”) a tcPr whose children are out of schema order.
    cell._tc.get_or_add_tcPr().insert_element_before(shd, *_AFTER_SHD)


_AFTER_SHD = (
    "w:noWrap",
    "w:tcMar",
    "w:textDirection",
    "w:tcFitText",
    "w:vAlign",
    "w:hideMark",
    "w:headers",
    "w:cellIns",
    "w:cellDel",
    "w:cellMerge",
    "w:tcPrChange",
)


def _header_row(table: Table, widths: tuple[float, ...], titles: list[str]) -> list[_Cell]:
    cells = _add_row(table, widths, header=True)
    for cell, title in zip(cells, titles, strict=True):
        if title:
            _write(cell, title, font=HEI)
        _shade(cell, "E7E6E6")
    return cells


def _main_table(doc: WordDocument, rubric: Rubric, result: Result) -> None:
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
                _write(cells[5], pts(result.indicators[ind.id].score))
            cell = content_cells[0].merge(content_cells[-1])
            _write(cell, f"{content.name}\n（{pts(content.max)} 分）")
        cell = item_cells[0].merge(item_cells[-1])
        _write(cell, f"{item.name}\n（{pts(item.max)} 分）", bold=True)

    cells = _add_row(table, w)
    _write(cells[0], "总分", font=HEI)
    cell = cells[1].merge(cells[4])
    _write(cell, f"满分 {pts(rubric.max)} 分")
    _write(cells[5], pts(result.total), bold=True)


def _evidence_table(
    doc: WordDocument, rubric: Rubric, answers: Mapping[str, Answer], files: Files | None
) -> None:
    groups = evidence_index(rubric, answers, files)
    if not groups:
        _para(doc, "（尚未填写佐证材料。）")
        return
    w = INDEX_WIDTHS
    table = _new_table(doc, w)
    _header_row(table, w, ["编号", "佐证材料（名称、文号）", "对应评分项"])
    for group in groups:
        cells = _add_row(table, w)
        cell = cells[0].merge(cells[2])
        short = lines(group.indicator.text)[0]
        if len(short) > 40:
            short = short[:40] + "……"
        _write(
            cell,
            f"指标 {group.indicator.id}（{group.item.name}／{group.content.name}）：{short}",
            font=HEI,
            size=9,
            center=False,
        )
        _shade(cell, "F2F2F2")
        for entry in group.entries:
            cells = _add_row(table, w)
            _write(cells[0], entry.number)
            text = f"{entry.text}（附件）" if entry.is_file else entry.text
            _write(cells[1], text, center=False)
            _write(cells[2], entry.criterion_id)


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
