"""The formal review (正式评估): the 评估组's verdicts beside the unit's own claims.

A verdict is the panel's answer to one criterion, in the same answer kinds as the unit's
(`jiguan.scoring.Answer` values and partial points), plus the reason (扣分理由/评审意见) and an
optional note on what was seen on site (实地查看). Both sheets are scored by the one engine
(`jiguan.scoring.score`); everything here is a difference of two `Result`s. Pure functions.

A verdict *differs* from the claim when the criterion earns different points under it
(`criterion_points`): 部分符合 1.5 against 符合 2 differs, 不符合 against 未评 does not (both
earn nothing; there is no claim to refuse). Every differing verdict needs a reason before the
review can be finalised (`finalise_problems`).

What a difference does to the total is computed here once (`CriterionRow.effect`): the
differing verdicts of an indicator are applied one by one in rubric order, starting from the
unit's claims, and each entry's effect is the change of the indicator's score (after its cap and
highest-level rule) it makes. So the effects of an indicator sum to its difference and all of
them to the difference of the totals; a verdict that moves nothing says why (`effect_note`).
Every document and page listing differences reads these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from jiguan.rubric import Criterion, Indicator, Rubric
from jiguan.scoring import (
    Answer,
    Result,
    counted_points,
    criterion_points,
    incomplete,
    indicator_score,
    room,
    score,
)

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
    unreviewed = _needed_unreviewed(rubric, verdicts)
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


def _needed_unreviewed(rubric: Rubric, verdicts: Mapping[str, Verdict]) -> list[str]:
    """Unjudged criteria that could still change the panel's score: a lower level once a
    higher one is 符合, or any criterion of an indicator at its cap, is not asked for (the
    engine's "done means the score can no longer change", `scoring.room`)."""
    result = score(rubric, panel_sheet(verdicts))
    needed = []
    for _, _, ind in rubric.indicators():
        gains = room(rubric, result, ind.id)
        needed += [c.id for c in ind.criteria if not _reviewed(verdicts, c.id) and c.id in gains]
    return needed


def _reviewed(verdicts: Mapping[str, Verdict], cid: str) -> bool:
    v = verdicts.get(cid)
    return v is not None and v.reviewed


def _ids(ids: Sequence[str], limit: int = 20) -> str:
    shown = "、".join(ids[:limit])
    return shown + (f" 等 {len(ids)} 项" if len(ids) > limit else "")


# ---------------------------------------------------------------------------------------------
# Side by side


def signed(x: float) -> str:
    """+1 / −1.5 / 0, for differences."""
    return "0" if x == 0 else ("+" if x > 0 else "−") + f"{abs(x):g}"


def _effects(
    ind: Indicator, own: Sequence[float], panel: Sequence[float], differing: Iterable[bool]
) -> list[tuple[float, str]]:
    """(effect, note) per criterion: the differing verdicts applied one by one in order."""
    earned = list(own)
    before = indicator_score(ind, earned)
    out = []
    for i, moved in enumerate(differing):
        if not moved:
            out.append((0.0, ""))
            continue
        earned[i] = panel[i]
        after = indicator_score(ind, earned)
        note = ""
        if after == before:
            why = "只取最高档" if ind.combine == "max" else f"已达上限（{ind.cap:g} 分）"
            note = f"不影响得分：指标 {ind.id} {why}"
        out.append((after - before, note))
        before = after
    return out


@dataclass(frozen=True, slots=True)
class CriterionRow:
    criterion_id: str
    indicator_id: int
    claim: Answer | None
    verdict: Verdict | None
    self_points: float
    panel_points: float
    differs: bool
    effect: float = 0.0  # on the total, after caps and tiers (see the module docstring)
    effect_note: str = ""  # why a differing verdict moves nothing, e.g. 「不影响得分：…」
    self_counted: float = 0.0  # the criterion's share of the unit's total (`counted_points`)
    panel_counted: float = 0.0  # … of the panel's total

    @property
    def difference(self) -> float:
        """Panel minus self on the criterion alone, before caps and tiers (not its effect)."""
        return self.panel_points - self.self_points

    @property
    def pending(self) -> bool:
        """Not yet judged while the claim earns points (provisional: counted as 0 for now)."""
        return (self.verdict is None or not self.verdict.reviewed) and self.self_points != 0

    @property
    def listed(self) -> bool:
        """An entry of the documents' list of differences: its effects sum to the difference."""
        return self.differs or self.pending

    @property
    def effect_text(self) -> str:
        """「总分 −1 分」, or why it moves nothing (「不影响得分：指标 17 已达上限（10 分）」)."""
        return self.effect_note or f"总分 {signed(self.effect)} 分"


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

    def listed(self) -> list[CriterionRow]:
        """The differences, then (while the review is open) the claims not yet judged, which
        count 0 for the panel for now: their effects sum to `difference`."""
        return self.differences() + [row for row in self.criteria if row.pending]

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
    self_counted = counted_points(rubric, self_result)
    panel_counted = counted_points(rubric, panel_result)
    indicators = []
    for item, _, ind in rubric.indicators():
        own = [self_result.criteria[c.id] for c in ind.criteria]
        pan = [panel_result.criteria[c.id] for c in ind.criteria]
        moved = [differs(c, claims.get(c.id), verdicts.get(c.id)) for c in ind.criteria]
        pending = [
            not _reviewed(verdicts, c.id) and p != 0 for c, p in zip(ind.criteria, own, strict=True)
        ]
        rows = tuple(
            CriterionRow(
                c.id,
                ind.id,
                claims.get(c.id),
                verdicts.get(c.id),
                own[i],
                pan[i],
                moved[i],
                effect,
                note,
                self_counted[c.id],
                panel_counted[c.id],
            )
            for i, (c, (effect, note)) in enumerate(
                zip(ind.criteria, _effects(ind, own, pan, map(max, moved, pending)), strict=True)
            )
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
    "signed",
]
