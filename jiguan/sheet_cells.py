"""Reading one answer from its cells (part of the CSV contract in `jiguan.sheet`): the unit's
评定/部分得分 and the 评估组's review columns follow the same words, bounds and refusals."""

from __future__ import annotations

import math
import unicodedata

from jiguan.limits import MAX_COUNT
from jiguan.rubric import Criterion
from jiguan.scoring import NO, PARTIAL, YES, Answer, answer_problem
from jiguan.sheet_decode import SheetProblem

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


def norm(cell: str) -> str:
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


def _problem_key(criterion: Criterion, answer: Answer, allow_partial: bool) -> tuple[str, str]:
    """Key and column for the problem `answer_problem` found (it states the rule)."""
    v = answer.value
    if v == PARTIAL and not allow_partial:
        return "partial_not_allowed", "answer"
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


def read_choice(
    row: int,
    cid: str,
    criterion: Criterion,
    answer_raw: str,
    points_raw: str,
    prefix: str,
    problems: list[SheetProblem],
    allow_partial: bool = True,
) -> tuple[str | int | None, float | None] | None:
    """A row's (value, points) from an answer and a points cell: the unit's, or with
    ``prefix`` "review_" the panel's. None after adding its problem."""
    who = "评估组" if prefix else ""
    answer_text = norm(answer_raw)
    value: str | int | None
    if not answer_text:
        value = None
    elif criterion.kind == "count":
        n = _parse_int(answer_text)
        value = answer_raw.strip() if n is None else n
        if n is not None and n > MAX_COUNT:
            problems.append(
                SheetProblem(
                    row,
                    prefix + "answer",
                    "bad_count",
                    f"评分项 {cid}：{who}计数 {n} 超过上限 {MAX_COUNT:,}（请核对是否多填了数字）",
                )
            )
            return None
    else:
        value = _ANSWER_WORDS.get(answer_text, answer_raw.strip())

    points_text = norm(points_raw)
    points: float | None = None
    if points_text:
        try:
            points = float(points_text)
        except ValueError:
            points = None
        if points is None or not math.isfinite(points):
            shown = points_raw.strip()
            problems.append(
                SheetProblem(
                    row, prefix + "points", "bad_points", f"{who}得分应为数字，实为「{shown}」"
                )
            )
            return None
    answer = Answer(value, points)
    problem = answer_problem(criterion, answer, allow_partial=allow_partial)
    if problem is not None:
        key, column = _problem_key(criterion, answer, allow_partial)
        problems.append(SheetProblem(row, prefix + column, key, f"评分项 {cid}：{who}{problem}"))
        return None
    return value, points
