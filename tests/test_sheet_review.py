"""The CSV contract's optional review columns: round trip and the usual refusals."""

from __future__ import annotations

import pytest

from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, all_yes
from jiguan.sheet import (
    REVIEW_EXPORT_COLUMNS,
    SheetError,
    read_sheet,
    read_sheet_with_review,
    write_sheet,
)


def _sheet(
    *rows: str, header: str = "criterion_id,answer,review_answer,review_points,review_reason"
) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_round_trip(rubric: Rubric) -> None:
    answers = all_yes(rubric, evidence="制度文件")
    verdicts = {
        "1.1": Verdict("partial", 1.5, "=未印发，仅为草案"),  # formula-like text survives
        "2.1": Verdict("yes"),
        "17.1": Verdict(1, reason="一项为草案\n第二行"),
        "3.1": Verdict(reason="待现场核实"),  # a reason without a verdict is kept
    }
    data = write_sheet(rubric, answers, verdicts)
    header = data.decode("utf-8-sig").splitlines()[0]
    assert "评审意见（扣分理由/评审意见）,评估组得分（计算方法同得分）,对总分的影响" in header
    got_answers, got_verdicts = read_sheet_with_review(data, rubric)
    assert got_answers == {cid: a for cid, a in answers.items()}
    assert got_verdicts == verdicts
    # without verdicts: the plain contract, and read_sheet ignores review columns
    assert read_sheet_with_review(write_sheet(rubric, answers), rubric)[1] is None
    assert read_sheet(data, rubric) == answers


def test_english_headers_and_words(rubric: Rubric) -> None:
    answers, verdicts = read_sheet_with_review(
        _sheet("1.1,yes,部分,1,扣一分", "17.1,2,1,,少一项", "2.1,no,是,,"), rubric
    )
    assert answers["1.1"] == Answer("yes")
    assert verdicts == {
        "1.1": Verdict("partial", 1.0, "扣一分"),
        "17.1": Verdict(1, None, "少一项"),
        "2.1": Verdict("yes"),
    }


def test_exported_panel_points_sum_to_the_panel_total(rubric: Rubric) -> None:
    import csv
    import io

    verdicts = {"1.1": Verdict("yes"), "17.1": Verdict(2), "17.2": Verdict(1)}
    data = write_sheet(rubric, {}, verdicts).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    col = len(rows[0]) - 2
    assert REVIEW_EXPORT_COLUMNS[-2:] == ("评估组得分", "对总分的影响")
    assert sum(float(r[col]) for r in rows[1:] if r[col]) == 2 + 10  # 17 capped at 10


@pytest.mark.parametrize(
    ("row", "key", "column"),
    [
        ("1.1,yes,也许,,", "bad_answer", "review_answer"),
        ("1.1,yes,部分符合,2,", "partial_points", "review_points"),
        ("1.1,yes,符合,1,", "unexpected_points", "review_points"),
        ("1.1,yes,部分符合,一分,", "bad_points", "review_points"),
        ("17.1,1,1001,,", "bad_count", "review_answer"),
        ("17.1,1,-2,,", "bad_count", "review_answer"),
    ],
)
def test_refusals_name_row_and_column(rubric: Rubric, row: str, key: str, column: str) -> None:
    with pytest.raises(SheetError) as caught:
        read_sheet_with_review(_sheet("2.1,yes,符合,,", row), rubric)
    [problem] = caught.value.problems
    assert (problem.row, problem.key, problem.column) == (3, key, column)
    assert "评估组" in problem.message


def test_review_columns_need_review_answer(rubric: Rubric) -> None:
    with pytest.raises(SheetError) as caught:
        read_sheet_with_review(
            _sheet("1.1,yes,扣分", header="criterion_id,answer,review_reason"), rubric
        )
    [problem] = caught.value.problems
    assert problem.key == "missing_column" and "评估组评定" in problem.message


def test_a_bad_review_cell_refuses_the_whole_file(rubric: Rubric) -> None:
    with pytest.raises(SheetError):
        read_sheet(_sheet("1.1,yes,符合,,", "2.1,yes,很好,,"), rubric)
