"""python-docx helpers shared by the Word documents (the 附件2 form and the evidence catalogue).

Typography after GB/T 9704 where the form allows: A4 with its margins (top 3.7, bottom 3.5,
left 2.8, right 2.6 cm: a 15.6 × 22.5 cm text block), the title in 方正小标宋简体 (a 宋体 face
where it is not installed: the font table says so), body and tables in 仿宋, headings in 黑体;
the East-Asian font is set on every run (w:eastAsia), the Latin font beside it. Fixed-width
tables whose rows never split, header rows repeated on every page; document properties that
tell the truth (`set_properties`).
"""

from __future__ import annotations

import datetime as dt

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

from jiguan.text import lines

# Windows family names (Word and WPS on a government PC pick them by these names); the font
# table below tells an application without them (macOS, Linux) what to substitute: a GB2312
# serif for 小标宋 and 仿宋, a sans for 黑体.
SONG = "宋体"
FANG = "仿宋"  # FangSong, on every Windows since Vista (仿宋_GB2312 on older government PCs)
HEI = "黑体"
XBS = "方正小标宋简体"  # the title face of GB/T 9704; absent, a 宋体 face stands in
LATIN = "Times New Roman"
_FONT_TABLE_ENTRIES = {
    FANG: (
        "FangSong",
        "02010609060101010101",
        "modern",
        "fixed",
        ("800002BF", "38CF7CFA", "00000016", "00000000", "00040001", "00000000"),
    ),
    XBS: (
        "宋体",
        "02000000000000000000",
        "auto",
        "variable",
        ("00000001", "080E0000", "00000000", "00000000", "00040000", "00000000"),
    ),
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
TITLE_PT = 22  # 二号
# GB/T 9704 margins (cm): the text block is 15.6 cm wide, 22.5 cm high.
MARGINS = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
TEXT_WIDTH = 21.0 - MARGINS["left"] - MARGINS["right"]


# --- document set-up -------------------------------------------------------------------


def _setup(doc: WordDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(MARGINS["left"]), Cm(MARGINS["right"])
    section.top_margin, section.bottom_margin = Cm(MARGINS["top"]), Cm(MARGINS["bottom"])
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.0)

    # Defaults: explicit fonts (the template's theme fonts would win over w:eastAsia), Chinese
    # language so that WPS, Word and LibreOffice break lines and pick CJK fonts as for Chinese.
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FANG)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), FANG)
    _add_font_fallbacks(doc)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", None), (None, "PAGE"), (" 页，共 ", None), (None, "NUMPAGES")):
        if field:
            _add_field(footer, field)
        else:
            _run(footer, text or "", size=9)
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
    """Declare our fonts in the font table with their alt names, charset and panose."""
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
    paragraph: Paragraph, text: str, *, font: str = FANG, size: float = BODY_PT, bold: bool = False
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
    font: str = FANG,
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


def _title(doc: WordDocument, text: str, *, space_after: float = 18) -> Paragraph:
    """The document's title: 方正小标宋简体 二号, centred (GB/T 9704)."""
    return _para(
        doc, text, font=XBS, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=space_after
    )


def set_properties(doc: WordDocument, title: str, author: str) -> None:
    """Document properties that tell the truth: created and modified now, author and title as
    given, no application name (the template's 「Microsoft Macintosh Word」) nor its thumbnail."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    core = doc.core_properties
    core.title = title
    core.author = core.last_modified_by = author
    core.created = core.modified = now
    core.revision = 1
    core.comments = core.keywords = core.subject = core.category = ""
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel_id)
    for part in package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = _APP_XML


_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop></Properties>"
)


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
    table: Table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word, WPS, LibreOffice
    for col, w in zip(table.columns, widths, strict=True):
        col.width = Cm(w)
    return table


def _add_row(table: Table, widths: tuple[float, ...], *, header: bool = False) -> list[_Cell]:
    row = table.add_row()  # type: ignore[no-untyped-call]  # python-docx leaves it untyped
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
    font: str = FANG,
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


def _header_row(
    table: Table, widths: tuple[float, ...], titles: list[str], *, repeat: bool = True
) -> list[_Cell]:
    """The shaded header row, kept with the first row below it; ``repeat``: on every page."""
    cells = _add_row(table, widths, header=repeat)
    for cell, title in zip(cells, titles, strict=True):
        if title:
            _write(cell, title, font=HEI)
        _shade(cell, "E7E6E6")
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True
    return cells
