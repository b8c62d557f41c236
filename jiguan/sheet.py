"""The answer-sheet CSV: one contract for the app's download and upload, the CLI and reports.

Import (`read_sheet`) reads the columns in `IMPORT_COLUMNS`; every other column (the readable
ones export adds, or anything a user added) is ignored, and scores are always recomputed.

* Encoding: UTF-8 with or without BOM, then GB18030 (a superset of GBK, what Excel writes when a
  user re-saves the sheet on Chinese Windows); UTF-16 with BOM ("Unicode 文本"). Delimiter: comma,
  or tab / semicolon when the header row uses those.
* ``answer``: yes/no/partial, 是/否/部分, 符合/不符合/部分符合 (case, width and surrounding spaces
  ignored); a non-negative integer for count criteria; blank = unanswered. ``points`` only with
  partial. The rules themselves live in `scoring.answer_problem`; this module only parses text.
* A row whose answer is blank but whose evidence or note is not keeps that text (nothing a user
  typed is lost); a row with nothing in it is simply unanswered; rows may be missing.
* Every problem in the file is collected and raised as one `SheetError`; nothing is returned
  half-imported.

Formula injection: `write_sheet` prefixes a single quote ``'`` to any cell that begins with
``=``, ``+``, ``-``, ``@``, tab or CR -- and, so that the rule is reversible, to a cell that
already begins with quotes followed by one of those characters. `read_sheet` strips exactly one
leading quote from a cell that matches ``'+`` followed by one of those characters. So export ->
import gives back evidence and note text exactly, and a user who types ``'=...`` in Excel (where
the quote is Excel's own "text" marker and is usually not saved) gets their text back too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from jiguan.rubric import Criterion, Rubric
from jiguan.scoring import (
    NO,
    NO_EVIDENCE,
    PARTIAL,
    YES,
    Answer,
    answer_problem,
    score,
)

IMPORT_COLUMNS: tuple[str, ...] = ("criterion_id", "answer", "points", "evidence", "note")
READABLE_COLUMNS: tuple[str, ...] = (
    "评估项目",
    "评估内容",
    "指标",
    "评分项",
    "满分",
    "得分",
    "评估方式",
    "状态",
)
EXPORT_COLUMNS: tuple[str, ...] = IMPORT_COLUMNS + READABLE_COLUMNS
REQUIRED_COLUMNS: tuple[str, ...] = ("criterion_id", "answer")

# 状态 of one criterion row in the export.
STATUS_UNANSWERED = "未评"
STATUS_NO_EVIDENCE = "缺佐证"  # earns points, but its indicator has no evidence at all
STATUS_DONE = "已评"

# Every key a SheetProblem can carry, with what it means (for the UI and docs).
PROBLEM_KEYS: dict[str, str] = {
    "empty": "文件为空或没有数据行",
    "not_csv": "不是 CSV 文件",
    "bad_encoding": "无法识别的文字编码",
    "missing_column": "缺少必需的列",
    "duplicate_column": "表头中同一列出现两次",
    "missing_criterion_id": "有内容的行缺少评分项编号",
    "unknown_criterion": "评分项编号不在评估指引中",
    "duplicate": "同一评分项出现两次",
    "bad_answer": "答案不符合评分项类型",
    "bad_count": "计数不是非负整数",
    "bad_points": "得分不是数字",
    "partial_points": "部分符合的得分缺失、超出范围或不是 0.5 的倍数",
    "unexpected_points": "只有部分符合才填写得分",
}

MAX_LISTED_PROBLEMS = 50  # str(SheetError) lists at most this many; `.problems` has them all

_ANSWER_WORDS: dict[str, str] = {
    "yes": YES,
    "是": YES,
    "符合": YES,
    "no": NO,
    "否": NO,
    "不符合": NO,
    "partial": PARTIAL,
    "部分": PARTIAL,
    "部分符合": PARTIAL,
}

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")

# Files people upload by mistake, recognised by their first bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "这是一个压缩包或 Excel（.xlsx）文件"),
    (b"\xd0\xcf\x11\xe0", "这是一个旧版 Excel（.xls）或 Word 文件"),
    (b"\x89PNG", "这是一张 PNG 图片"),
    (b"\xff\xd8\xff", "这是一张 JPEG 图片"),
    (b"GIF8", "这是一张 GIF 图片"),
    (b"%PDF", "这是一个 PDF 文件"),
)


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """One problem in an uploaded sheet.

    Attributes:
        row: the row number as Excel shows it (header = 1, first data row = 2), or None when
            the problem concerns the whole file.
        column: the column name, or None.
        key: short English key (see `PROBLEM_KEYS`).
        message: what is wrong, in Chinese.
    """

    row: int | None
    column: str | None
    key: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column is not None:
            where.append(f"{self.column} 列")
        prefix = "，".join(where) + "：" if where else ""
        return f"{prefix}{self.message} [{self.key}]"


class SheetError(ValueError):
    """The sheet was refused as a whole; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__(self._text())

    def _text(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            shown.append(f"……另有 {rest} 处问题")
        head = f"答题表有 {len(self.problems)} 处问题，未导入任何内容："
        return "\n".join([head, *shown])

    def __str__(self) -> str:
        return self._text()


# ---------------------------------------------------------------------------------------------
# Import


def _file_error(key: str, message: str) -> SheetError:
    return SheetError([SheetProblem(None, None, key, message)])


def _decode(data: bytes) -> str:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _file_error("not_csv", f"{what}，不是 CSV。请在 Excel 中另存为 CSV。")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetError(
                [SheetProblem(None, None, "bad_encoding", "文件标明为 UTF-16 编码，但内容无法解码")]
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise SheetError(
                    [
                        SheetProblem(
                            None,
                            None,
                            "bad_encoding",
                            "无法识别文件的文字编码（支持 UTF-8 和 GBK/GB18030），"
                            "请在 Excel 中另存为「CSV UTF-8」",
                        )
                    ]
                ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise SheetError([SheetProblem(None, None, "not_csv", "文件含有二进制内容，不是 CSV")])
    return text


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _unquote(cell: str) -> str:
    """Reverse the export's formula neutralisation (one leading quote)."""
    return cell[1:] if _QUOTED.match(cell) else cell


def _norm(cell: str) -> str:
    """Width-, case- and space-insensitive form of a short token (id, answer, number)."""
    return unicodedata.normalize("NFKC", cell).strip().casefold()


def _parse_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        return None
    return int(f) if math.isfinite(f) and f == int(f) else None


def _problem_key(criterion: Criterion, answer: Answer) -> tuple[str, str]:
    """Key and column for the problem `answer_problem` found (it states the rule)."""
    v = answer.value
    if v is None:
        return "unexpected_points", "points"
    if criterion.kind == "count":
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
            return "unexpected_points", "points"
        return "bad_count", "answer"
    if v not in (YES, NO, PARTIAL):
        return "bad_answer", "answer"
    if v == PARTIAL:
        return "partial_points", "points"
    return "unexpected_points", "points"


def read_sheet(data: bytes, rubric: Rubric) -> dict[str, Answer]:
    """Read an answer-sheet CSV into answers, or refuse it as a whole.

    Args:
        data: the file's bytes.
        rubric: the rubric the ids and answers are checked against.

    Returns:
        Answers by criterion id, for every row that has an answer, evidence or a note.

    Raises:
        SheetError: anything is wrong; `.problems` lists every problem with its row and column.
    """
    if not data.strip():
        raise SheetError([SheetProblem(None, None, "empty", "文件是空的")])
    text = _decode(data)
    if not text.strip():
        raise SheetError([SheetProblem(None, None, "empty", "文件是空的")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    problems: list[SheetProblem] = []
    try:
        header = next(reader)
        columns: dict[str, int] = {}
        for i, name in enumerate(header):
            key = _norm(_unquote(name))
            if key in IMPORT_COLUMNS:
                if key in columns:
                    problems.append(
                        SheetProblem(1, key, "duplicate_column", f"表头中 {key} 列出现了两次")
                    )
                else:
                    columns[key] = i
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        for c in missing:
            shown = "、".join(h.strip() for h in header if h.strip())[:200] or "（空）"
            problems.append(
                SheetProblem(1, c, "missing_column", f"表头缺少必需的 {c} 列（现有表头：{shown}）")
            )
        if problems:
            raise SheetError(problems)
        answers, data_rows = _read_rows(reader, columns, rubric, problems)
    except csv.Error as exc:
        problems.append(
            SheetProblem(
                reader.line_num or None,
                None,
                "not_csv",
                f"无法按 CSV 解析（{exc}），请在 Excel 中另存为 CSV",
            )
        )
        raise SheetError(problems) from None
    if data_rows == 0 and not problems:
        problems.append(SheetProblem(None, None, "empty", "只有表头，没有任何评分项行"))
    if problems:
        raise SheetError(problems)
    return answers


def _read_rows(
    reader: csv.Reader, columns: dict[str, int], rubric: Rubric, problems: list[SheetProblem]
) -> tuple[dict[str, Answer], int]:
    criteria = rubric.criteria
    answers: dict[str, Answer] = {}
    first_seen: dict[str, int] = {}
    data_rows = 0

    def cell(cells: list[str], name: str) -> str:
        i = columns.get(name)
        return _unquote(cells[i]) if i is not None and i < len(cells) else ""

    for row, cells in enumerate(reader, start=2):
        raw = {name: cell(cells, name) for name in IMPORT_COLUMNS}
        if not any(c.strip() for c in cells):
            continue  # an empty line
        data_rows += 1
        cid = _norm(raw["criterion_id"])
        if not cid:
            if any(raw[n].strip() for n in IMPORT_COLUMNS):
                problems.append(
                    SheetProblem(
                        row,
                        "criterion_id",
                        "missing_criterion_id",
                        "此行填写了内容，但没有评分项编号（criterion_id）",
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

        answer_text = _norm(raw["answer"])
        value: str | int | None
        if not answer_text:
            value = None
        elif criterion.kind == "count":
            n = _parse_int(answer_text)
            value = raw["answer"].strip() if n is None else n
        else:
            value = _ANSWER_WORDS.get(answer_text, raw["answer"].strip())

        points_text = _norm(raw["points"])
        points: float | None = None
        if points_text:
            try:
                points = float(points_text)
            except ValueError:
                points = None
            if points is None or not math.isfinite(points):
                shown = raw["points"].strip()
                problems.append(
                    SheetProblem(row, "points", "bad_points", f"得分应为数字，实为「{shown}」")
                )
                continue

        answer = Answer(value, points, evidence=raw["evidence"], note=raw["note"])
        problem = answer_problem(criterion, answer)
        if problem is not None:
            key, column = _problem_key(criterion, answer)
            problems.append(SheetProblem(row, column, key, f"评分项 {cid}：{problem}"))
            continue
        if not answer.is_blank():
            answers[cid] = answer
    return answers, data_rows


# ---------------------------------------------------------------------------------------------
# Export


def _status(answer: Answer | None, points: float, indicator_flags: tuple[str, ...]) -> str:
    if answer is None or answer.value is None:
        return STATUS_UNANSWERED
    if points > 0 and NO_EVIDENCE in indicator_flags:
        return STATUS_NO_EVIDENCE
    return STATUS_DONE


def export_rows(rubric: Rubric, answers: Mapping[str, Answer]) -> list[dict[str, object]]:
    """The export rows, one per criterion in rubric order, with `EXPORT_COLUMNS` keys.

    Values are raw (not neutralised against formulas): ``answer`` is "yes"/"no"/"partial", an
    int, or None; ``points`` a float or None; ``evidence``/``note`` str; ``指标`` the indicator
    number; ``满分`` the criterion's points (for count criteria: points per unit); ``得分`` the
    criterion's own points before its indicator's cap or max-combine; ``评估方式`` the methods
    joined with "、"; ``状态`` 未评 / 缺佐证 (earns points but its indicator has no evidence) /
    已评.
    """
    result = score(rubric, answers)
    rows: list[dict[str, object]] = []
    for item, content, ind in rubric.indicators():
        flags = result.indicators[ind.id].flags
        methods = "、".join(ind.methods)
        for c in ind.criteria:
            a = answers.get(c.id)
            earned = result.criteria[c.id]
            rows.append(
                {
                    "criterion_id": c.id,
                    "answer": a.value if a is not None else None,
                    "points": a.points if a is not None else None,
                    "evidence": a.evidence if a is not None else "",
                    "note": a.note if a is not None else "",
                    "评估项目": item.name,
                    "评估内容": content.name,
                    "指标": ind.id,
                    "评分项": c.text,
                    "满分": c.points,
                    "得分": earned,
                    "评估方式": methods,
                    "状态": _status(a, earned, flags),
                }
            )
    return rows


def neutralise(text: str) -> str:
    """Make a cell safe from formula injection (reversed by `read_sheet`)."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        text = f"{value:g}"
        return text if float(text) == value else repr(value)
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def write_sheet(rubric: Rubric, answers: Mapping[str, Answer]) -> bytes:
    """The answer sheet as CSV bytes: UTF-8 with BOM, `EXPORT_COLUMNS`, one row per criterion.

    Unanswered criteria are included with a blank answer, so the file doubles as a blank form.
    Text cells that could start a spreadsheet formula are prefixed with ``'``.
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(rubric, answers):
        writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def sheet_filename(unit_name: str, date: dt.date) -> str:
    """A download name such as ``自评_某某机关事务管理局_2026-05-01.csv``.

    Characters that Windows, macOS or Linux refuse in file names are removed; whitespace
    becomes ``_``; an empty unit name is left out.
    """
    unit = _UNSAFE_FILENAME.sub("", unicodedata.normalize("NFC", unit_name))
    unit = re.sub(r"\s+", "_", unit).strip("._ ")[:60]
    parts = ["自评", unit, date.isoformat()] if unit else ["自评", date.isoformat()]
    return "_".join(parts) + ".csv"
