"""For trainers: each indicator's rule in plain Chinese with a worked example, a trainee's
practice against the answer key, and a workshop room's results.

Every number comes from the rubric (`jiguan.rubric`) and the one scoring engine
(`jiguan.scoring.score`); nothing here restates a criterion's text or points.

Practice assessments are ordinary assessments whose ``profile`` carries the keys below
(the interim contract, see docs/design.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jiguan.profile import PRACTICE_UNIT_PREFIX as PRACTICE_UNIT_PREFIX

# The practice keys (interim contract) live in jiguan.profile; named from here too.
from jiguan.profile import PROFILE_SAMPLE as PROFILE_SAMPLE
from jiguan.profile import PROFILE_SUBMITTED as PROFILE_SUBMITTED
from jiguan.profile import PROFILE_TRAINEE as PROFILE_TRAINEE
from jiguan.profile import PROFILE_WORKSHOP as PROFILE_WORKSHOP
from jiguan.rubric import Criterion, Indicator, Rubric
from jiguan.samples import Sample
from jiguan.scoring import NO, PARTIAL, YES, Answer, Result, score

CHECK, COUNT, HIGHEST = "check", "count", "highest"
Value = str | int | None  # a choice as `Answer.value` holds it (None: 未评)

KIND_LABELS = {CHECK: "符合判断", COUNT: "按数量计分", HIGHEST: "只取最高一级"}

# What each way of assessing asks of the evidence, matched on the words of 评估方式.
_METHOD_NOTES: tuple[tuple[str, str], ...] = (
    ("实地查看", "评估组到现场看：场所、设施、台账要在现场能看到，佐证写明地点，附照片。"),
    ("随机抽查", "评估组现场随机抽人或抽记录：不是看文件，而是看人人是否做到。"),
    ("实地走访", "评估组走访相关人员核实：准备好可以访谈的人和记录。"),
    ("查看文件", "看正式文件：发文标题和文号、制度文本，口头说明不算。"),
    ("查看", "看原件或记录：按评估方式所列材料准备，写明名称、文号或日期。"),
)


def indicator_kind(indicator: Indicator) -> str:
    """``highest`` (only the highest level counts), ``count`` (points per unit) or ``check``."""
    if indicator.combine == "max":
        return HIGHEST
    if any(c.kind == "count" for c in indicator.criteria):
        return COUNT
    return CHECK


def method_notes(methods: Sequence[str]) -> list[str]:
    """One line per 评估方式 on what it means for the evidence."""
    notes = []
    for method in methods:
        note = next((text for word, text in _METHOD_NOTES if word in method), None)
        notes.append(f"「{method}」：{note or '按此方式准备佐证材料。'}")
    return notes


def short_label(criterion: Criterion) -> str:
    """The criterion's condition without its points: 「牵头制定国家、行业标准」."""
    head = re.split(r"的[，,]|的得|[，,；;。]", criterion.text, maxsplit=1)[0]
    # 「组织 1 次集中培训」: the count belongs to the example, not the label
    return re.sub(r"\s*\d+\s*[次项]\s*", "", head).strip()


def _n(criterion: Criterion) -> str:
    return criterion.id.split(".")[1]


# 附件2 itself only says 「得 N 分」 per criterion (scoring.PARTIAL_NOTE says so on item pages).
_PARTIAL_PRACTICE = "（部分符合是本工具的做法，附件2 原文每项只写「得若干分」。）"


