"""The answer-sheet CSV: one contract for the app's download and upload, the CLI and reports.

Columns (export order). The first five are read on import; every other column is ignored and
scores are always recomputed. Import accepts each editable column's Chinese or English header
(a note in brackets after the header, as export writes, is ignored):

=========================  ================  ==========================================
Chinese header             English header    content
=========================  ================  ==========================================
评分项编号                 criterion_id      1.1 … 38.3
评定                       answer            符合 / 部分符合 / 不符合 (also yes/partial/no,
                                             是/部分/否); a count (0 … `MAX_COUNT`) for count
                                             criteria; blank = 未评
部分得分                   points            only with 部分符合: 0.5 steps, 0 < p < 分值
佐证材料                   evidence          one entry per line
备注                       note              free text
附件                       attachments       names of the uploaded files, one per line; import
                                             counts them (files count as evidence)
评估项目 评估内容 指标 评分项 分值 得分 评估方式 状态: readable, ignored on import
评估组评定                 review_answer     optional: the 评估组's verdict, as 评定
评估组部分得分             review_points     with 部分符合, as 部分得分
评审意见                   review_reason     扣分理由 / 评审意见 (free text)
评估组得分: readable (the panel's counted points), ignored on import
对总分的影响: readable (`CriterionRow.effect` where the verdict differs), ignored on import
=========================  ================  ==========================================

The review columns are optional: `read_sheet` checks but does not return them;
`read_sheet_with_review` returns the verdicts too (None when the file has none of them;
``review_answer`` is required once any is present). Their values follow the same rules and
refusals as 评定 and 部分得分.

得分 is the points a criterion counts towards the total after its indicator's cap and
highest-level-only rule (`counted_points`), so the column's sum in Excel is the total.

* Bounds (`jiguan.sheet_decode`): a file over `MAX_SHEET_BYTES` is refused before parsing, a
  cell over `MAX_CELL_CHARS` is refused naming its row and column, a count over `MAX_COUNT`
  likewise. Encodings: UTF-8 with or without BOM, GB18030/GBK, UTF-16 with BOM; Big5 and
  Shift-JIS are detected and refused by name. Delimiter: comma, or tab / semicolon when the
  header row uses those.
* A row whose answer is blank but whose evidence or note is not keeps that text (nothing a user
  typed is lost); a row with nothing in it is simply unanswered; rows may be missing.
* Every problem in the file is collected and raised as one `SheetError`; nothing is returned
  half-imported. The answer rules themselves live in `scoring.answer_problem`.

Formula injection: `write_sheet` prefixes a single quote ``'`` to any cell that begins with
``=``, ``+``, ``-``, ``@``, tab or CR -- and, so that the rule is reversible, to a cell that
already begins with quotes followed by one of those characters. `read_sheet` strips exactly one
leading quote from a cell that matches ``'+`` followed by one of those characters. So export ->
import gives back evidence and note text exactly, and a user who types ``'=...`` in Excel (where
the quote is Excel's own "text" marker and is usually not saved) gets their text back too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from jiguan.limits import MAX_CELL_CHARS, MAX_COUNT, MAX_SHEET_BYTES
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, counted_points
from jiguan.sheet_cells import norm, read_choice
from jiguan.sheet_decode import (
    ACCEPTED_ENCODINGS,
    COLUMN_LABELS,
    MAX_LISTED_PROBLEMS,
    REVIEW_COLUMN_LABELS,
    DecodedSheet,
    SheetError,
    SheetProblem,
    check_sheet_size,
    decode_sheet,
)
from jiguan.sheet_export import (
    ANSWER_WORDS_OUT,
    EXPORT_COLUMNS,
    EXPORT_HEADERS,
    IMPORT_COLUMNS,
    READABLE_COLUMNS,
    REQUIRED_COLUMNS,
    REVIEW_EXPORT_COLUMNS,
    STATUS_DONE,
    STATUS_NO_EVIDENCE,
    STATUS_UNANSWERED,
    export_rows,
    neutralise,
    sheet_filename,
    unquote,
    write_sheet,
)
from jiguan.text import lines

# Every key a SheetProblem can carry, with what it means (for the UI and docs).
PROBLEM_KEYS: dict[str, str] = {
    "empty": "文件为空或没有数据行",
    "too_large": f"文件超过 {MAX_SHEET_BYTES // 2**20} MB",
    "not_csv": "不是 CSV 文件",
    "bad_encoding": f"无法识别的文字编码（支持 {ACCEPTED_ENCODINGS}）",
    "cell_too_long": f"单元格超过 {MAX_CELL_CHARS} 个字",
    "missing_column": "缺少必需的列",
    "duplicate_column": "表头中同一列出现两次",
    "missing_criterion_id": "有内容的行缺少评分项编号",
    "unknown_criterion": "评分项编号不在评估指引中",
    "duplicate": "同一评分项出现两次",
    "bad_answer": "答案不符合评分项类型",
    "bad_count": f"计数不是 0 到 {MAX_COUNT} 之间的整数",
    "bad_points": "得分不是数字",
    "partial_points": "部分符合的得分缺失、超出范围或不是 0.5 的倍数",
    "partial_not_allowed": "评估指引不设部分符合（allow_partial: false）",
    "unexpected_points": "只有部分符合才填写得分",
}

_HEADER_NOTE = re.compile(r"[（(].*$", re.S)

# The parser never stops at its own field limit (which would give an English message without a
# column); cells are measured against MAX_CELL_CHARS instead. The file itself is bounded first.
csv.field_size_limit(max(csv.field_size_limit(), MAX_SHEET_BYTES))

__all__ = [
    "ACCEPTED_ENCODINGS",
    "ANSWER_WORDS_OUT",
    "COLUMN_LABELS",
    "EXPORT_COLUMNS",
    "EXPORT_HEADERS",
    "IMPORT_COLUMNS",
    "MAX_CELL_CHARS",
    "MAX_COUNT",
    "MAX_LISTED_PROBLEMS",
    "MAX_SHEET_BYTES",
    "PROBLEM_KEYS",
    "READABLE_COLUMNS",
    "REVIEW_COLUMNS",
    "REVIEW_EXPORT_COLUMNS",
    "STATUS_DONE",
    "STATUS_NO_EVIDENCE",
    "STATUS_UNANSWERED",
    "DecodedSheet",
    "SheetError",
    "SheetProblem",
    "check_sheet_size",
    "counted_points",
    "decode_sheet",
    "export_rows",
    "neutralise",
    "read_sheet",
    "read_sheet_with_review",
    "sheet_filename",
    "write_sheet",
]

REVIEW_COLUMNS: tuple[str, ...] = tuple(REVIEW_COLUMN_LABELS)
_LABELS = {**COLUMN_LABELS, **REVIEW_COLUMN_LABELS}


# ---------------------------------------------------------------------------------------------
# Import


def _column_key(header_cell: str) -> str | None:
    """Which editable column a header cell names (Chinese or English, note ignored), if any."""
    name = norm(_HEADER_NOTE.sub("", unquote(header_cell)))
    if name in _LABELS:
        return name
    for key, label in _LABELS.items():
        if name == label:
            return key
    return None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_sheet(data: bytes, rubric: Rubric) -> dict[str, Answer]:
    """Read an answer-sheet CSV into answers, or refuse it as a whole (review columns, if
    any, are checked too). Arguments and errors as `read_sheet_with_review`."""
    return read_sheet_with_review(data, rubric)[0]


def read_sheet_with_review(
    data: bytes, rubric: Rubric
) -> tuple[dict[str, Answer], dict[str, Verdict] | None]:
    """Read an answer-sheet CSV into answers and the 评估组's verdicts, or refuse it whole.

    Args:
        data: the file's bytes.
        rubric: the rubric the ids and answers are checked against.

    Returns:
        Answers by criterion id, for every row that has an answer, evidence or a note; and
        verdicts by criterion id for every row with a review answer or reason (None when the
        file has no review columns).

    Raises:
        SheetError: anything is wrong; `.problems` lists every problem with its row and column.
    """
    check_sheet_size(len(data))
    if not data.strip():
        raise SheetError([SheetProblem(None, None, "empty", "文件是空的")])
    text = decode_sheet(data).text
    if not text.strip():
        raise SheetError([SheetProblem(None, None, "empty", "文件是空的")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    problems: list[SheetProblem] = []
    try:
        header = next(reader)
        columns: dict[str, int] = {}
        for i, name in enumerate(header):
            key = _column_key(name)
            if key is not None:
                if key in columns:
                    problems.append(
                        SheetProblem(
                            1,
                            key,
                            "duplicate_column",
                            f"表头中 {_LABELS[key]} 列出现了两次",
                        )
                    )
                else:
                    columns[key] = i
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if any(c in columns for c in REVIEW_COLUMNS) and "review_answer" not in columns:
            missing.append("review_answer")
        for c in missing:
            shown = "、".join(h.strip() for h in header if h.strip())[:200] or "（空）"
            problems.append(
                SheetProblem(
                    1,
                    c,
                    "missing_column",
                    f"表头缺少必需的 {_LABELS[c]} 列（现有表头：{shown}）",
                )
            )
        if problems:
            raise SheetError(problems)
        answers, verdicts, data_rows = _read_rows(reader, header, columns, rubric, problems)
    except csv.Error:
        opened = _unclosed_quote_line(text)
        problems.append(
            SheetProblem(
                opened or reader.line_num or None,
                None,
                "not_csv",
                "此行的引号没有结束，无法按 CSV 解析，请在 Excel 中另存为 CSV"
                if opened
                else "无法按 CSV 解析（引号不成对或格式有误），请在 Excel 中另存为 CSV",
            )
        )
        raise SheetError(problems) from None
    if data_rows == 0 and not problems:
        problems.append(SheetProblem(None, None, "empty", "只有表头，没有任何评分项行"))
    if problems:
        raise SheetError(problems)
    return answers, (verdicts if "review_answer" in columns else None)


def _unclosed_quote_line(text: str) -> int | None:
    """The line on which a quote opens that the file never closes (the csv module reports
    the end of the file instead), or None when every quote is closed."""
    inside, opened = False, None
    for number, line in enumerate(text.splitlines(), start=1):
        for ch in line:
            if ch == '"':
                inside = not inside
                if inside:
                    opened = number
    return opened if inside else None


def _long_cells(row: int, cells: list[str], header: list[str]) -> list[SheetProblem]:
    found = []
    for i, text in enumerate(cells):
        if len(text) > MAX_CELL_CHARS:
            name = header[i].strip() if i < len(header) and header[i].strip() else f"第 {i + 1} "
            key = _column_key(header[i]) if i < len(header) else None
            found.append(
                SheetProblem(
                    row,
                    key,
                    "cell_too_long",
                    f"「{name}」列的内容有 {len(text):,} 个字，"
                    f"超过每格 {MAX_CELL_CHARS:,} 字的上限",
                )
            )
    return found


def _read_rows(
    reader: Iterator[list[str]],
    header: list[str],
    columns: dict[str, int],
    rubric: Rubric,
    problems: list[SheetProblem],
) -> tuple[dict[str, Answer], dict[str, Verdict], int]:
    criteria = rubric.criteria
    answers: dict[str, Answer] = {}
    verdicts: dict[str, Verdict] = {}
    first_seen: dict[str, int] = {}
    data_rows = 0

    def cell(cells: list[str], name: str) -> str:
        i = columns.get(name)
        return unquote(cells[i]) if i is not None and i < len(cells) else ""

    for row, cells in enumerate(reader, start=2):
        raw = {name: cell(cells, name) for name in (*IMPORT_COLUMNS, *REVIEW_COLUMNS)}
        if not any(c.strip() for c in cells):
            continue  # an empty line
        data_rows += 1
        too_long = _long_cells(row, cells, header)
        if too_long:
            problems.extend(too_long)
            continue
        cid = norm(raw["criterion_id"])
        if not cid:
            if any(raw[n].strip() for n in IMPORT_COLUMNS):
                problems.append(
                    SheetProblem(
                        row,
                        "criterion_id",
                        "missing_criterion_id",
                        "此行填写了内容，但没有评分项编号",
                    )
                )
            continue
        if cid in first_seen:
            problems.append(
                SheetProblem(
                    row,
                    "criterion_id",
                    "duplicate",
                    f"评分项 {cid} 重复出现（第 {first_seen[cid]} 行已有）",
                )
            )
            continue
        first_seen[cid] = row
        criterion = criteria.get(cid)
        if criterion is None:
            problems.append(
                SheetProblem(
                    row,
                    "criterion_id",
                    "unknown_criterion",
                    f"评估指引中没有评分项「{raw['criterion_id'].strip()}」",
                )
            )
            continue

        partial_ok = rubric.allow_partial
        choice = read_choice(
            row, cid, criterion, raw["answer"], raw["points"], "", problems, partial_ok
        )
        review = read_choice(
            row,
            cid,
            criterion,
            raw["review_answer"],
            raw["review_points"],
            "review_",
            problems,
            partial_ok,
        )
        if choice is None or review is None:
            continue
        attached = len(lines(raw["attachments"]))  # files count as evidence (`check`)
        answer = Answer(*choice, evidence=raw["evidence"], note=raw["note"], attachments=attached)
        if not answer.is_blank():
            answers[cid] = answer
        verdict = Verdict(*review, reason=raw["review_reason"])
        if not verdict.is_blank():
            verdicts[cid] = verdict
    return answers, verdicts, data_rows
