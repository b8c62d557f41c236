"""The CSV as people edit it in Excel/WPS: Chinese headers and words, sums, bounds, encodings."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from jiguan.rubric import Rubric
from jiguan.scoring import NO, PARTIAL, YES, Answer, all_yes, score
from jiguan.sheet import (
    MAX_CELL_CHARS,
    MAX_COUNT,
    MAX_SHEET_BYTES,
    SheetError,
    check_sheet_size,
    decode_sheet,
    export_rows,
    read_sheet,
    write_sheet,
)
from tests.conftest import require_service


def problems(data: bytes, rubric: Rubric) -> list[tuple[int | None, str | None, str, str]]:
    with pytest.raises(SheetError) as err:
        read_sheet(data, rubric)
    return [(p.row, p.column, p.key, str(p)) for p in err.value.problems]


def test_chinese_headers_and_words_are_read(rubric: Rubric) -> None:
    data = (
        "评分项编号,评定,部分得分,佐证材料,备注\n"
        "1.1,符合,,通知,\n"
        "2.1,部分符合,1,,待定\n"
        "3.1,不符合,,,\n"
        "17.1,2,,,\n"
    ).encode()
    assert read_sheet(data, rubric) == {
        "1.1": Answer(YES, evidence="通知"),
        "2.1": Answer(PARTIAL, 1.0, note="待定"),
        "3.1": Answer(NO),
        "17.1": Answer(2),
    }


def test_english_headers_with_chinese_words_and_chinese_headers_with_english_words(
    rubric: Rubric,
) -> None:
    english = "criterion_id,answer\n1.1,符合\n2.1,不符合\n".encode()
    chinese = "评分项编号（勿改）,评定（符合/部分符合/不符合）\n1.1,yes\n2.1,no\n".encode()
    expected = {"1.1": Answer(YES), "2.1": Answer(NO)}
    assert read_sheet(english, rubric) == expected
    assert read_sheet(chinese, rubric) == expected


def test_export_score_column_sums_to_the_total(rubric: Rubric) -> None:
    # Past the caps of 17 and 21, two levels of 37 and all three of 38: the column used to
    # sum to 58.5 for a total of 49.
    sheet = {
        "17.1": Answer(1),
        "17.3": Answer(2),
        "21.1": Answer(5),
        "37.1": Answer(YES),
        "37.2": Answer(YES),
        "38.1": Answer(YES),
        "38.2": Answer(YES),
        "38.3": Answer(YES),
        "8.1": Answer(PARTIAL, 0.5),
    }
    rows = {r["criterion_id"]: r for r in export_rows(rubric, sheet)}
    total = score(rubric, sheet).total
    assert sum(r["得分"] for r in rows.values()) == total  # type: ignore[misc]
    assert (rows["17.1"]["得分"], rows["17.3"]["得分"]) == (6, 4)  # cap 10
    assert rows["21.1"]["得分"] == 3  # cap 3
    levels37 = [rows[f"37.{n}"]["得分"] for n in (1, 2, 3)]
    assert levels37.count(0) == 2 and max(levels37) == score(rubric, sheet).indicators[37].score
    full = all_yes(rubric)
    assert sum(r["得分"] for r in export_rows(rubric, full)) == 100  # type: ignore[misc]


def test_sheet_over_5_mb_is_refused_before_parsing(rubric: Rubric) -> None:
    blank_rows = b"criterion_id,answer\n" + b",\n" * (MAX_SHEET_BYTES // 2)
    found = problems(blank_rows, rubric)
    assert [(r, c, k) for r, c, k, _ in found] == [(None, None, "too_large")]
    assert "最大 5 MB" in found[0][3]
    with pytest.raises(SheetError, match="文件过大"):
        check_sheet_size(MAX_SHEET_BYTES + 1)
    check_sheet_size(MAX_SHEET_BYTES)  # at the bound: accepted


def test_a_cell_over_the_limit_names_row_and_column(rubric: Rubric) -> None:
    big = "字" * (MAX_CELL_CHARS + 1)
    data = f"评分项编号,评定,佐证材料\n1.1,符合,短\n2.1,符合,{big}\n".encode()
    ((row, column, key, text),) = problems(data, rubric)
    assert (row, column, key) == (3, "evidence", "cell_too_long")
    assert "第 3 行" in text and "「佐证材料」列" in text and f"{MAX_CELL_CHARS:,}" in text
    # larger than Python's own field limit (131,072): still our message, not csv's
    huge = "x" * 200_000
    ((row, _, key, text),) = problems(
        f"criterion_id,answer,note\n1.1,yes,{huge}\n".encode(), rubric
    )
    assert (row, key) == (2, "cell_too_long") and "field limit" not in text


def test_counts_are_bounded(rubric: Rubric) -> None:
    assert read_sheet(f"criterion_id,answer\n17.1,{MAX_COUNT}\n".encode(), rubric)
    for big in (str(MAX_COUNT + 1), "1e20", "10000000000000000000000000000000000000000"):
        ((row, column, key, text),) = problems(
            f"criterion_id,answer\n17.1,{big}\n".encode(), rubric
        )
        assert (row, column, key) == (2, "answer", "bad_count")
        assert "上限 1,000" in text


def test_encoding_message_lists_everything_accepted(rubric: Rubric) -> None:
    ((_, _, key, text),) = problems(b"criterion_id,answer\n1.1,\xff\xfe\xfd\n", rubric)
    assert key == "bad_encoding"
    for name in ("UTF-8", "BOM", "GB18030", "GBK", "UTF-16"):
        assert name in text


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("big5", "Big5"), ("shift_jis", "Shift-JIS")],
)
def test_big5_and_shift_jis_are_detected_and_refused_by_name(
    rubric: Rubric, encoding: str, named: str
) -> None:
    evidence = {
        "big5": "關於成立標準化試點領導小組的通知，會議紀要",
        "shift_jis": "会議の議事録と通知文書",
    }
    data = f"criterion_id,answer,evidence\n1.1,yes,{evidence[encoding]}\n".encode(encoding)
    ((_, _, key, text),) = problems(data, rubric)
    assert key == "bad_encoding" and named in text and "UTF-8" in text


@pytest.mark.parametrize(
    "text",
    [
        "criterion_id,answer,evidence\n1.1,yes,会议纪要\n",  # short, English headers
        "评分项编号,评定\n1.1,符合\n",
        "criterion_id,answer,evidence\n1.1,yes,关于成立领导小组的通知（某机管发〔2025〕3号）\n",
    ],
)
def test_gbk_is_not_mistaken_for_another_encoding(rubric: Rubric, text: str) -> None:
    data = text.encode("gbk")
    assert decode_sheet(data).encoding == "GB18030"
    assert "1.1" in read_sheet(data, rubric)


def test_utf16_without_bom_is_read(rubric: Rubric) -> None:
    data = "criterion_id\tanswer\tevidence\n1.1\t符合\t通知\n".encode("utf-16-le")
    assert read_sheet(data, rubric) == {"1.1": Answer(YES, evidence="通知")}


def _soffice_available() -> None:
    require_service(
        bool(shutil.which("soffice")),
        "LibreOffice (soffice)",
        "apt-get install libreoffice-calc-nogui",
    )


def test_libreoffice_resaves_as_gb18030_and_the_answers_come_back(
    rubric: Rubric, tmp_path: Path
) -> None:
    _soffice_available()
    sheet = all_yes(rubric, evidence="关于成立领导小组的通知\n〔2025〕12号")
    sheet["8.1"] = Answer(PARTIAL, 0.5, note="=待定，下月印发")
    sheet["2.1"] = Answer(NO, evidence="")
    sheet["17.1"] = Answer(3)
    src = tmp_path / "in" / "答题表.csv"
    src.parent.mkdir()
    src.write_bytes(write_sheet(rubric, sheet))
    out = tmp_path / "out"
    # Filter options: comma, double quote, UTF-8 in (76), GB18030 out (85: LibreOffice's
    # rtl_TextEncoding number; the name "GB18030" there is silently taken as UTF-8).
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,85,1",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (out / "答题表.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really re-encoded
    assert decode_sheet(data).encoding == "GB18030"
    header = next(csv.reader(io.StringIO(data.decode("gb18030"))))
    assert header[0] == "评分项编号"
    assert read_sheet(data, rubric) == {k: a for k, a in sheet.items() if not a.is_blank()}
