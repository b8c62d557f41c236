"""The workbook computes from the answers, shows cached totals, recalculates in LibreOffice."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import formulas
import openpyxl
import pytest

from jiguan import PROJECT_ROOT
from jiguan.evidence import number_evidence as evidence_index
from jiguan.reports import build_xlsx
from jiguan.reports._xlsx import LINE_PT
from jiguan.reports.excel import (
    ANSWER_COL,
    ANSWERS,
    EVIDENCE,
    INDICATORS,
    POINTS_COL,
    SCORE_COLUMN,
    SUMMARY,
)
from jiguan.rubric import Rubric
from jiguan.scoring import NO, PARTIAL, YES, Answer, all_yes, score
from jiguan.sheet import read_sheet, write_sheet
from tests.conftest import require_service
from tests.test_reports import FILES, PROFILE, UNIT

TOTAL_ROW = 29  # 汇总: 7 items' contents and subtotals, then 总分
LONG_EVIDENCE = "\n".join(
    ["关于成立标准化试点工作领导小组的通知（某机管发〔2025〕12号）"] * 3
    + ["领导小组第一次全体会议纪要，明确了各成员单位的职责分工与工作机制，并部署了下一阶段工作"]
)


@pytest.fixture(scope="module")
def answers(rubric: Rubric) -> dict[str, Answer]:
    sheet = all_yes(rubric, evidence="发文及文号")
    sheet["1.1"] = Answer(YES, evidence=LONG_EVIDENCE)
    sheet["4.1"] = Answer(NO)
    sheet["8.2"] = Answer(PARTIAL, points=0.5, note="=激励办法正在起草")
    sheet["17.1"] = Answer(1)
    sheet["17.3"] = Answer(0)
    sheet["33.1"] = Answer(YES, evidence='=HYPERLINK("x")')
    sheet["37.1"] = Answer(NO)
    sheet["37.2"] = Answer(NO)
    sheet["37.3"] = Answer(YES)
    del sheet["36.2"]
    return sheet


@pytest.fixture(scope="module")
def xlsx_bytes(rubric: Rubric, answers: dict[str, Answer]) -> bytes:
    return build_xlsx(rubric, answers, PROFILE, files=FILES)


def _row_of(ws, criterion_id: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == criterion_id:
            return r
    raise AssertionError(criterion_id)


def _edit(wb, rubric: Rubric, answers: dict[str, Answer]) -> None:
    """Type `answers` into 答题's input cells, as a unit would in Excel."""
    ws = wb[ANSWERS]
    words = {YES: "符合", PARTIAL: "部分符合", NO: "不符合"}
    for cid, a in answers.items():
        r = _row_of(ws, cid)
        value = a.value if isinstance(a.value, int) else words.get(a.value)  # type: ignore[arg-type]
        ws.cell(row=r, column=ANSWER_COL + 1).value = value
        ws.cell(row=r, column=POINTS_COL + 1).value = a.points


def test_every_formula_carries_its_cached_result(xlsx_bytes, rubric, answers) -> None:
    result = score(rubric, answers)
    formulas_wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    cached = openpyxl.load_workbook(io.BytesIO(xlsx_bytes), data_only=True)
    assert cached[SUMMARY].cell(row=TOTAL_ROW, column=4).value == pytest.approx(result.total)
    count = 0
    for ws in formulas_wb:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    count += 1
                    value = cached[ws.title][cell.coordinate].value
                    assert value is not None, f"{ws.title}!{cell.coordinate}"
    assert count > 200
    ind = cached[INDICATORS]
    got = {ind.cell(row=r, column=1).value: ind.cell(row=r, column=6).value for r in range(2, 40)}
    assert got == {i: r.score for i, r in result.indicators.items()}


def test_answers_sheet_holds_words_validation_and_protection(xlsx_bytes, rubric) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    assert wb.sheetnames == [ANSWERS, SUMMARY, INDICATORS, EVIDENCE]
    ws = wb[ANSWERS]
    assert [c.value for c in ws[1]][:5] == ["评分项编号", "评定", "部分得分", "佐证材料", "备注"]
    assert ws.freeze_panes == "A2"
    assert ws.cell(row=_row_of(ws, "1.1"), column=2).value == "符合"
    assert ws.cell(row=_row_of(ws, "8.2"), column=2).value == "部分符合"
    assert ws.cell(row=_row_of(ws, "8.2"), column=3).value == 0.5
    assert ws.cell(row=_row_of(ws, "17.1"), column=2).value == 1
    assert ws.cell(row=_row_of(ws, "36.2"), column=2).value is None
    note = ws.cell(row=_row_of(ws, "8.2"), column=5)
    assert note.data_type == "s" and note.value == "=激励办法正在起草"  # text, not a formula
    score_cell = ws.cell(row=_row_of(ws, "4.1"), column=SCORE_COLUMN)
    assert score_cell.data_type == "f" and score_cell.value.startswith("=IF(B")
    # a dropdown on every check answer, a bounded whole number on every count
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and all(dv.formula1 == '"符合,部分符合,不符合"' for dv in lists)
    checks = sum(1 for c in rubric.criteria.values() if c.kind == "check")
    assert sum(len(dv.sqref.ranges) for dv in lists) == checks
    counts = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert {(dv.formula1, dv.formula2) for dv in counts} == {("0", "1000")}
    partial = [dv for dv in ws.data_validations.dataValidation if dv.type == "custom"]
    assert len(partial) == checks  # the app's rule: tests/test_workbook_rules.py
    # only the input columns are unlocked; 评分项得分 cannot be typed over
    assert ws.protection.sheet
    assert ws.cell(row=2, column=2).protection.locked is False
    assert ws.cell(row=2, column=SCORE_COLUMN).protection.locked is not False


