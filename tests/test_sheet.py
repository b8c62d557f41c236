"""The answer-sheet CSV: export, import, round trip, and every kind of refused input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiguan.rubric import Rubric, load_rubric
from jiguan.scoring import NO, PARTIAL, YES, Answer, all_yes, score
from jiguan.sheet import (
    COLUMN_LABELS,
    EXPORT_COLUMNS,
    EXPORT_HEADERS,
    IMPORT_COLUMNS,
    SheetError,
    SheetProblem,
    export_rows,
    read_sheet,
    sheet_filename,
    write_sheet,
)
from tests.test_scoring import candidate_answers

RUBRIC = load_rubric()
BOM = b"\xef\xbb\xbf"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def refused(data: bytes, rubric: Rubric = RUBRIC) -> SheetError:
    """Import must raise; return the error for inspection (nothing is returned)."""
    result = "not set"
    with pytest.raises(SheetError) as err:
        result = read_sheet(data, rubric)  # type: ignore[assignment]
    assert result == "not set"
    return err.value


def only_problem(data: bytes) -> SheetProblem:
    err = refused(data)
    assert len(err.problems) == 1, str(err)
    return err.problems[0]


def parse_export(data: bytes) -> list[dict[str, str]]:
    """Export rows keyed by `EXPORT_COLUMNS` (the file's headers are Chinese)."""
    assert data.startswith(BOM)
    key_of = {EXPORT_HEADERS.get(c, c): c for c in EXPORT_COLUMNS}
    rows = csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline=""))
    return [{key_of[h]: v for h, v in row.items()} for row in rows]


# --- export ---------------------------------------------------------------------------------------


def test_export_is_utf8_with_bom_one_row_per_criterion_in_rubric_order(rubric: Rubric) -> None:
    data = write_sheet(rubric, {"1.1": Answer(YES, evidence="发文")})
    assert data.startswith(BOM)
    header = next(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert header[:5] == [
        "评分项编号",
        "评定（符合/部分符合/不符合；计数项填数量）",
        "部分得分（仅部分符合时填）",
        "佐证材料（每行一项）",
        "备注",
    ]
    assert "得分（已按指标上限和只取最高档计算，本列合计即总分）" in header
    rows = parse_export(data)
    assert [r["criterion_id"] for r in rows] == list(rubric.criteria)
    assert rows[0]["answer"] == "符合" and rows[0]["evidence"] == "发文"
    assert all(r["answer"] == "" for r in rows[1:])  # unanswered rows are included, blank


def test_export_readable_columns(rubric: Rubric) -> None:
    sheet = {
        "17.1": Answer(1),
        "17.2": Answer(2),
        "8.1": Answer(PARTIAL, 0.5, evidence="办法"),
        "8.2": Answer(NO),
        "1.1": Answer(YES),
    }
    rows = {r["criterion_id"]: r for r in parse_export(write_sheet(rubric, sheet))}
    r171 = rows["17.1"]
    assert r171["评估项目"] == "标准体系与标准制定"
    assert r171["评估内容"] == "标准制定"
    assert r171["指标"] == "17"
    assert r171["评分项"] == rubric.criteria["17.1"].text
    assert (r171["分值"], r171["得分"], r171["状态"]) == ("6", "6", "缺佐证")
    assert rows["17.2"]["得分"] == "4"  # 2 × 4 = 8, but the cap of 10 leaves 4
    assert rows["8.1"]["points"] == "0.5" and rows["8.1"]["得分"] == "0.5"
    assert rows["8.1"]["answer"] == "部分符合" and rows["8.2"]["answer"] == "不符合"
    assert rows["8.1"]["状态"] == "已评"
    assert rows["8.2"]["状态"] == "已评"
    assert rows["1.1"]["状态"] == "缺佐证"
    assert rows["2.1"]["状态"] == "未评"
    assert rows["4.1"]["评估方式"] == "实地查看、随机抽查"


def test_export_rows_are_raw_values(rubric: Rubric) -> None:
    sheet = {"1.1": Answer(YES, evidence="=HYPERLINK()"), "17.3": Answer(2), "8.1": Answer(None)}
    rows = export_rows(rubric, sheet)
    assert [tuple(r) for r in rows] == [EXPORT_COLUMNS] * len(rubric.criteria)
    by_id = {r["criterion_id"]: r for r in rows}
    assert by_id["1.1"]["evidence"] == "=HYPERLINK()"  # not neutralised here
    assert by_id["1.1"]["分值"] == 2.0
    assert by_id["17.3"]["answer"] == 2 and by_id["17.3"]["得分"] == 6.0
    assert by_id["2.1"]["answer"] is None and by_id["2.1"]["points"] is None
    assert by_id["8.1"]["状态"] == "未评"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_formula_cells(rubric: Rubric, start: str) -> None:
    text = f"{start}cmd|' /C calc'!A0"
    data = write_sheet(rubric, {"1.1": Answer(YES, evidence=text, note=text)})
    row = parse_export(data)[0]
    assert row["evidence"] == "'" + text
    assert row["note"] == "'" + text
    assert read_sheet(data, rubric)["1.1"] == Answer(YES, evidence=text, note=text)


def test_quote_rule_is_reversible_for_text_that_already_starts_with_quotes(rubric: Rubric) -> None:
    for text in ["'=x", "''-1", "'plain", "it's", "'"]:
        sheet = {"1.1": Answer(YES, evidence=text)}
        assert read_sheet(write_sheet(rubric, sheet), rubric) == sheet, text


def test_export_import_round_trip_all_yes(rubric: Rubric) -> None:
    sheet = all_yes(rubric, evidence="发文及文号\n会议记录")
    back = read_sheet(write_sheet(rubric, sheet), rubric)
    assert back == sheet
    assert score(rubric, back).total == 100


def test_a_blank_export_is_a_valid_empty_form(rubric: Rubric) -> None:
    assert read_sheet(write_sheet(rubric, {}), rubric) == {}


evidence_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
) | st.sampled_from(["=1+1", "-2", "@x", "+3", "\t制表", "\r\n行", "'=q", 'a,"b"', " 前后空格 "])