def rule_explanation(indicator: Indicator) -> str:
    """How the indicator is scored, in plain Chinese, from its kind, points, cap and combine."""
    kind = indicator_kind(indicator)
    crits = indicator.criteria
    if kind == HIGHEST:
        levels = "、".join(f"{c.points:g} 分" for c in crits)
        return (
            f"分 {len(crits)} 个层级（{levels}），得分不累加：同时符合几级时，"
            f"只取其中最高一级的分数。本指标最高 {indicator.max:g} 分。"
        )
    if kind == COUNT:
        # The per-unit points are in the indicator's own text; here only how they combine.
        return (
            f"按数量计分：每个评分项按“数量 × 每{crits[0].unit or '项'}分值”计，各项相加，"
            f"超过 {indicator.cap:g} 分的按 {indicator.cap:g} 分计"
            f"（本指标最高 {indicator.max:g} 分）。填写的数量要和佐证一一对应。"
        )
    if len(crits) == 1:
        c = crits[0]
        return (
            f"符合得 {c.points:g} 分；只部分做到的，可酌情给低于 {c.points:g} 分的分数"
            f"（以 0.5 分为单位）；不符合或没有佐证的得 0 分。{_PARTIAL_PRACTICE}"
        )
    parts = "、".join(f"第 {_n(c)} 条 {c.points:g} 分" for c in crits)
    return (
        f"有 {len(crits)} 个评分项（{parts}），逐条判断、分数相加，本指标最高 "
        f"{indicator.max:g} 分。每条都可以部分符合、酌情给分。{_PARTIAL_PRACTICE}"
    )


@dataclass(frozen=True, slots=True)
class ExampleCase:
    """One worked case: the answers given, what they add up to, and the engine's score."""

    text: str
    answers: Mapping[str, Answer]
    score: float


def _engine(rubric: Rubric, indicator: Indicator, answers: dict[str, Answer]) -> float:
    return score(rubric, answers).indicators[indicator.id].score


def worked_examples(rubric: Rubric, indicator: Indicator) -> tuple[ExampleCase, ...]:
    """Two cases scored by the engine, chosen to show the rule (cap reached, levels, parts)."""
    kind = indicator_kind(indicator)
    crits = indicator.criteria
    cases: list[ExampleCase] = []
    if kind == COUNT:
        counted = [c for c in crits if c.kind == "count"]
        top = max(counted, key=lambda c: c.points)
        n = math.floor((indicator.cap or 0) / top.points) + 1
        answers = {top.id: Answer(n)}
        s = _engine(rubric, indicator, answers)
        cases.append(
            ExampleCase(
                f"{short_label(top)} {n} {top.unit or '项'} = {n * top.points:g} 分，"
                f"超过最高 {indicator.cap:g} 分，得 {s:g} 分",
                answers,
                s,
            )
        )
        low = min(counted, key=lambda c: c.points)
        answers = {top.id: Answer(1), low.id: Answer(1)} if low is not top else {top.id: Answer(1)}
        s = _engine(rubric, indicator, answers)
        parts = " + ".join(
            f"{short_label(rubric.criteria[cid])} 1 {rubric.criteria[cid].unit or '项'}"
            for cid in answers
        )
        cases.append(ExampleCase(f"{parts}，未达上限，得 {s:g} 分", answers, s))
    elif kind == HIGHEST:
        answers = {c.id: Answer(YES) for c in crits}
        s = _engine(rubric, indicator, answers)
        levels = "、".join(f"{c.points:g} 分" for c in crits)
        cases.append(
            ExampleCase(f"{len(crits)} 个层级都符合（{levels}），不累加，得 {s:g} 分", answers, s)
        )
        last = crits[-1]
        answers = {c.id: Answer(YES if c is last else NO) for c in crits}
        s = _engine(rubric, indicator, answers)
        cases.append(ExampleCase(f"只符合最低一级（{short_label(last)}），得 {s:g} 分", answers, s))
    else:
        first = crits[0]
        half = max(0.5, math.floor(first.points) / 2)
        answers = {first.id: Answer(PARTIAL, points=half)}
        answers.update({c.id: Answer(NO) for c in crits[1:]})
        s = _engine(rubric, indicator, answers)
        which, more = ("第 1 条", "、其余不符合") if len(crits) > 1 else ("", "")
        cases.append(
            ExampleCase(f"{which}只部分做到、酌情给 {half:g} 分{more}，得 {s:g} 分", answers, s)
        )
        answers = {c.id: Answer(YES) for c in crits}
        s = _engine(rubric, indicator, answers)
        whole = "全部符合" if len(crits) > 1 else "符合"
        cases.append(ExampleCase(f"{whole}，得 {s:g} 分", answers, s))
    return tuple(cases)


