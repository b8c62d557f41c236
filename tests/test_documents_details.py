"""The smaller defects of issue 22 (item 5): line breaks from Word, ZIP times and Zip64,
document properties, numeric 指标, attachment names in the CSV, every criterion's text, the
PDF's completion, Chinese-only CLI messages with the right row."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
from types import SimpleNamespace

import docx
import openpyxl
from pypdf import PdfReader

from jiguan.format import CHINA_TZ
from jiguan.package import build_evidence_package
from jiguan.reports import Profile, build_blank_form, build_docx, build_pdf, build_xlsx
from jiguan.reports.review import PanelInfo, build_review_docx
from jiguan.review import compare_review
from jiguan.rubric import Rubric
from jiguan.scoring import NO, YES, Answer, all_yes
from jiguan.sheet import read_sheet, write_sheet
from jiguan.text import clean_text
from tests.test_cli import run

PROFILE = Profile("某某市机关事务管理局", "2026-05-08", "张三", "0571-1234", "第一轮")


def test_vertical_tab_and_form_feed_are_line_breaks() -> None:
    assert clean_text("通知\v纪要\f名单\x07") == "通知\n纪要\n名单"


def _package(rubric: Rubric) -> zipfile.ZipFile:
    answers = {"1.1": Answer(YES, evidence="通知")}
    files = {"1.1": [SimpleNamespace(id=1, criterion_id="1.1", filename="照片.jpg", size=9)]}
    out = io.BytesIO()
    build_evidence_package(rubric, answers, PROFILE, files, lambda f: b"\xff\xd8\xff" * 3, out)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def _zip64(info: zipfile.ZipInfo) -> bool:
    extra = info.extra
    while len(extra) >= 4:
        tag, size = struct.unpack("<HH", extra[:4])
        if tag == 1:
            return True
        extra = extra[4 + size :]
    return False


def test_zip_entries_carry_beijing_time_and_no_needless_zip64(rubric: Rubric) -> None:
    zf = _package(rubric)
    now = dt.datetime.now(CHINA_TZ).replace(tzinfo=None)
    for info in zf.infolist():
        stamp = dt.datetime(*info.date_time)
        assert abs((stamp - now).total_seconds()) < 120, info.filename
        assert not _zip64(info), info.filename
    ws = openpyxl.load_workbook(io.BytesIO(zf.read("佐证材料目录.xlsx"))).active
    assert isinstance(ws.cell(2, 2).value, int)  # 指标 sorts as a number


def _core(data: bytes) -> tuple:
    zf = zipfile.ZipFile(io.BytesIO(data))
    app = zf.read("docProps/app.xml").decode() if "docProps/app.xml" in zf.namelist() else ""
    return docx.Document(io.BytesIO(data)).core_properties, app


def test_document_properties_tell_the_truth(rubric: Rubric) -> None:
    now = dt.datetime.now(dt.UTC)
    answers = all_yes(rubric)
    cmp = compare_review(rubric, answers, {})
    zf = _package(rubric)
    documents = {
        "report": (build_docx(rubric, answers, PROFILE), "张三"),
        "blank": (build_blank_form("docx", rubric), ""),
        "review": (build_review_docx(rubric, cmp, PROFILE, PanelInfo("王五")), "王五"),
        "catalogue": (zf.read("佐证材料目录.docx"), "张三"),
    }
    for name, (data, author) in documents.items():
        core, app = _core(data)
        created = core.created.replace(tzinfo=core.created.tzinfo or dt.UTC)
        assert abs((created - now).total_seconds()) < 120, name
        assert core.author == author, name
        assert core.title, name
        assert "Macintosh" not in app and "Microsoft" not in app, name
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(rubric, answers, PROFILE)))
    assert book.properties.creator == "张三"


def test_csv_lists_attachment_names_and_check_counts_them(rubric: Rubric, tmp_path) -> None:
    answers = {"1.1": Answer(YES, attachments=1)}
    data = write_sheet(rubric, answers, files={"1.1": ["领导小组通知.pdf"]})
    assert "领导小组通知.pdf" in data.decode("utf-8-sig")
    assert read_sheet(data, rubric)["1.1"].attachments == 1
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    _, out, _ = run("check", path)
    assert not re.search(r"指标 1（.*缺佐证", out)


def test_every_criterion_text_of_an_indicator_in_the_pdf_gaps(rubric: Rubric) -> None:
    answers = all_yes(rubric, evidence="文件")
    answers["38.1"] = Answer(NO, evidence="文件")
    answers["38.2"] = Answer(NO, evidence="文件")
    del answers["37.3"]  # 37.1 符合: 37.3 can no longer count (53 answered, all settled)
    pdf = PdfReader(io.BytesIO(build_pdf(rubric, answers, PROFILE)))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))
    assert "社会影响力提高，得1分" in text  # 38.3's text, not only 38.1's
    assert "53/54（100%）" not in text  # 53 of 54 and 100 % read as a contradiction
    assert "53/54，另1项已不影响得分（完成度100%）" in text


def test_cli_messages_are_chinese_and_name_the_right_row(tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("评分项编号,评定\n1.1,maybe\n", encoding="utf-8")
    _, _, err = run("check", bad)
    assert "[" not in err and "（answer）" not in err and "yes/no/partial" not in err
    quote = tmp_path / "quote.csv"
    quote.write_text('评分项编号,评定,佐证材料\n1.1,符合,"未闭合\n2.1,符合,\n', encoding="utf-8")
    _, _, err = run("check", quote)
    assert "第 2 行" in err and "第 3 行" not in err
