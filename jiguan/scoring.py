"""The one scoring engine: answers in, scores at every level out. Pure functions.

An answer sheet maps criterion id -> Answer. A criterion without an Answer (or with value
None) is unanswered: it scores 0 but is not the same as "no".

"Done means the score can no longer change": an indicator is complete (not flagged 未评) when
every criterion is answered, or when no blank criterion could raise its score (指标 17 at its
cap; 37/38 with the highest level met). `_raised` is that rule's one definition: `score` asks it
about the blank criteria, `room` (提分空间) about every criterion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from jiguan.limits import MAX_COUNT
from jiguan.rubric import Criterion, Indicator, Rubric

YES, NO, PARTIAL = "yes", "no", "partial"
UNANSWERED = "unanswered"
NO_EVIDENCE = "no_evidence"
FLAG_LABELS = {UNANSWERED: "未评", NO_EVIDENCE: "缺佐证"}
# Words for a choice; a count (int) has none, so looking one up finds nothing.
ANSWER_LABELS: dict[str | int | None, str] = {
    YES: "符合",
    PARTIAL: "部分符合",
    NO: "不符合",
    None: "未评",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """One criterion's answer.

    Attributes:
        value: "yes" / "no" / "partial" for check criteria, a non-negative int for count
            criteria, None when unanswered.
        points: the points granted, only with "partial".
        evidence: evidence entries (document names, 文号, links), one per line.
        note: free text.
        attachments: how many evidence files are attached (they count as evidence).
    """

    value: str | int | None = None
    points: float | None = None
    evidence: str = ""
    note: str = ""
    attachments: int = 0

    @property
    def answered(self) -> bool:
        return self.value is not None and not self.incomplete

    @property
    def incomplete(self) -> bool:
        """部分符合 chosen, its points not yet: kept as chosen, counted as 未评."""
        return incomplete(self.value, self.points)

    @property
    def has_evidence(self) -> bool:
        return bool(self.attachments) or bool(self.evidence.strip())

    def is_blank(self) -> bool:
        """Nothing at all was entered for this criterion."""
        return self.value is None and not self.evidence.strip() and not self.note.strip()


INCOMPLETE_WORDS = "未完成：请选择分数"


def incomplete(value: object, points: float | None) -> bool:
    """A 部分符合 whose points are not chosen yet: the one rule, for answers and verdicts."""
    return value == PARTIAL and points is None


PARTIAL_NOT_ALLOWED = "本评估指引不设「部分符合」，请填写符合或不符合"
PARTIAL_NOTE = "「部分符合」及其分值是本工具沿用的评审做法，附件2 原文每项只规定「得 N 分」。"


def answer_words(criterion: Criterion, answer: object | None) -> str:
    """An answer (or a review verdict: anything with ``value`` and ``points``) in words:
    符合, 部分符合（1.5 分）, 2 项, 未评."""
    value = getattr(answer, "value", None)
    if value is None:
        return ANSWER_LABELS[None]
    if criterion.kind == "count":
        return f"{value} {criterion.unit or '项'}"
    label = ANSWER_LABELS.get(value, str(value))
    points = getattr(answer, "points", None)
    if value == PARTIAL:
        return f"{label}（{points:g} 分）" if points is not None else f"{label}（未选分数）"
    return label


def answer_problem(
    criterion: Criterion, answer: Answer, *, allow_partial: bool = True
) -> str | None:
    """Why this answer does not fit the criterion (Chinese), or None when it is valid.

    ``allow_partial`` is the rubric's `allow_partial` (False: 部分符合 is refused).
    """
    value = answer.value
    if value is None:
        if answer.points is not None:
            return "未作答时不应填写部分得分"
        return None
    if criterion.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"计数评分项的答案应为非负整数（{criterion.unit or '项'}数），实为「{value}」"
        if value < 0:
            return f"计数不能为负数，实为 {value}"
        if value > MAX_COUNT:
            return f"计数超过上限 {MAX_COUNT:,}，实为 {value:,}（请核对是否多填了数字）"
        if answer.points is not None:
            return "计数评分项不填写部分得分，得分按数量自动计算"
        return None
    if value not in (YES, NO, PARTIAL):
        return f"评定应为 符合、部分符合 或 不符合，实为「{value}」"
    if value == PARTIAL:
        if not allow_partial:
            return PARTIAL_NOT_ALLOWED
        p = answer.points
        if p is None:  # chosen, points still to choose: saved as incomplete (未评)
            return None
        if not 0 < p < criterion.points:
            return f"部分符合的得分须大于 0 且小于满分 {criterion.points:g}，实为 {p:g}"
        if (p * 2) != int(p * 2):
            return f"部分符合的得分须以 0.5 为单位，实为 {p:g}"
    elif answer.points is not None:
        return "只有部分符合才填写部分得分"
    return None


def criterion_points(criterion: Criterion, answer: Answer | None) -> float:
    """Points one criterion earns on its own (before the indicator's combine and cap)."""
    if answer is None or not answer.answered or answer.value is None:  # answered has a value
        return 0.0
    value = answer.value
    if criterion.kind == "count":
        return float(value) * criterion.points
    if value == YES:
        return criterion.points
    if value == PARTIAL:
        return float(answer.points or 0.0)
    return 0.0


class IndicatorResult(NamedTuple):
    id: int
    score: float
    max: float
    answered: int  # criteria answered
    criteria: int  # criteria in all
    has_evidence: bool
    flags: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """No blank criterion could still change the score (see the module docstring)."""
        return UNANSWERED not in self.flags

    @property
    def settled(self) -> int:
        """Criteria that are answered or can no longer change the score."""
        return self.criteria if self.complete else self.answered


class GroupResult(NamedTuple):
    """An item (评估项目) or content (评估内容)."""

    name: str
    score: float
    max: float
    item: str = ""  # for contents: the item it belongs to

    @property
    def pct(self) -> float:
        return 100.0 * self.score / self.max if self.max else 0.0


@dataclass(frozen=True, slots=True)
class Result:
    total: float
    max: float
    answered: int
    criteria_count: int
    criteria: dict[str, float]
    indicators: dict[int, IndicatorResult]
    contents: tuple[GroupResult, ...]
    items: tuple[GroupResult, ...]
    pass_line: float | None = field(default=None)

    @property
    def settled(self) -> int:
        """Criteria answered, plus the blank ones of complete indicators (they cannot count)."""
        return sum(r.settled for r in self.indicators.values())

    @property
    def completion(self) -> float:
        """Share of criteria settled (answered or no longer able to change the score), 0..1."""
        return self.settled / self.criteria_count if self.criteria_count else 1.0

    @property
    def flagged(self) -> list[IndicatorResult]:
        return [r for r in self.indicators.values() if r.flags]

    @property
    def passed(self) -> bool | None:
        return None if self.pass_line is None else self.total >= self.pass_line


# id, ((criterion id, is count, points), ...), combine is max, cap, indicator max
_IndicatorPlan = tuple[int, tuple[tuple[str, bool, float], ...], bool, float | None, float]


@dataclass(frozen=True, slots=True)
class _Plan:
    """The rubric flattened once, so scoring many sheets stays cheap."""

    indicators: tuple[_IndicatorPlan, ...]
    contents: tuple[tuple[str, str, float, tuple[int, ...]], ...]  # item, name, max, indicator idx
    items: tuple[tuple[str, float, tuple[int, ...]], ...]  # name, max, content idx
    criteria_count: int


_plans: dict[int, tuple[Rubric, _Plan]] = {}
_UNLIMITED = float("inf")  # what a count criterion could add before the cap


def _raised(raw: float, earned: float, best: float, combine_max: bool, cap: float | None) -> float:
    """The indicator's score if one criterion earned ``best`` instead of ``earned``.

    ``raw`` is the indicator's combined points before the cap. For combine max, ``best`` is
    never below ``earned``, so the others' maximum need not be known.
    """
    lifted = max(raw, best) if combine_max else raw - earned + best
    return min(lifted, cap) if cap is not None else lifted


def _plan(rubric: Rubric) -> _Plan:
    cached = _plans.get(id(rubric))
    if cached is not None and cached[0] is rubric:
        return cached[1]
    indicators: list[_IndicatorPlan] = []
    contents: list[tuple[str, str, float, tuple[int, ...]]] = []
    items: list[tuple[str, float, tuple[int, ...]]] = []
    for item in rubric.items:
        content_idx = []
        for content in item.contents:
            ind_idx = []
            for ind in content.indicators:
                ind_idx.append(len(indicators))
                crits = tuple((c.id, c.kind == "count", c.points) for c in ind.criteria)
                indicators.append((ind.id, crits, ind.combine == "max", ind.cap, ind.max))
            content_idx.append(len(contents))
            contents.append((item.name, content.name, content.max, tuple(ind_idx)))
        items.append((item.name, item.max, tuple(content_idx)))
    plan = _Plan(tuple(indicators), tuple(contents), tuple(items), len(rubric.criteria))
    _plans[id(rubric)] = (rubric, plan)
    return plan


def score(rubric: Rubric, answers: Mapping[str, Answer]) -> Result:
    """Score one answer sheet against the rubric.

    Answers are assumed valid (see `answer_problem`); ids not in the rubric are ignored.
    """
    plan = _plan(rubric)
    per_criterion: dict[str, float] = {}
    ind_scores: list[float] = []
    ind_results: dict[int, IndicatorResult] = {}
    answered_total = 0
    get = answers.get
    # Inlined criterion_points/has_evidence: this loop is the hot path when a trainer or a
    # provincial office scores thousands of sheets (see bench/bench_scoring.py).
    for ind_id, crits, combine_max, cap, ind_max in plan.indicators:
        s = 0.0
        answered = 0
        evidence = False
        top_blank = 0.0  # the most a blank criterion could earn on its own
        for cid, is_count, full in crits:
            a = get(cid)
            p = 0.0
            blank = True
            if a is not None:
                v = a.value
                if v is not None and not (v == PARTIAL and a.points is None):
                    blank = False
                    answered += 1
                    if is_count:
                        p = v * full  # type: ignore[operator]  # a count is an int
                    elif v == YES:
                        p = full
                    elif v == PARTIAL:
                        p = a.points or 0.0
                if not evidence and (a.attachments or (a.evidence and a.evidence.strip())):
                    evidence = True
            if blank and top_blank < full:
                top_blank = _UNLIMITED if is_count else full
            per_criterion[cid] = p
            if combine_max:
                if p > s:
                    s = p
            else:
                s += p
        raw = s
        if cap is not None and s > cap:
            s = cap
        flags: tuple[str, ...]
        if top_blank and _raised(raw, 0.0, top_blank, combine_max, cap) > s:
            flags = (UNANSWERED, NO_EVIDENCE) if s > 0 and not evidence else (UNANSWERED,)
        else:
            flags = (NO_EVIDENCE,) if s > 0 and not evidence else ()
        answered_total += answered
        ind_scores.append(s)
        ind_results[ind_id] = IndicatorResult(
            ind_id, s, ind_max, answered, len(crits), evidence, flags
        )
    content_scores = []
    content_results = []
    for item, name, mx, idx in plan.contents:
        s = 0.0
        for i in idx:
            s += ind_scores[i]
        content_scores.append(s)
        content_results.append(GroupResult(name, s, mx, item))
    item_results = []
    total = 0.0
    for name, mx, idx in plan.items:
        s = 0.0
        for c in idx:
            s += content_scores[c]
        total += s
        item_results.append(GroupResult(name, s, mx, ""))
    return Result(
        total=total,
        max=rubric.max,
        answered=answered_total,
        criteria_count=plan.criteria_count,
        criteria=per_criterion,
        indicators=ind_results,
        contents=tuple(content_results),
        items=tuple(item_results),
        pass_line=rubric.pass_line,
    )


def indicator_score(indicator: Indicator, earned: Sequence[float]) -> float:
    """An indicator's score from its criteria's own points (in rubric order): summed or the
    highest level only, then capped. `score` inlines the same rule on its hot path."""
    raw = max(earned, default=0.0) if indicator.combine == "max" else float(sum(earned))
    return min(raw, indicator.cap) if indicator.cap is not None else raw


def counted_points(rubric: Rubric, result: Result) -> dict[str, float]:
    """Each criterion's share of the total: its points after its indicator's rule.

    A capped indicator's criteria count in rubric order until the cap is reached (17.1 = 6 and
    17.3 = 6 under a cap of 10 count 6 and 4); a highest-level-only indicator counts its first
    criterion with the highest points and 0 for the others. So the values sum to the total.
    """
    counted: dict[str, float] = {}
    for _, _, ind in rubric.indicators():
        left = result.indicators[ind.id].score
        for c in ind.criteria:
            own = result.criteria[c.id]
            share = min(own, left) if ind.combine == "sum" or own >= left else 0.0
            counted[c.id] = share
            left -= share
    return counted


def points_at_stake(rubric: Rubric, result: Result, indicator_id: int) -> float:
    """What an indicator is worth for the pre-review list.

    For a no_evidence indicator, the points it claims (which a reviewer may refuse); for an
    unanswered one, what it could still add.
    """
    r = result.indicators[indicator_id]
    return r.score if NO_EVIDENCE in r.flags else r.max - r.score


def room(rubric: Rubric, result: Result, indicator_id: int) -> dict[str, float]:
    """提分空间: for each criterion of the indicator whose full credit would raise the score,
    how many points it would add (a count criterion: enough units to reach the cap)."""
    ind = rubric.indicator_by_id[indicator_id]
    earned = [result.criteria.get(c.id, 0.0) for c in ind.criteria]
    combine_max = ind.combine == "max"
    raw = max(earned) if combine_max else sum(earned)
    now = result.indicators[indicator_id].score
    gains: dict[str, float] = {}
    for c, p in zip(ind.criteria, earned, strict=True):
        best = _UNLIMITED if c.kind == "count" else c.points
        gain = _raised(raw, p, best, combine_max, ind.cap) - now
        if gain > 0:
            gains[c.id] = gain
    return gains


def all_yes(rubric: Rubric, *, evidence: str = "") -> dict[str, Answer]:
    """A sheet that claims everything: yes on every check, enough units on every count."""
    sheet: dict[str, Answer] = {}
    for _, _, ind in rubric.indicators():
        for c in ind.criteria:
            if c.kind == "count":
                n = int(-(-ind.max // c.points))  # ceil: enough to reach the cap alone
                sheet[c.id] = Answer(n, evidence=evidence)
            else:
                sheet[c.id] = Answer(YES, evidence=evidence)
    return sheet
