"""The workbook (issue 22, item 4): long evidence printed whole over continuation rows; 得分 per
criterion after caps and tiers summing to the total; 状态 未评/缺佐证/已评 as formulas;
validation exactly the app's; text cells quote-prefixed (here and in the review workbook)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from jiguan.reports import Profile, build_xlsx
from jiguan.reports._xlsx import LINE_PT
from jiguan.reports.excel import ANSWERS, EVIDENCE_COL, POINTS_COL
from jiguan.reports.review import PanelInfo, build_review_xlsx
from jiguan.review import Verdict, compare_review
from jiguan.rubric import Rubric
from jiguan.scoring import NO, PARTIAL, YES, Answer, all_yes, score

LONG = "\n".join(f"第{n}项：关于印发机关事务标准化试点工作实施方案的通知" * 3 for n in range(1, 14))


@pytest.fixture(scope="module")
def sheet(rubric: Rubric) -> dict[str, Answer]:
    answers = all_yes(rubric, evidence="发文及文号")
    answers["13.1"] = Answer(YES, evidence=LONG)
    answers["17.1"] = Answer(2)  # 12 + 17.2's 4 + … under a cap of 10
    answers["37.1"] = Answer(NO)
    answers["5.1"] = Answer(YES)  # indicator 5 has no evidence at all: 缺佐证
    answers["8.2"] = Answer(PARTIAL, points=0.5, evidence="=SUM(1,2)")
    del answers["2.1"]
    return answers


@pytest.fixture(scope="module")
def book(rubric: Rubric, sheet) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_xlsx(rubric, sheet, Profile("某局"))))


@pytest.fixture(scope="module")
def cached(rubric: Rubric, sheet) -> openpyxl.Workbook:
    data = build_xlsx(rubric, sheet, Profile("某局"))
    return openpyxl.load_workbook(io.BytesIO(data), data_only=True)


def _head(ws) -> list[str]:
    return [c.value for c in ws[1]]


def test_long_evidence_continues_on_rows_that_print_whole(book) -> None:
    ws = book[ANSWERS]
    col = EVIDENCE_COL + 1
    texts, heights = [], []
    for r in range(2, ws.max_row + 1):
        cid = str(ws.cell(r, 1).value or "")
        if cid.startswith("13.1"):
            texts.append(ws.cell(r, col).value or "")
            heights.append(ws.row_dimensions[r].height)
    assert len(texts) >= 2  # continued
    assert "\n".join(texts).replace("\n", "") == LONG.replace("\n", "")
    for text, height in zip(texts, heights, strict=True):
        assert height < 409
        assert height >= text.count("\n") * LINE_PT  # each row tall enough for its part


def test_score_column_counts_caps_and_tiers_and_sums_to_total(rubric, sheet, cached) -> None:
    ws = cached[ANSWERS]
    head = _head(ws)
    col = next(n for n, h in enumerate(head, 1) if str(h).startswith("得分"))
    total = sum(ws.cell(r, col).value or 0 for r in range(2, ws.max_row + 1))
    assert total == score(rubric, sheet).total
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    seventeen = sum(ws.cell(rows[f"17.{n}"], col).value for n in range(1, 6))
    assert seventeen == 10


def test_status_is_a_formula_with_no_evidence(book, cached) -> None:
    ws, values = book[ANSWERS], cached[ANSWERS]
    col = _head(ws).index("状态") + 1
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert "缺佐证" in ws.cell(rows["5.1"], col).value  # the formula
    assert values.cell(rows["5.1"], col).value == "缺佐证"
    assert values.cell(rows["2.1"], col).value == "未评"
    assert values.cell(rows["1.1"], col).value == "已评"


def test_partial_points_validation_is_the_apps(book) -> None:
    ws = book[ANSWERS]
    letter = openpyxl.utils.get_column_letter(POINTS_COL + 1)
    rules = [dv for dv in ws.data_validations.dataValidation if letter in str(dv.sqref)]
    assert rules and all(dv.type == "custom" for dv in rules)
    formula = rules[0].formula1
    assert "MOD(" in formula and "<" in formula and ">0" in formula.replace(" ", "")


def test_text_cells_are_quote_prefixed(book, rubric) -> None:
    ws = book[ANSWERS]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    cell = ws.cell(rows["8.2"], EVIDENCE_COL + 1)
    assert cell.value == "=SUM(1,2)" and cell.data_type == "s"
    assert cell.quotePrefix
    claims = all_yes(rubric)
    cmp = compare_review(rubric, claims, {"1.1": Verdict("no", reason="=1+1")})
    review = openpyxl.load_workbook(
        io.BytesIO(build_review_xlsx(rubric, cmp, Profile(), PanelInfo()))
    )["评审对照"]
    reason = next(c for row in review.iter_rows() for c in row if c.value == "=1+1")
    assert reason.quotePrefix
