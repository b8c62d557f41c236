"""Control characters pasted from old Word/WPS files: every report cleans them, never crashes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from jiguan import PROJECT_ROOT
from jiguan.reports import REPORT_FORMATS, Profile, build_report
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.text import clean_text

DIRTY = "表格\x07内容\x01尾\x1b巴\ufffe"  # (a vertical tab is a line break: test_documents_details)
CLEAN = "表格内容尾巴"


def test_clean_text_removes_only_xml_illegal_characters() -> None:
    assert clean_text(DIRTY) == CLEAN
    assert clean_text("第一行\n第二行\t制表\r") == "第一行\n第二行\t制表\r"
    assert clean_text("\x00\x1f\x7f\x85\ud800") == ""
    assert clean_text("〔2025〕12号 ①") == "〔2025〕12号 ①"


def _all_text(fmt: str, data: bytes) -> str:
    kind = REPORT_FORMATS[fmt].extension
    if kind == ".docx":  # the 自评报告 draft and the 整改情况报告 are Word documents too
        doc = docx.Document(io.BytesIO(data))
        parts = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            parts += [cell.text for row in table.rows for cell in row.cells]
        return "\n".join(parts)
    if kind == ".xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data))
        heads = [ws.oddHeader.center.text or "" for ws in wb]  # the 整改台账 names its unit there
        return "\n".join(
            [
                str(c.value)
                for ws in wb
                for row in ws.iter_rows()
                for c in row
                if c.value is not None
            ]
            + heads
        )
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("fmt", list(REPORT_FORMATS))
def test_every_field_of_every_report_is_cleaned(rubric: Rubric, fmt: str) -> None:
    answers = {
        "1.1": Answer("yes", evidence=f"通知{DIRTY}", note=f"备注{DIRTY}"),
        "2.1": Answer("no", note="\x01"),
    }
    profile = Profile(
        unit_name=f"单位{DIRTY}",
        assessment_date=f"2026年5月{DIRTY}",
        filled_by=f"张三{DIRTY}",
        contact=f"电话{DIRTY}",
        round_name=f"轮次{DIRTY}",
    )
    data = build_report(fmt, rubric, answers, profile, files={"1.1": [f"文件{DIRTY}.pdf"]})
    text = _all_text(fmt, data)
    assert "\x07" not in text and "\x01" not in text
    assert f"单位{CLEAN}" in text
    if REPORT_FORMATS[fmt].ledger:  # the 整改事项 the sheet gives: 2.1 不符合 and its note
        assert "2.1 自评：不符合" in text
    elif fmt != "pdf":  # the one-page PDF shows the unit, not the evidence text
        assert f"通知{CLEAN}" in text
        assert f"文件{CLEAN}.pdf" in text


def _cli(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "jiguan", *map(str, args)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", list(REPORT_FORMATS))
def test_cli_report_with_control_characters_exits_0(tmp_path: Path, fmt: str) -> None:
    # The reproduction from the issue: \x07 in evidence, \x01 in a note and in --unit.
    sheet = tmp_path / "x.csv"
    sheet.write_bytes(
        b'criterion_id,answer,points,evidence,note\r\n1.1,yes,,"\xe8\xa1\xa8\xe6\xa0\xbc\x07'
        b'\xe5\x86\x85\xe5\xae\xb9","\x01"\r\n'
    )
    out = tmp_path / f"x.{fmt}"
    proc = _cli("report", sheet, "--format", fmt, "-o", out, "--unit", "单位\x01甲")
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    assert proc.returncode == 0, err
    text = _all_text(fmt, out.read_bytes())
    assert "单位甲" in text
    if fmt != "pdf" and not REPORT_FORMATS[fmt].ledger:
        assert "表格内容" in text
