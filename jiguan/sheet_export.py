"""Writing the answer-sheet CSV (part of the contract in `jiguan.sheet`, which re-exports it).

Columns and headers are described in `jiguan.sheet`'s docstring; the formula-injection quote
rule is here (`neutralise`) with its inverse (`unquote`), so the two cannot drift apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence

from jiguan.review import Verdict, compare_review
from jiguan.rubric import Rubric
from jiguan.scoring import (
    INCOMPLETE_WORDS,
    NO,
    NO_EVIDENCE,
    PARTIAL,
    YES,
    Answer,
    counted_points,
    score,
)
from jiguan.sheet_decode import COLUMN_LABELS, REVIEW_COLUMN_LABELS

IMPORT_COLUMNS: tuple[str, ...] = tuple(COLUMN_LABELS)
READABLE_COLUMNS: tuple[str, ...] = (
    "评估项目",
    "评估内容",
    "指标",
    "评分项",
    "分值",
    "得分",
    "评估方式",
    "状态",
)
EXPORT_COLUMNS: tuple[str, ...] = IMPORT_COLUMNS + READABLE_COLUMNS
REQUIRED_COLUMNS: tuple[str, ...] = ("criterion_id", "answer")
# Written after EXPORT_COLUMNS when a review is exported (`write_sheet(..., verdicts=...)`).
REVIEW_EXPORT_COLUMNS: tuple[str, ...] = (*REVIEW_COLUMN_LABELS, "评估组得分", "对总分的影响")

# What the CSV's header row says for each export column: Chinese, with a note where a person
# editing it in Excel needs one.
EXPORT_HEADERS: dict[str, str] = {
    "criterion_id": "评分项编号",
    "answer": "评定（符合/部分符合/不符合；计数项填数量）",
    "points": "部分得分（仅部分符合时填）",
    "evidence": "佐证材料（每行一项）",
    "note": "备注",
    "attachments": "附件（已上传的佐证文件，每行一个）",
    "分值": "分值（计数项为每项分值）",
    "得分": "得分（已按指标上限和只取最高档计算，本列合计即总分）",
    "review_answer": "评估组评定（符合/部分符合/不符合；计数项填数量）",
    "review_points": "评估组部分得分（仅部分符合时填）",
    "review_reason": "评审意见（扣分理由/评审意见）",
    "评估组得分": "评估组得分（计算方法同得分）",
    "对总分的影响": "对总分的影响（已按指标上限和只取最高档计算，本列合计即两个总分之差）",
}

# The headers that change when the rubric does not allow 部分符合.
NO_PARTIAL_HEADERS: dict[str, str] = {
    "answer": "评定（符合/不符合；计数项填数量）",
    "points": "部分得分（本评估指引不设部分符合，不填）",
}

# The words export writes for check answers.
ANSWER_WORDS_OUT: dict[str, str] = {YES: "符合", PARTIAL: "部分符合", NO: "不符合"}

# 状态 of one criterion row in the export.
STATUS_UNANSWERED = "未评"
STATUS_NO_EVIDENCE = "缺佐证"  # earns points, but its indicator has no evidence at all
STATUS_DONE = "已评"
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def unquote(cell: str) -> str:
    """Reverse the export's formula neutralisation (one leading quote)."""
    return cell[1:] if _QUOTED.match(cell) else cell


def _status(answer: Answer | None, points: float, indicator_flags: tuple[str, ...]) -> str:
    if answer is not None and answer.incomplete:
        return INCOMPLETE_WORDS  # 部分符合 chosen, points not yet: counted as 未评
    if answer is None or answer.value is None:
        return STATUS_UNANSWERED
    if points > 0 and NO_EVIDENCE in indicator_flags:
        return STATUS_NO_EVIDENCE
    return STATUS_DONE


def export_rows(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    verdicts: Mapping[str, Verdict] | None = None,
    files: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, object]]:
    """The export rows, one per criterion in rubric order, with `EXPORT_COLUMNS` keys.

    Values are raw (not neutralised against formulas): ``answer`` is "yes"/"no"/"partial", an
    int, or None; ``points`` a float or None; ``evidence``/``note`` str; ``指标`` the indicator
    number; ``分值`` the criterion's points (for count criteria: points per unit); ``得分`` the
    points it counts towards the total (`counted_points`); ``评估方式`` the methods joined with
    "、"; ``状态`` 未评 / 缺佐证 (earns points but its indicator has no evidence) / 已评.
    With ``verdicts`` (the 评估组's), rows also carry `REVIEW_EXPORT_COLUMNS`: review_answer,
    review_points, review_reason raw as above, 评估组得分 as 得分 for the panel's sheet,
    对总分的影响 the verdict's effect on the total where it differs (`jiguan.review`).
    """
    result = score(rubric, answers)
    counted = counted_points(rubric, result)
    review = (
        None
        if verdicts is None
        else {r.criterion_id: r for r in compare_review(rubric, answers, verdicts).criteria}
    )
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
                    "attachments": _attached(a, (files or {}).get(c.id, ())),
                    "评估项目": item.name,
                    "评估内容": content.name,
                    "指标": ind.id,
                    "评分项": c.text,
                    "分值": c.points,
                    "得分": counted[c.id],
                    "评估方式": methods,
                    "状态": _status(a, earned, flags),
                }
            )
            if verdicts is not None and review is not None:
                v = verdicts.get(c.id) or Verdict()
                compared = review[c.id]
                rows[-1].update(
                    review_answer=v.value,
                    review_points=v.points,
                    review_reason=v.reason,
                    评估组得分=compared.panel_counted if v.reviewed else None,
                    对总分的影响=compared.effect if compared.listed else None,
                )
    return rows


def _attached(answer: Answer | None, names: Sequence[str]) -> str:
    """The 附件 cell: the files' names, one per line (a line per file when names are not
    given), so that `read_sheet` counts them back."""
    if names:
        return "\n".join(n.replace("\n", " ") for n in names)
    n = answer.attachments if answer is not None else 0
    return "\n".join(f"已上传文件 {k}" for k in range(1, n + 1))


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


def write_sheet(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    verdicts: Mapping[str, Verdict] | None = None,
    *,
    files: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """The answer sheet as CSV bytes: UTF-8 with BOM, one row per criterion.

    Headers are `EXPORT_HEADERS` (Chinese, with notes) for `EXPORT_COLUMNS`; check answers are
    written 符合/部分符合/不符合. Unanswered criteria are included with a blank answer, so the
    file doubles as a blank form. Text cells that could start a formula are prefixed with ``'``.
    With ``verdicts``, the review columns follow (`REVIEW_EXPORT_COLUMNS`).
    """
    columns = EXPORT_COLUMNS + (REVIEW_EXPORT_COLUMNS if verdicts is not None else ())
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    headers = EXPORT_HEADERS if rubric.allow_partial else {**EXPORT_HEADERS, **NO_PARTIAL_HEADERS}
    writer.writerow([headers.get(c, c) for c in columns])
    for row in export_rows(rubric, answers, verdicts, files):
        for key in ("answer", "review_answer"):
            if key in row:
                row[key] = ANSWER_WORDS_OUT.get(str(row[key]), row[key])
        writer.writerow([_cell(row[c]) for c in columns])
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
