"""Versioned cells: the unit's answer or the 评估组's verdict on one criterion. Pure.

Both are the same kind of thing: a choice (value, partial points) and two texts, kept per
(assessment, criterion) with a version and saved by compare-and-set. `CellKind` says what
differs (the texts, their labels and bound); everything else — the check before saving, the
columns, the JSON of history and journal — is written once here for both.

A 部分符合 without its points (value "partial", points None) is a legal saved state: the
choice is made but not complete. The scoring engine counts it as 未评 (`scoring.incomplete`).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from jiguan.limits import MAX_CELL_CHARS, too_long
from jiguan.review import MAX_REASON_CHARS, Verdict
from jiguan.rubric import Criterion
from jiguan.scoring import Answer, answer_problem

ANSWER, VERDICT = "answer", "verdict"
Cell = Answer | Verdict
C = TypeVar("C", Answer, Verdict)


@dataclass(frozen=True, slots=True)
class CellKind(Generic[C]):
    """What an answer and a verdict do not share.

    Attributes:
        name: ANSWER or VERDICT (a journaled change names it).
        type: Answer or Verdict.
        texts: the text fields with their Chinese labels.
        limit: characters each text may hold.
        what: the thing refused, in a message: 「评分项 1.1 未保存」 / 「…的评审意见未保存」.
    """

    name: str
    type: builtins.type[C]
    texts: tuple[tuple[str, str], ...]
    limit: int
    what: str

    @property
    def fields(self) -> tuple[str, ...]:
        return ("value", "points", *(name for name, _ in self.texts))

    def blank(self) -> C:
        return self.type()

    def problem(self, criterion: Criterion, cell: Cell) -> str | None:
        """Why ``cell`` cannot be saved for ``criterion`` (Chinese), or None."""
        if not isinstance(cell, self.type):
            return "格式不正确"
        problem = answer_problem(criterion, Answer(cell.value, cell.points))
        if problem is not None:
            return problem
        for name, label in self.texts:
            text = getattr(cell, name)
            if "\x00" in text:
                return f"{label}含有无法保存的控制字符"
            problem = too_long(label, text, self.limit)
            if problem:
                return problem
        return None

    def values(self, cell: Cell) -> dict[str, Any]:
        """The cell as table columns (a count is kept as text, like a choice)."""
        out = {
            "value": None if cell.value is None else str(cell.value),
            "points": None if cell.points is None else float(cell.points),
        }
        return out | {name: getattr(cell, name) for name, _ in self.texts}

    def from_row(self, row: Any, **extra: Any) -> C:
        value = row.value
        if value is not None and value.isdigit():
            value = int(value)
        texts: dict[str, Any] = {name: getattr(row, name) or "" for name, _ in self.texts}
        return self.type(value=value, points=row.points, **texts, **extra)

    def same(self, row: Any, cell: Cell) -> bool:
        return self.from_row(row) == self.type(
            **{name: getattr(cell, name) for name in self.fields}
        )

    def to_json(self, cell: Cell) -> dict[str, Any]:
        return {name: getattr(cell, name) for name in self.fields}

    @overload
    def from_json(self, data: Mapping[str, Any], **extra: Any) -> C: ...
    @overload
    def from_json(self, data: None, **extra: Any) -> None: ...
    @overload
    def from_json(self, data: Mapping[str, Any] | None, **extra: Any) -> C | None: ...
    def from_json(self, data: Mapping[str, Any] | None, **extra: Any) -> C | None:
        if data is None:
            return None
        texts: dict[str, Any] = {name: data.get(name) or "" for name, _ in self.texts}
        return self.type(value=data.get("value"), points=data.get("points"), **texts, **extra)


ANSWER_CELL: CellKind[Answer] = CellKind(
    ANSWER, Answer, (("evidence", "佐证材料"), ("note", "备注")), MAX_CELL_CHARS, "未保存"
)
VERDICT_CELL: CellKind[Verdict] = CellKind(
    VERDICT,
    Verdict,
    (("reason", "评审意见"), ("site_note", "实地查看")),
    MAX_REASON_CHARS,
    "的评审意见未保存",
)
KINDS: dict[str, CellKind[Answer] | CellKind[Verdict]] = {
    kind.name: kind for kind in (ANSWER_CELL, VERDICT_CELL)
}


def verdict_problem(criterion: Criterion, verdict: Verdict) -> str | None:
    """Why the verdict cannot be saved (Chinese), or None."""
    return VERDICT_CELL.problem(criterion, verdict)
