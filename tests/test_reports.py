"""The documents: each file opened with its own library, and what matters in it asserted."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Length
from pypdf import PdfReader

from jiguan.evidence import number_evidence as evidence_index
from jiguan.reports import (
    REPORT_FORMATS,
    Profile,
    ReportError,
    build_docx,
    build_pdf,
    build_report,
    build_xlsx,
    report_filename,
)
from jiguan.reports import pdf as pdf_module
from jiguan.reports.excel import ANSWERS
from jiguan.reports.word import score_text
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, Result, all_yes, score
from tests.conftest import require_service

UNIT = "某某市机关事务管理局"
PROFILE = Profile(
    unit_name=UNIT,
    assessment_date=dt.date(2026, 5, 8),
    filled_by="张三",
    contact="010-12345678",
    round_name="第一轮自评",
)
FILES = {"1.1": ["领导小组通知.pdf"], "26.1": ["现场照片1.jpg", "现场照片2.jpg"]}


def pts(x: float) -> str:
    return f"{x:g}"


@pytest.fixture(scope="module")
def answers(rubric: Rubric) -> dict[str, Answer]:
    """A realistic sheet: most met, caps exceeded, a max-combine, partial, unanswered, notes."""
    sheet = all_yes(rubric, evidence="关于成立标准化试点领导小组的通知（某机管发〔2025〕3号）")
    sheet["1.1"] = Answer("yes", evidence="关于成立领导小组的通知\n领导小组成员名单")
    sheet["2.1"] = Answer("no", note="主要负责人调整中")
    sheet["8.2"] = Answer("partial", points=0.5, note="=激励办法正在起草\n预计6月印发")
    sheet["17.1"] = Answer(1, evidence="GB/T 1234-2025 立项批复")  # 6
    sheet["17.3"] = Answer(2)  # +6 -> capped at 10
    sheet["21.1"] = Answer(5, evidence="培训通知 5 份")  # 5 -> capped at 3
    sheet["24.1"] = Answer("yes")  # points, no evidence
    sheet["25.1"] = Answer("no")
    sheet["33.1"] = Answer("partial", points=1, evidence='=HYPERLINK("x")')
    sheet["37.3"] = Answer("no")  # 37.1 + 37.2 yes -> max 3
    del sheet["36.2"]  # unanswered
    return sheet


@pytest.fixture(scope="module")
def result(rubric: Rubric, answers: dict[str, Answer]) -> Result:
    return score(rubric, answers)


@pytest.fixture(scope="module")
def docx_bytes(rubric: Rubric, answers: dict[str, Answer]) -> bytes:
    return build_docx(rubric, answers, PROFILE, files=FILES)


@pytest.fixture(scope="module")
def xlsx_bytes(rubric: Rubric, answers: dict[str, Answer]) -> bytes:
    return build_xlsx(rubric, answers, PROFILE, files=FILES)


@pytest.fixture(scope="module")
def pdf_bytes(rubric: Rubric, answers: dict[str, Answer]) -> bytes:
    return build_pdf(rubric, answers, PROFILE, files=FILES)


# --- the package API -------------------------------------------------------------------


def test_formats_are_described_in_chinese_with_extension_and_mime() -> None:
    assert set(REPORT_FORMATS) == {
        "docx",
        "xlsx",
        "pdf",
        "self-report",
        "rectification-xlsx",
        "rectification-docx",
    }
    assert {f for f, spec in REPORT_FORMATS.items() if spec.ledger} == {
        "rectification-xlsx",
        "rectification-docx",
    }
    assert REPORT_FORMATS["self-report"].extension == ".docx"
    assert REPORT_FORMATS["docx"].build is build_docx
    assert REPORT_FORMATS["xlsx"].build is build_xlsx
    assert REPORT_FORMATS["pdf"].build is build_pdf
    for fmt, spec in REPORT_FORMATS.items():
        kind = (
            fmt if fmt in ("docx", "xlsx", "pdf") else "docx" if fmt == "self-report" else fmt[-4:]
        )
        assert spec.extension == "." + kind
        assert re.search(r"[\u4e00-\u9fff]", spec.label)
    assert REPORT_FORMATS["pdf"].mime == "application/pdf"
    assert REPORT_FORMATS["docx"].mime.endswith("wordprocessingml.document")
    assert REPORT_FORMATS["xlsx"].mime.endswith("spreadsheetml.sheet")


def test_build_report_dispatches_and_refuses_unknown_format(rubric, answers) -> None:
    data = build_report("docx", rubric, answers, PROFILE)
    assert docx.Document(io.BytesIO(data)).tables
    data = build_report("xlsx", rubric, answers, PROFILE)
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == ANSWERS
    assert build_report("pdf", rubric, answers, PROFILE).startswith(b"%PDF")
    with pytest.raises(ReportError, match="不支持的报告格式「odt」"):
        build_report("odt", rubric, answers, PROFILE)


def test_report_filename() -> None:
    day = dt.date(2026, 5, 1)
    assert report_filename("docx", "某某局", day) == "附件2评估表_某某局_2026-05-01.docx"
    assert report_filename("xlsx", "a/b: c", day) == "自评工作簿_ab_c_2026-05-01.xlsx"
    assert report_filename("pdf", "", None) == "自评摘要.pdf"
    assert report_filename("pdf", "某局", "2026年5月") == "自评摘要_某局_2026年5月.pdf"


def test_profile_from_store_assessment() -> None:
    info = SimpleNamespace(
        unit_name="某局",
        round_name="第二轮",
        profile={"评估日期": "2026-05-08", "填表人": " 李四 ", "联系方式": "123"},
    )
    p = Profile.from_assessment(info)
    assert p == Profile("某局", dt.date(2026, 5, 8), "李四", "123", "第二轮")
    assert p.date_text == "2026年5月8日"
    free = Profile.from_assessment(SimpleNamespace(unit_name="某局", round_name="", profile={
        "评估日期": "2026年5月"}))  # fmt: skip
    assert free.assessment_date == "2026年5月"
    assert free.date_text == "2026年5月"
    assert Profile().date_text == ""


def test_evidence_index_numbers_entries_per_indicator(rubric, answers) -> None:
    groups = {g.indicator.id: g for g in evidence_index(rubric, answers, FILES)}
    one = groups[1].entries
    assert [e.number for e in one] == ["1-1", "1-2", "1-3"]
    assert [e.text for e in one] == [
        "关于成立领导小组的通知",
        "领导小组成员名单",
        "领导小组通知.pdf",
    ]
    assert [e.is_file for e in one] == [False, False, True]
    assert 24 not in groups  # answered yes but no evidence at all
    assert 2 not in groups
    # attachments counted but not named: one line says how many
    counted = evidence_index(rubric, {"5.1": Answer("yes", attachments=2)})
    assert [(e.number, e.text) for e in counted[0].entries] == [("5-1", "已上传佐证文件 2 个")]


# --- Word ------------------------------------------------------------------------------


def _main_table(document):
    return document.tables[0]


def _cell_text(tc) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))


def _vmerge_spans(table, col: int) -> list[tuple[str, int]]:
    """Spans of vertically merged cells in a column (body rows): (top text, rows spanned)."""
    spans: list[tuple[str, int]] = []
    for tr in table._tbl.tr_lst[1:-1]:
        tc = tr.tc_lst[col]
        vmerge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
        if vmerge is not None and vmerge.get(qn("w:val")) in (None, "continue"):
            text, n = spans[-1]
            spans[-1] = (text, n + 1)
        else:
            spans.append((_cell_text(tc), 1))
    return spans


def test_docx_heading_unit_and_total(docx_bytes, result) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "附件2"
    assert texts[1] == "机关事务标准化试点工作评估指引"
    assert f"承担单位：{UNIT}" in texts
    assert f"总得分：{pts(result.total)} 分" in texts
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert document.core_properties.title == "附件2 机关事务标准化试点工作评估指引"
    assert document.core_properties.author == "张三"  # not python-docx's template author


def test_docx_table_rows_match_rubric_and_scores(docx_bytes, rubric, result) -> None:
    table = _main_table(docx.Document(io.BytesIO(docx_bytes)))
    header = [c.text for c in table.rows[0].cells]
    assert header == ["评估项目", "评估内容", "评估指标", "评估指标", "评估方式", "得分"]
    body = table.rows[1:-1]
    indicators = list(rubric.indicators())
    assert len(body) == len(indicators) == 38
    for row, (item, content, ind) in zip(body, indicators, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0] == f"{item.name}\n（{pts(item.max)} 分）"
        assert cells[1] == f"{content.name}\n（{pts(content.max)} 分）"
        assert cells[2] == str(ind.id)
        assert cells[3] == ind.text  # full text, one paragraph per source line
        assert cells[4] == "\n".join(ind.methods)
        assert cells[5] == score_text(result.indicators[ind.id])
    # the rules reach the form: 17 capped at 10, 21 at 3, 37 the highest only
    by_id = {int(r.cells[2].text): r.cells[5].text for r in body}
    assert (by_id[17], by_id[21], by_id[37], by_id[2], by_id[8]) == ("10", "3", "3", "0", "1.5")
    # 24 claims its points without evidence; 36 is partly unanswered
    assert by_id[24] == "1\n缺佐证"
    assert by_id[36].endswith("未评完")
    total = [c.text for c in table.rows[-1].cells]
    assert total[0] == "总分"
    assert total[1] == "满分 100 分"
    assert total[5] == pts(result.total)


def test_docx_items_and_contents_are_merged_vertically_as_in_source(docx_bytes, rubric) -> None:
    table = _main_table(docx.Document(io.BytesIO(docx_bytes)))
    expected_items = [
        (f"{item.name}\n（{pts(item.max)} 分）", sum(len(c.indicators) for c in item.contents))
        for item in rubric.items
    ]
    assert _vmerge_spans(table, 0) == expected_items
    expected_contents = [
        (f"{c.name}\n（{pts(c.max)} 分）", len(c.indicators))
        for item in rubric.items
        for c in item.contents
    ]
    assert _vmerge_spans(table, 1) == expected_contents
    # e.g. 组织管理 spans indicators 1-5, 标准制定 spans 17-19
    assert expected_items[0][1] == 5
    assert ("标准制定\n（18 分）", 3) in expected_contents


def test_docx_header_repeats_and_table_fits_the_page(docx_bytes) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    table = _main_table(document)
    repeat = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None
              for tr in table._tbl.tr_lst]  # fmt: skip
    assert repeat[0] is True
    assert not any(repeat[1:])
    # 评估指标 spans the number and the text columns, as in the source
    first = table._tbl.tr_lst[0].tc_lst
    assert len(first) == 5
    assert first[2].tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == "2"
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for t in document.tables:
        grid = t._tbl.tblGrid.findall(qn("w:gridCol"))
        assert sum(int(g.get(qn("w:w"))) for g in grid) <= Length(text_width).twips
        layout = t._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"


# Schema order of the property elements the builder touches directly (ECMA-376 part 1). Word
# reports "unreadable content" for a file whose children are out of this order; LibreOffice
# does not care, so only this check catches it.
_TCPR_ORDER = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
               "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")  # fmt: skip
_TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
                "shd", "tblLayout", "tblCellMar", "tblLook")  # fmt: skip


def _in_schema_order(element, order: tuple[str, ...]) -> bool:
    names = [child.tag.split("}")[1] for child in element]
    positions = [order.index(n) for n in names]
    return positions == sorted(positions)


def test_docx_table_properties_are_in_schema_order(docx_bytes) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    for table in document.tables:
        assert _in_schema_order(table._tbl.tblPr, _TBLPR_ORDER)
        for tc in table._tbl.iter(qn("w:tc")):
            assert _in_schema_order(tc.tcPr, _TCPR_ORDER), [c.tag for c in tc.tcPr]


def test_docx_fonts_are_chinese(docx_bytes) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    defaults = document.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋"  # GB/T 9704 body
    assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override it
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    cell_run = _main_table(document).rows[1].cells[3].paragraphs[0].runs[0]
    assert cell_run._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    title = next(p for p in document.paragraphs if p.text == "机关事务标准化试点工作评估指引")
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    names = re.findall(rb'w:name="([^"]+)"', _font_table_blob(document))
    for name in ("仿宋", "黑体", "方正小标宋简体"):
        assert name.encode() in names
    section = document.sections[0]
    margins = [round(m.cm, 1) for m in (section.top_margin, section.bottom_margin,
               section.left_margin, section.right_margin)]  # fmt: skip
    assert margins == [3.7, 3.5, 2.8, 2.6]  # GB/T 9704


def _font_table_blob(document) -> bytes:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    return document.part.part_related_by(RT.FONT_TABLE).blob


def test_docx_evidence_index_notes_and_signature(docx_bytes, rubric, answers) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    groups = evidence_index(rubric, answers, FILES)
    tables = document.tables[1:]
    assert len(tables) == len(groups)  # one table per indicator, under its heading
    rows = []
    for index in tables:
        assert [c.text for c in index.rows[0].cells] == [
            "编号",
            "佐证材料（名称、文号）",
            "对应评分项",
        ]
        # the heading repeats on a new page, except over a lone row (LibreOffice could drop it)
        repeats = index._tbl.tr_lst[0].trPr.find(qn("w:tblHeader")) is not None
        assert repeats == (len(index.rows) > 2)
        rows += [[c.text for c in r.cells] for r in index.rows[1:]]
    entries = [r for r in rows if re.fullmatch(r"\d+-\d+", r[0])]
    expected = [
        [e.number, f"{e.text}（附件）" if e.is_file else e.text, e.criterion_id]
        for g in evidence_index(rubric, answers, FILES)
        for e in g.entries
    ]
    assert entries == expected
    assert ["1-3", "领导小组通知.pdf（附件）", "1.1"] in entries
    assert ["26-3", "现场照片2.jpg（附件）", "26.1"] in entries
    headings = [p for p in document.paragraphs if p.text.startswith("指标 ")]
    assert len(headings) == len(groups)
    assert any(p.text.startswith("指标 17（标准体系与标准制定／标准制定）") for p in headings)
    # each heading is kept with the first row of its table (never orphaned at a page foot)
    for p in headings:
        assert p.paragraph_format.keep_with_next
        assert p._p.getnext().tag == qn("w:tbl")

    texts = [p.text for p in document.paragraphs]
    assert "佐证材料目录" in texts and "备注" in texts
    assert texts.index("备注") > texts.index("佐证材料目录")
    assert "评分项 2.1：主要负责人调整中" in texts
    assert "评分项 8.2：=激励办法正在起草" in texts and "预计6月印发" in texts
    assert "填表人：张三　　　　联系方式：010-12345678" in texts
    assert "评估日期：2026年5月8日　　　　轮次：第一轮自评" in texts
    for label in ("承担单位（盖章）：", "负责人（签字）："):
        assert label in texts
    assert any(t.startswith("日　　期：") and t.endswith("年　　月　　日") for t in texts)
    # the signature block is chained (keep-with-next) to the last note: never alone on a page
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "预计6月印发")
    chain = paragraphs[start:]
    assert chain[-1].text.startswith("日　　期：")
    assert all(p.paragraph_format.keep_with_next for p in chain[:-1])


def test_docx_blank_sheet_is_a_blank_form(rubric) -> None:
    document = docx.Document(io.BytesIO(build_docx(rubric, {}, Profile())))
    texts = [p.text for p in document.paragraphs]
    assert "总得分：0 分" in texts
    assert "（尚未填写佐证材料。）" in texts
    assert "无。" in texts
    assert len(document.tables) == 1
    assert all(r.cells[5].text == "未评" for r in _main_table(document).rows[1:-1])


# --- PDF -------------------------------------------------------------------------------


def test_pdf_text_has_unit_total_and_every_item(pdf_bytes, rubric, result) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert UNIT in text
    assert "2026年5月8日" in text
    assert f"{pts(result.total)}" in text and "/ 100 分" in text
    for item in rubric.items:
        assert item.name in text
    for heading in ("主要失分", "佐证准备情况", "需关注的指标", "得分但缺佐证"):
        assert heading in text


def test_pdf_embeds_the_cjk_font(pdf_bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            embedded.append(str(font["/BaseFont"]))
    # reportlab embeds subsets of the TrueType font (one per 256 glyphs used)
    assert embedded
    assert all("WenQuanYi" in name or "wqy" in name.lower() for name in embedded), embedded


def test_pdf_lists_gaps_and_readiness(rubric, answers, result, pdf_bytes) -> None:
    text = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    flagged = [r.id for r in result.flagged]
    assert flagged == [24, 36]
    assert re.search(r"需关注的指标\s*2 项\s*24、36", text)
    # largest gap first: indicator 2 (0 of 2), 25 (0 of 2), 36 (4 of 6)
    assert text.index("0／2") < text.index("4／6")


@pytest.mark.parametrize("which", ["blank", "full"])
def test_pdf_stays_on_one_page_for_blank_and_full_sheets(rubric, which) -> None:
    sheet = {} if which == "blank" else all_yes(rubric, evidence="某文件")
    long_unit = "某某省某某市某某区机关事务管理局（机关事务标准化试点承担单位）"
    data = build_pdf(rubric, sheet, Profile(unit_name=long_unit, assessment_date="2026年5月"))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert long_unit in text
    if which == "blank":
        assert "0/100分" in text
        assert "需关注的指标38项" in text and "等38项" in text
    else:
        assert "100/100分" in text
        assert "各项指标均已得满分" in text


def test_pdf_uses_the_vendored_font_with_its_licence() -> None:
    assert pdf_module.font_candidates()[0] == pdf_module.VENDORED_FONT
    fonts = pdf_module.VENDORED_FONT.parent
    licence = " ".join((fonts / "LICENSE-Apache-2.0").read_text().split())
    assert licence.startswith("Apache License Version 2.0, January 2004")
    assert "WenQuanYi Micro Hei" in (fonts / "NOTICE").read_text()


def test_vendored_font_covers_the_rubric_and_gb2312(rubric) -> None:
    from fontTools.ttLib import TTFont

    cmap = TTFont(pdf_module.VENDORED_FONT).getBestCmap()
    text = set(
        pdf_module.VENDORED_FONT.parents[3].joinpath("config", "indicators.yaml").read_text()
    )
    missing = {ch for ch in text if ch.isprintable() and ord(ch) not in cmap}
    assert not missing
    level_two = "".join(bytes([0xF7, lo]).decode("gb2312") for lo in range(0xA1, 0xFF))
    assert all(ord(ch) in cmap for ch in level_two)  # rare hanzi in unit and people names


def test_pdf_without_any_truetype_font_falls_back_to_stsong(monkeypatch, rubric, answers) -> None:
    monkeypatch.setattr(pdf_module, "font_candidates", lambda: [Path("/nonexistent.ttc")])
    pdf_module.cjk_font.cache_clear()
    try:
        data = build_pdf(rubric, answers, PROFILE)
    finally:
        pdf_module.cjk_font.cache_clear()
    page = PdfReader(io.BytesIO(data)).pages[0]
    names = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
    assert any("STSong-Light" in n for n in names)
    assert UNIT in page.extract_text()


# --- rendering (LibreOffice, poppler) --------------------------------------------------


def _require_renderers() -> None:
    require_service(
        bool(shutil.which("soffice")) and bool(shutil.which("pdftoppm")),
        "LibreOffice (soffice) and pdftoppm",
        "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils",
    )


def _soffice(args: list[str], cwd: Path, profile_dir: Path) -> None:
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile_dir}", "--headless", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=180,
    )


@pytest.mark.render
def test_render_documents_to_png(docx_bytes, pdf_bytes, artifacts_dir, tmp_path) -> None:
    """Leave PNGs of every page in artifacts/reports/ for people to look at."""
    _require_renderers()
    out = artifacts_dir / "reports"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / "附件2评估表.docx").write_bytes(docx_bytes)
    (out / "自评摘要.pdf").write_bytes(pdf_bytes)
    _soffice(["--convert-to", "pdf", "--outdir", str(out), "附件2评估表.docx"], out, tmp_path)
    word_pdf = out / "附件2评估表.pdf"
    assert word_pdf.is_file()
    for pdf, stem in ((word_pdf, "docx"), (out / "自评摘要.pdf", "pdf")):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(out / stem)], check=True, timeout=120
        )
    word_pages = sorted(out.glob("docx-*.png"))
    assert 3 <= len(word_pages) <= 12
    assert len(list(out.glob("pdf-*.png"))) == 1
    # LibreOffice laid the form out with the text in it (no missing glyphs in the text layer)
    text = "".join(p.extract_text() for p in PdfReader(word_pdf).pages)
    compact = re.sub(r"\s+", "", text)
    assert "机关事务标准化试点工作评估指引" in compact
    assert "佐证材料目录" in compact and "负责人（签字）" in compact
    assert UNIT in compact