# ---------------------------------------------------------------------------------------------
# One trainee against the key


@dataclass(frozen=True, slots=True)
class IndicatorComparison:
    id: int
    trainee: float
    key: float
    reason: str

    @property
    def apart(self) -> float:
        return abs(self.trainee - self.key)

    @property
    def agrees(self) -> bool:
        return self.trainee == self.key


@dataclass(frozen=True, slots=True)
class PracticeComparison:
    result: Result
    key_total: float
    rows: tuple[IndicatorComparison, ...]

    @property
    def agreement(self) -> float:
        """Share of indicators scored exactly as the key, 0..1."""
        return sum(r.agrees for r in self.rows) / len(self.rows) if self.rows else 1.0

    @property
    def differing(self) -> list[IndicatorComparison]:
        return [r for r in self.rows if not r.agrees]


def compare_with_key(
    rubric: Rubric, answers: Mapping[str, Answer], sample: Sample
) -> PracticeComparison:
    """A trainee's sheet against the sample's answer key, indicator by indicator."""
    result = score(rubric, answers)
    rows = tuple(
        IndicatorComparison(ind_id, r.score, sample.key[ind_id].score, sample.key[ind_id].reason)
        for ind_id, r in result.indicators.items()
    )
    return PracticeComparison(result, sample.key_total, rows)


# ---------------------------------------------------------------------------------------------
# A workshop room


@dataclass(frozen=True, slots=True)
class Practice:
    """One trainee's practice as the trainer's view needs it (names stay out of exports)."""

    sample_id: str
    answers: Mapping[str, Answer]
    submitted: bool = False


@dataclass(frozen=True, slots=True)
class Discussion:
    """An indicator the room split on: of the trainees who scored it, how many differ from
    the key (those who left it 未评 are counted apart, never as disagreeing)."""

    id: int
    differing: int  # trainees who scored it and differ from the key
    answered: int  # trainees who scored it (all its criteria settled)
    unanswered: int  # trainees who left it 未评
    mean_apart: float  # points apart from the key, over those who scored it

    @property
    def share(self) -> float:
        return self.differing / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Room:
    labels: tuple[str, ...]  # 学员 01, 学员 02 … in the order given
    sample_ids: tuple[str, ...]
    totals: tuple[float, ...]  # within the exercise's indicators
    key_totals: tuple[float, ...]
    agreement: tuple[float, ...]  # share of the exercise's indicators scored as the key
    completion: tuple[float, ...]
    submitted: tuple[bool, ...]
    indicator_ids: tuple[int, ...]  # the exercise's indicators (all 38 unless scoped)
    apart: tuple[tuple[float, ...], ...]  # [indicator][trainee] points apart from the key
    scores: tuple[tuple[float, ...], ...]  # [indicator][trainee] the trainee's score
    scored: tuple[tuple[bool, ...], ...]  # [indicator][trainee] all its criteria settled
    differing: tuple[int, ...]  # [indicator] trainees who scored it and differ from the key
    unanswered: tuple[int, ...]  # [indicator] trainees who left it 未评
    choices: Mapping[str, Mapping[Value, int]]  # criterion -> value (None: 未评) -> trainees
    key_choice: Mapping[str, Value]  # criterion -> the key's value ("各不相同" across samples)
    discussion: tuple[Discussion, ...]  # real splits, the largest share first, at most 10

    @property
    def finished(self) -> int:
        return sum(self.submitted)

    def export_rows(self, rubric: Rubric, samples: Mapping[str, Sample]) -> list[dict[str, object]]:
        """One row per trainee, anonymised (学员 01 …): totals, agreement and each indicator."""
        rows = []
        for t, label in enumerate(self.labels):
            sample = samples.get(self.sample_ids[t])
            row: dict[str, object] = {
                "学员": label,
                "示例单位": sample.title if sample else self.sample_ids[t],
                "已交卷": "是" if self.submitted[t] else "否",
                "完成度": f"{self.completion[t]:.0%}",
                "总分": self.totals[t],
                "答案总分": self.key_totals[t],
                "与答案一致率": f"{self.agreement[t]:.0%}",
            }
            for i, ind_id in enumerate(self.indicator_ids):
                row[f"指标{ind_id}"] = self.scores[i][t]
            rows.append(row)
        return rows