def test_rows_are_tall_enough_for_long_evidence_and_print_on_a4_landscape(xlsx_bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    ws = wb[ANSWERS]
    height = ws.row_dimensions[_row_of(ws, "1.1")].height
    assert height >= 8 * LINE_PT  # 4 entries, each wider than the 佐证材料 column
    assert ws.row_dimensions[_row_of(ws, "2.1")].height < height
    for sheet in wb:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToWidth in (None, 1), sheet.title  # 1 is the schema default
        assert sheet.page_setup.fitToHeight == 0, sheet.title  # as many pages down as needed
        assert sheet.print_title_rows == "$1:$1", sheet.title
    evidence = wb[EVIDENCE]
    assert any((evidence.row_dimensions[r].height or 0) > 2 * LINE_PT for r in range(2, 8))


def test_summary_lists_profile_and_evidence_index(xlsx_bytes, rubric, answers) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    summary = {r[0]: r[1] for r in wb[SUMMARY].iter_rows(min_row=30, values_only=True) if r[0]}
    assert summary["承担单位"] == UNIT
    assert summary["评估日期"] == "2026年5月8日"
    assert wb[SUMMARY].cell(row=TOTAL_ROW, column=1).value == "总分"
    got = [(r[0], r[4]) for r in wb[EVIDENCE].iter_rows(min_row=2, values_only=True)]
    expected = [
        (e.number, e.text) for g in evidence_index(rubric, answers, FILES) for e in g.entries
    ]
    assert got == expected


def test_python_formula_engine_agrees_with_jiguan(xlsx_bytes, rubric, answers, tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx_bytes)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    key = f"'[book.xlsx]{SUMMARY}'!D{TOTAL_ROW}".upper()
    total = next(v for k, v in solution.items() if k.upper() == key).value[0][0]
    assert total == pytest.approx(score(rubric, answers).total)


# --- LibreOffice as the client ---------------------------------------------------------


def _soffice(args: list[str], cwd: Path, profile_dir: Path) -> None:
    require_service(
        bool(shutil.which("soffice")),
        "LibreOffice (soffice)",
        "apt-get install libreoffice-calc-nogui",
    )
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile_dir}", "--headless", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=180,
    )


def _cli_total(rubric: Rubric, answers: dict[str, Answer], tmp_path: Path) -> float:
    sheet = tmp_path / "same.csv"
    sheet.write_bytes(write_sheet(rubric, answers))
    proc = subprocess.run(
        [sys.executable, "-m", "jiguan", "score", str(sheet), "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(proc.stdout)["total"]


@pytest.mark.render
def test_libreoffice_recalculates_edited_answers_like_the_cli(
    xlsx_bytes, rubric, answers, tmp_path
) -> None:
    edits = {
        "4.1": Answer(YES),  # no -> yes
        "1.1": Answer(PARTIAL, points=1.5, evidence=LONG_EVIDENCE),  # partial points (max 2)
        "12.1": Answer(PARTIAL, points=9),  # past the criterion's points: refused, counts 0
        "17.1": Answer(2),  # 12 -> past the cap of 10
        "21.1": Answer(9),  # past the cap of 3
        "37.1": Answer(YES),  # two levels of 37: the highest only
        "37.2": Answer(YES),
        "2.1": Answer(None),  # cleared: 未评
    }
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    _edit(wb, rubric, edits)
    src = tmp_path / "src"
    src.mkdir()
    wb.save(src / "book.xlsx")
    _soffice(["--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), "book.xlsx"], src,
             tmp_path / "profile")  # fmt: skip
    done = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx", data_only=True)
    total = done[SUMMARY].cell(row=TOTAL_ROW, column=4).value

    expected = dict(answers)
    expected.update(edits)
    expected["12.1"] = Answer(None)  # not a valid answer in the app either: 未评, 0 points
    expected = {k: a for k, a in expected.items() if a.value is not None or a.evidence}
    assert read_sheet(write_sheet(rubric, expected), rubric)  # a valid sheet for the CLI
    cli_total = _cli_total(rubric, expected, tmp_path)
    assert total == pytest.approx(cli_total)
    assert total != pytest.approx(score(rubric, answers).total)  # the edits did change it
    ind = done[INDICATORS]
    by_id = {ind.cell(row=r, column=1).value: ind.cell(row=r, column=6).value for r in range(2, 40)}
    assert by_id[17] == 10 and by_id[21] == 3 and by_id[37] == 3
    # recalculated, the 得分 column (caps and tiers counted) still sums to the total
    sheet = done[ANSWERS]
    col = next(c.column for c in sheet[1] if str(c.value).startswith("得分"))
    assert sum(sheet.cell(r, col).value or 0 for r in range(2, sheet.max_row + 1)) == total


@pytest.mark.render
def test_render_workbook_to_png(xlsx_bytes, artifacts_dir, tmp_path) -> None:
    """Leave PNGs of the 答题 sheet's first pages in artifacts/reports-xlsx/ to look at."""
    require_service(bool(shutil.which("pdftoppm")), "pdftoppm", "apt-get install poppler-utils")
    out = artifacts_dir / "reports-xlsx"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / "自评工作簿.xlsx").write_bytes(xlsx_bytes)
    _soffice(["--convert-to", "pdf", "--outdir", str(out), "自评工作簿.xlsx"], out, tmp_path)
    pdf = out / "自评工作簿.pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-l", "3", str(pdf), str(out / "xlsx")],
        check=True,
        timeout=120,
    )
    assert list(out.glob("xlsx-*.png"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    assert "〔2025〕12号" in text  # the 文号 is not clipped away