@st.composite
def sheets_with_text(draw: st.DrawFn) -> dict[str, Answer]:
    sheet = {}
    for c in RUBRIC.criteria.values():
        a = draw(st.sampled_from(candidate_answers(c)))
        if draw(st.booleans()):
            a = Answer(
                a.value if a else None,
                a.points if a else None,
                evidence=draw(evidence_text),
                note=draw(evidence_text),
            )
        if a is not None:
            sheet[c.id] = Answer(a.value, a.points, evidence=a.evidence, note=a.note)
    return sheet


@settings(max_examples=60, deadline=None)
@given(sheets_with_text())
def test_export_then_import_gives_the_same_answers_and_scores(sheet: dict[str, Answer]) -> None:
    back = read_sheet(write_sheet(RUBRIC, sheet), RUBRIC)
    # Rows with nothing in them come back as "no row"; both are unanswered.
    assert back == {k: a for k, a in sheet.items() if not a.is_blank()}
    assert score(RUBRIC, back) == score(RUBRIC, sheet)


# --- import: what is accepted ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", YES),
        (" YES ", YES),
        ("是", YES),
        ("符合", YES),
        ("no", NO),
        ("No", NO),
        ("否", NO),
        ("不符合", NO),
        ("ｙｅｓ", YES),  # full-width letters from a Chinese IME
    ],
)
def test_answer_words(text: str, expected: str) -> None:
    data = csv_bytes(f"criterion_id,answer\n1.1,{text}\n")
    assert read_sheet(data, RUBRIC) == {"1.1": Answer(expected)}


@pytest.mark.parametrize("word", ["partial", "PARTIAL", "部分", "部分符合"])
def test_partial_words_with_points(word: str) -> None:
    data = csv_bytes(f"criterion_id,answer,points\n1.1,{word},1.5\n")
    assert read_sheet(data, RUBRIC) == {"1.1": Answer(PARTIAL, 1.5)}


