"""The formal review (正式评估): the 评估组's verdicts beside the unit's own claims.

A verdict is the panel's answer to one criterion, in the same answer kinds as the unit's
(`jiguan.scoring.Answer` values and partial points), plus the reason (扣分理由/评审意见) and an
optional note on what was seen on site (实地查看). Both sheets are scored by the one engine
(`jiguan.scoring.score`); everything here is a difference of two `Result`s. Pure functions.

A verdict *differs* from the claim when the criterion earns different points under it
(`criterion_points`): 部分符合 1.5 against 符合 2 differs, 不符合 against 未评 does not (both
earn nothing; there is no claim to refuse). Every differing verdict needs a reason before the
review can be finalised (`finalise_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jiguan.rubric import Criterion, Rubric
from jiguan.scoring import Answer, Result, criterion_points, incomplete, score

OPEN, FINAL = "open", "final"
STATE_LABELS = {OPEN: "评审中", FINAL: "已定稿"}
MAX_REASON_CHARS = 2000
SITE_PREFIX = "实地查看："


@dataclass(frozen=True, slots=True)
class Verdict:
    """The panel's verdict on one criterion.

    Attributes:
        value: as `Answer.value` ("yes"/"no"/"partial", a count, None = not yet reviewed).
        points: only with "partial", as `Answer.points`.
        reason: 扣分理由 / 评审意见 (required where the verdict differs from the claim).
        site_note: what the panel saw on site (实地查看), optional.
    """

    value: str | int | None = None
    points: float | None = None
    reason: str = ""
    site_note: str = ""

    @property
    def answer(self) -> Answer:
        """The verdict as an answer the scoring engine reads."""
        return Answer(self.value, self.points)

    @property
    def reviewed(self) -> bool:
        """Judged: a value, and a 部分符合 with its points (else it is incomplete)."""
        return self.value is not None and not incomplete(self.value, self.points)

    def is_blank(self) -> bool:
        return self.value is None and not self.reason.strip() and not self.site_note.strip()


def panel_sheet(verdicts: Mapping[str, Verdict]) -> dict[str, Answer]:
    """The panel's verdicts as an answer sheet for `score`, reports and charts."""
    return {cid: v.answer for cid, v in verdicts.items() if v.reviewed}


def differs(criterion: Criterion, claim: Answer | None, verdict: Verdict | None) -> bool:
    """The reviewed verdict gives the criterion other points than the unit claimed."""
    if verdict is None or not verdict.reviewed:
        return False
    return criterion_points(criterion, claim) != criterion_points(criterion, verdict.answer)


def finalise_problems(
    rubric: Rubric, claims: Mapping[str, Answer], verdicts: Mapping[str, Verdict]
) -> list[str]:
    """What stops the review from being finalised (Chinese lines; empty: it may be)."""
    unreviewed = [cid for cid in rubric.criteria if not _reviewed(verdicts, cid)]
    no_reason = [
        cid
        for cid, c in rubric.criteria.items()
        if differs(c, claims.get(cid), verdicts.get(cid)) and not verdicts[cid].reason.strip()
    ]
    problems = []
    if unreviewed:
        problems.append(f"尚未评定的评分项（{len(unreviewed)} 项）：{_ids(unreviewed)}")
    if no_reason:
        problems.append(
            f"评定与单位自评不同但未填写扣分理由/评审意见的评分项（{len(no_reason)} 项）："
            f"{_ids(no_reason)}"
        )
    return problems


def _reviewed(verdicts: Mapping[str, Verdict], cid: str) -> bool:
    v = verdicts.get(cid)
    return v is not None and v.reviewed


def _ids(ids: Sequence[str], limit: int = 20) -> str:
    shown = "、".join(ids[:limit])
    return shown + (f" 等 {len(ids)} 项" if len(ids) > limit else "")


# ---------------------------------------------------------------------------------------------
# Side by side


@dataclass(frozen=True, slots=True)
class CriterionRow:
    criterion_id: str
    indicator_id: int
    claim: Answer | None
    verdict: Verdict | None
    self_points: float
    panel_points: float
    differs: bool

    @property
    def difference(self) -> float:
        """Panel minus self (negative: the panel gave less)."""
        return self.panel_points - self.self_points


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    indicator_id: int
    item: str
    max: float
    self_score: float
    panel_score: float
    criteria: tuple[CriterionRow, ...]

    @property
    def difference(self) -> float:
        return self.panel_score - self.self_score

    @property
    def differs(self) -> bool:
        """The indicator's score moved, or one of its criteria did (the cap may hide it)."""
        return self.difference != 0 or any(r.differs for r in self.criteria)

    @property
    def reasons(self) -> list[tuple[str, str]]:
        """(criterion id, reason) for every verdict here that carries one."""
        return [
            (r.criterion_id, r.verdict.reason.strip())
            for r in self.criteria
            if r.verdict is not None and r.verdict.reason.strip()
        ]