def trainee_label(index: int, count: int) -> str:
    return f"学员 {index + 1:0{max(2, len(str(count)))}d}"


def room_results(
    rubric: Rubric,
    practices: Sequence[Practice],
    samples: Mapping[str, Sample],
    *,
    include_in_progress: bool = False,
    indicators: Sequence[int] | None = None,
) -> Room:
    """Score every practice once and set it against its own sample's key.

    Only handed-in practices count unless ``include_in_progress``; ``indicators`` scopes the
    exercise (totals, agreement and the lists cover only those). An indicator a trainee has not
    finished (`IndicatorResult.complete` false) is 未评 for them: counted apart, never as a
    disagreement. Practices on a sample that no longer exists are skipped.
    """
    kept = [p for p in practices if p.sample_id in samples and (p.submitted or include_in_progress)]
    wanted = set(indicators) if indicators else None
    ind_ids = tuple(i for i in rubric.indicator_by_id if wanted is None or i in wanted)
    results = [score(rubric, p.answers) for p in kept]
    keys = [samples[p.sample_id].key for p in kept]
    scores = tuple(tuple(r.indicators[i].score for r in results) for i in ind_ids)
    scored = tuple(tuple(r.indicators[i].complete for r in results) for i in ind_ids)
    apart = tuple(
        tuple(abs(s - keys[t][i].score) for t, s in enumerate(row))
        for i, row in zip(ind_ids, scores, strict=True)
    )
    differing = tuple(
        sum(1 for a, done in zip(row, done_row, strict=True) if done and a)
        for row, done_row in zip(apart, scored, strict=True)
    )
    unanswered = tuple(sum(1 for done in row if not done) for row in scored)
    discussion = sorted(
        (
            Discussion(
                i,
                differing[n],
                len(kept) - unanswered[n],
                unanswered[n],
                sum(a for a, done in zip(apart[n], scored[n], strict=True) if done)
                / (len(kept) - unanswered[n]),
            )
            for n, i in enumerate(ind_ids)
            if differing[n]
        ),
        key=lambda d: (-d.share, -d.differing, -d.mean_apart, d.id),
    )[:10]
    criteria = [c for i in ind_ids for c in rubric.indicator_by_id[i].criteria]
    choices = {
        c.id: dict(Counter(p.answers.get(c.id, Answer()).value for p in kept)) for c in criteria
    }
    key_choice: dict[str, Value] = {}
    for c in criteria:
        values = {samples[p.sample_id].key_sheet.get(c.id, Answer()).value for p in kept}
        key_choice[c.id] = values.pop() if len(values) == 1 else "各不相同"
    return Room(
        labels=tuple(trainee_label(t, len(kept)) for t in range(len(kept))),
        sample_ids=tuple(p.sample_id for p in kept),
        totals=tuple(sum(row[t] for row in scores) for t in range(len(kept))),
        key_totals=tuple(sum(keys[t][i].score for i in ind_ids) for t in range(len(kept))),
        agreement=tuple(
            sum(1 for row in apart if row[t] == 0) / len(ind_ids) if ind_ids else 1.0
            for t in range(len(kept))
        ),
        completion=tuple(
            sum(r.indicators[i].settled for i in ind_ids) / len(criteria) if criteria else 1.0
            for r in results
        ),
        submitted=tuple(p.submitted for p in kept),
        indicator_ids=ind_ids,
        apart=apart,
        scores=scores,
        scored=scored,
        differing=differing,
        unanswered=unanswered,
        choices=choices,
        key_choice=key_choice,
        discussion=tuple(discussion),
    )