def test_counts() -> None:
    data = csv_bytes("criterion_id,answer\n17.1,2\n17.2, 0 \n21.1,5\n17.3,３\n")
    assert read_sheet(data, RUBRIC) == {
        "17.1": Answer(2),
        "17.2": Answer(0),
        "21.1": Answer(5),
        "17.3": Answer(3),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings(encoding: str) -> None:
    evidence = "关于成立领导小组的通知（x办发〔2025〕3号）"
    text = f"criterion_id,answer,evidence,评分项\n1.1,是,{evidence},明确了\n"
    assert read_sheet(text.encode(encoding), RUBRIC) == {"1.1": Answer(YES, evidence=evidence)}


def test_utf16_tab_separated_as_excel_unicode_text() -> None:
    text = "criterion_id\tanswer\tevidence\r\n1.1\t是\t发文\r\n"
    assert read_sheet(text.encode("utf-16"), RUBRIC) == {"1.1": Answer(YES, evidence="发文")}


def test_extra_and_readable_columns_are_ignored_and_columns_may_be_reordered() -> None:
    data = csv_bytes(
        "说明,note,得分,answer,状态,criterion_id,满分\n"
        "随便,我的备注,99,yes,已评,1.1,1000\n"
        ",,50,no,,2.1,\n"
    )
    sheet = read_sheet(data, RUBRIC)
    assert sheet == {"1.1": Answer(YES, note="我的备注"), "2.1": Answer(NO)}
    assert score(RUBRIC, sheet).total == 2  # 得分 in the file is never read


def test_blank_answer_keeps_evidence_and_note() -> None:
    data = csv_bytes("criterion_id,answer,evidence,note\n1.1,,发文草稿,待定\n2.1,,,\n\n")
    assert read_sheet(data, RUBRIC) == {"1.1": Answer(None, evidence="发文草稿", note="待定")}


def test_only_required_columns_and_missing_rows() -> None:
    assert read_sheet(csv_bytes("criterion_id,answer\n38.3,yes\n"), RUBRIC) == {"38.3": Answer(YES)}


def test_multiline_evidence_and_crlf() -> None:
    data = csv_bytes('criterion_id,answer,evidence\r\n1.1,yes,"第一行\n第二行, 含逗号"\r\n')
    assert read_sheet(data, RUBRIC)["1.1"].evidence == "第一行\n第二行, 含逗号"


# --- import: what is refused, with row and column -------------------------------------------------


def assert_names(problem: SheetProblem, row: int, column: str, key: str) -> None:
    assert (problem.row, problem.column, problem.key) == (row, column, key)
    text = str(problem)
    assert text.startswith(f"第 {row} 行，{COLUMN_LABELS[column]}（{column}）列：")
    assert key not in text  # the key is for programs; the person reads Chinese
    assert re.search(r"[\u4e00-\u9fff]", problem.message)  # Chinese


@pytest.mark.parametrize(
    ("body", "row", "column", "key"),
    [
        ("99.1,yes,", 3, "criterion_id", "unknown_criterion"),
        ("1.1,maybe,", 3, "answer", "bad_answer"),
        ("1.1,3,", 3, "answer", "bad_answer"),  # a number for a check criterion
        ("17.1,yes,", 3, "answer", "bad_count"),  # a word for a count criterion
        ("17.1,-1,", 3, "answer", "bad_count"),
        ("17.1,1.5,", 3, "answer", "bad_count"),
        ("17.1,2,3", 3, "points", "unexpected_points"),
        ("1.1,partial,", 3, "points", "partial_points"),
        ("1.1,partial,2", 3, "points", "partial_points"),  # not less than the full 2
        ("1.1,partial,0", 3, "points", "partial_points"),
        ("1.1,partial,0.7", 3, "points", "partial_points"),  # not a 0.5 step
        ("1.1,partial,-1", 3, "points", "partial_points"),
        ("1.1,partial,一分", 3, "points", "bad_points"),
        ("1.1,yes,1", 3, "points", "unexpected_points"),
        ("1.1,,1", 3, "points", "unexpected_points"),
        ("2.1,no,", 3, "criterion_id", "duplicate"),
        (",yes,", 3, "criterion_id", "missing_criterion_id"),
    ],
)
def test_bad_rows_are_refused_naming_row_and_column(
    body: str, row: int, column: str, key: str
) -> None:
    # row 2 is a good row; the bad one is row 3 (header = row 1, as Excel numbers them)
    data = csv_bytes(f"criterion_id,answer,points\n2.1,yes,\n{body}\n")
    err = refused(data)
    assert len(err.problems) == 1, str(err)
    assert_names(err.problems[0], row, column, key)
    assert f"第 {row} 行，{COLUMN_LABELS[column]}（{column}）列" in str(err)
    assert "未导入任何内容" in str(err)


def test_duplicate_names_the_first_row() -> None:
    p = only_problem(csv_bytes("criterion_id,answer\n1.1,yes\n2.1,yes\n1.1,no\n"))
    assert_names(p, 4, "criterion_id", "duplicate")
    assert "第 2 行" in p.message


def test_all_problems_are_collected_and_nothing_is_half_imported() -> None:
    data = csv_bytes(
        "criterion_id,answer,points\n"
        "1.1,yes,\n"  # good
        "17.1,-2,\n"  # 3
        "2.1,yes,\n"  # good
        "8.1,partial,\n"  # 5
        "0.1,yes,\n"  # 6
    )
    err = refused(data)
    assert [(p.row, p.key) for p in err.problems] == [
        (3, "bad_count"),
        (5, "partial_points"),
        (6, "unknown_criterion"),
    ]
    lines = str(err).splitlines()
    assert lines[0] == "答题表有 3 处问题，未导入任何内容："
    assert lines[1] == "第 3 行，评定（answer）列：评分项 17.1：计数不能为负数，实为 -2"


def test_row_numbers_count_records_not_lines() -> None:
    data = csv_bytes('criterion_id,answer,evidence\n1.1,yes,"多\n行\n佐证"\n2.1,maybe,\n')
    assert_names(only_problem(data), 3, "answer", "bad_answer")


@pytest.mark.parametrize(
    ("header", "missing"),
    [("criterion_id,evidence", ["answer"]), ("id,answer", ["criterion_id"]), ("a,b", None)],
)
def test_missing_columns(header: str, missing: list[str] | None) -> None:
    err = refused(csv_bytes(f"{header}\n1.1,yes\n"))
    expected = missing or ["criterion_id", "answer"]
    assert [p.column for p in err.problems] == expected
    for p in err.problems:
        assert_names(p, 1, p.column or "", "missing_column")


def test_duplicate_column() -> None:
    p = only_problem(csv_bytes("criterion_id,answer,Answer\n1.1,yes,no\n"))
    assert_names(p, 1, "answer", "duplicate_column")


def _xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "key", "fragment"),
    [
        (b"", "empty", "空"),
        (b"   \r\n\n", "empty", "空"),
        (BOM, "empty", "空"),
        (BOM + b"criterion_id,answer,points\r\n", "empty", "没有任何评分项行"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv", "PNG"),
        (_xlsx(), "not_csv", "xlsx"),
        (b"%PDF-1.7\n", "not_csv", "PDF"),
        (b"criterion_id,answer\n1.1,\x00\x01\x02", "not_csv", "二进制"),
        (b"criterion_id,answer\n1.1,\xff\xfe\xfd\n", "bad_encoding", "编码"),
        (b'criterion_id,answer\n1.1,"yes\n', "not_csv", "CSV"),  # unterminated quote
    ],
)
def test_refused_files(data: bytes, key: str, fragment: str) -> None:
    p = only_problem(data)
    assert p.key == key
    assert fragment in p.message
    assert key not in str(p)