@dataclass(frozen=True, slots=True)
class ItemRow:
    name: str
    max: float
    self_score: float
    panel_score: float

    @property
    def difference(self) -> float:
        return self.panel_score - self.self_score


@dataclass(frozen=True, slots=True)
class ReviewComparison:
    """The unit's claims and the panel's verdicts, both scored by the one engine."""

    self_result: Result
    panel_result: Result
    indicators: tuple[IndicatorRow, ...]
    items: tuple[ItemRow, ...]

    @property
    def difference(self) -> float:
        return self.panel_result.total - self.self_result.total

    @property
    def criteria(self) -> list[CriterionRow]:
        return [row for ind in self.indicators for row in ind.criteria]

    def differences(self) -> list[CriterionRow]:
        """Every criterion whose verdict differs from the claim, in rubric order."""
        return [row for row in self.criteria if row.differs]

    def biggest_gaps(self, limit: int | None = None) -> list[IndicatorRow]:
        """Indicators that differ, the largest absolute difference first (then rubric order)."""
        rows = [r for r in self.indicators if r.differs]
        rows.sort(key=lambda r: -abs(r.difference))
        return rows if limit is None else rows[:limit]


def compare_review(
    rubric: Rubric, claims: Mapping[str, Answer], verdicts: Mapping[str, Verdict]
) -> ReviewComparison:
    """Self against panel per criterion, indicator and item."""
    self_result = score(rubric, claims)
    panel_result = score(rubric, panel_sheet(verdicts))
    indicators = []
    for item, _, ind in rubric.indicators():
        rows = tuple(
            CriterionRow(
                c.id,
                ind.id,
                claims.get(c.id),
                verdicts.get(c.id),
                self_result.criteria[c.id],
                panel_result.criteria[c.id],
                differs(c, claims.get(c.id), verdicts.get(c.id)),
            )
            for c in ind.criteria
        )
        indicators.append(
            IndicatorRow(
                ind.id,
                item.name,
                ind.max,
                self_result.indicators[ind.id].score,
                panel_result.indicators[ind.id].score,
                rows,
            )
        )
    items = tuple(
        ItemRow(s.name, s.max, s.score, p.score)
        for s, p in zip(self_result.items, panel_result.items, strict=True)
    )
    return ReviewComparison(self_result, panel_result, tuple(indicators), items)


# ---------------------------------------------------------------------------------------------
# Round over round


@dataclass(frozen=True, slots=True)
class Round:
    """One round in the chain: its label, the sheet scored, and whose score it is."""

    label: str
    result: Result
    basis: str  # 「评估组定稿」 or 「单位自评」


@dataclass(frozen=True, slots=True)
class Movement:
    """An indicator or item whose score changed from the previous round to the latest."""

    name: str
    before: float
    after: float
    max: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Progress:
    rounds: tuple[Round, ...]
    items: tuple[tuple[str, float, tuple[float, ...]], ...]  # name, max, score per round
    indicators: tuple[tuple[int, float, tuple[float, ...]], ...]  # id, max, score per round

    @property
    def totals(self) -> list[float]:
        return [r.result.total for r in self.rounds]

    def improved(self) -> list[Movement]:
        """Indicators that gained from the previous round to the latest, biggest gain first."""
        return sorted((m for m in self._moves() if m.change > 0), key=lambda m: -m.change)

    def fell_back(self) -> list[Movement]:
        """Indicators that lost from the previous round to the latest, biggest loss first."""
        return sorted((m for m in self._moves() if m.change < 0), key=lambda m: m.change)

    def _moves(self) -> list[Movement]:
        if len(self.rounds) < 2:
            return []
        return [
            Movement(f"指标 {ind}", scores[-2], scores[-1], mx)
            for ind, mx, scores in self.indicators
            if scores[-1] != scores[-2]
        ]


def round_progress(
    rubric: Rubric, rounds: Sequence[tuple[str, Mapping[str, Answer], str]]
) -> Progress:
    """Scores round over round (oldest first) per item and indicator.

    Args:
        rounds: (label, answer sheet, basis) per round, oldest first; the sheet is the panel's
            when its review is finalised, else the unit's own.
    """
    scored = tuple(Round(label, score(rubric, sheet), basis) for label, sheet, basis in rounds)
    items = tuple(
        (g.name, g.max, tuple(r.result.items[i].score for r in scored))
        for i, g in enumerate(scored[0].result.items if scored else ())
    )
    indicators = tuple(
        (ind.id, ind.max, tuple(r.result.indicators[ind.id].score for r in scored))
        for _, _, ind in rubric.indicators()
    )
    return Progress(scored, items, indicators)


__all__ = [
    "FINAL",
    "OPEN",
    "SITE_PREFIX",
    "STATE_LABELS",
    "CriterionRow",
    "IndicatorRow",
    "ItemRow",
    "Movement",
    "Progress",
    "ReviewComparison",
    "Round",
    "Verdict",
    "compare_review",
    "differs",
    "finalise_problems",
    "panel_sheet",
    "round_progress",
]