def test_error_text_is_capped_but_problems_are_complete() -> None:
    body = "".join(f"{n}.9,yes\n" for n in range(1, 80))
    err = refused(csv_bytes("criterion_id,answer\n" + body))
    assert len(err.problems) == 79
    assert "另有 29 处问题" in str(err)
    assert isinstance(err, ValueError)


# --- file name ----------------------------------------------------------------------------------


def test_sheet_filename() -> None:
    day = dt.date(2026, 5, 1)
    assert sheet_filename("某某市机关事务管理局", day) == "自评_某某市机关事务管理局_2026-05-01.csv"
    assert sheet_filename(' a/b\\c:d*e?f"g<h>i|j\n ', day) == "自评_abcdefghij_2026-05-01.csv"
    assert sheet_filename("市 局", day) == "自评_市_局_2026-05-01.csv"
    assert sheet_filename("  ", day) == "自评_2026-05-01.csv"
    assert sheet_filename("../..", day) == "自评_2026-05-01.csv"


def test_import_columns_are_the_first_export_columns() -> None:
    assert EXPORT_COLUMNS[: len(IMPORT_COLUMNS)] == IMPORT_COLUMNS
    assert set(EXPORT_COLUMNS[len(IMPORT_COLUMNS) :]) == {
        "评估项目",
        "评估内容",
        "指标",
        "评分项",
        "分值",
        "得分",
        "评估方式",
        "状态",
    }
