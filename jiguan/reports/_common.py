"""What the three documents share: the profile, the evidence index, notes, gaps, number text."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from jiguan.rubric import Content, Indicator, Item, Rubric
from jiguan.scoring import NO_EVIDENCE, UNANSWERED, Answer, Result
from jiguan.text import clean_text

Files = Mapping[str, Sequence[str]]


class ReportError(RuntimeError):
    """A document cannot be produced; the message (Chinese) says what to do."""


@dataclass(frozen=True, slots=True)
class Profile:
    """Who is assessed and when: what the documents print in their heading and signature block.

    Attributes:
        unit_name: 承担单位.
        assessment_date: 评估日期, a date or free text ("2026年5月").
        filled_by: 填表人.
        contact: 联系方式.
        round_name: 轮次 (e.g. 第一轮自评).
    """

    unit_name: str = ""
    assessment_date: dt.date | str | None = None
    filled_by: str = ""
    contact: str = ""
    round_name: str = ""

    @classmethod
    def from_assessment(cls, info: Any) -> Profile:
        """A profile from the store's `AssessmentInfo` (unit_name, round_name, profile dict).

        The profile dict's keys are those of the store contract: 评估日期, 填表人, 联系方式.
        An ISO date (2026-05-01) in 评估日期 becomes a `datetime.date`; other text is kept.
        """
        extra: Mapping[str, str] = getattr(info, "profile", None) or {}
        raw_date = (extra.get("评估日期") or "").strip()
        try:
            date: dt.date | str | None = dt.date.fromisoformat(raw_date) if raw_date else None
        except ValueError:
            date = raw_date
        return cls(
            unit_name=getattr(info, "unit_name", "") or "",
            assessment_date=date,
            filled_by=(extra.get("填表人") or "").strip(),
            contact=(extra.get("联系方式") or "").strip(),
            round_name=getattr(info, "round_name", "") or "",
        )

    @property
    def date_text(self) -> str:
        """评估日期 as printed: ``2026年5月1日`` for a date, the text as given otherwise."""
        d = self.assessment_date
        if d is None:
            return ""
        if isinstance(d, dt.date):
            return f"{d.year}年{d.month}月{d.day}日"
        return str(d).strip()


class Inputs(NamedTuple):
    answers: dict[str, Answer]
    profile: Profile
    files: dict[str, list[str]]


def clean_inputs(
    answers: Mapping[str, Answer], profile: Profile, files: Files | None = None
) -> Inputs:
    """Every user-typed text (evidence, notes, profile, file names) without control characters.

    Text pasted from old Word/WPS files carries characters XML cannot hold; every builder
    calls this first, so none of them can fail on such text and all print the same.
    """
    clean_answers = {
        cid: dataclasses.replace(a, evidence=clean_text(a.evidence), note=clean_text(a.note))
        for cid, a in answers.items()
    }
    date = profile.assessment_date
    clean_profile = Profile(
        unit_name=clean_text(profile.unit_name),
        assessment_date=clean_text(date) if isinstance(date, str) else date,
        filled_by=clean_text(profile.filled_by),
        contact=clean_text(profile.contact),
        round_name=clean_text(profile.round_name),
    )
    clean_files = {cid: [clean_text(n) for n in names] for cid, names in (files or {}).items()}
    return Inputs(clean_answers, clean_profile, clean_files)


def pts(x: float) -> str:
    """Points as printed: ``2``, ``1.5``, ``10``."""
    return f"{x:g}"


def pct(score: float, maximum: float) -> str:
    return f"{100.0 * score / maximum:.0f}%" if maximum else "—"


def notes(rubric: Rubric, answers: Mapping[str, Answer]) -> list[tuple[str, str]]:
    """(criterion id, note) for every criterion with a note, in rubric order."""
    out = []
    for cid in rubric.criteria:
        a = answers.get(cid)
        if a is not None and a.note.strip():
            out.append((cid, a.note.strip()))
    return out


class Gap(NamedTuple):
    indicator: Indicator
    item: Item
    content: Content
    score: float
    available: float  # max - score


def gaps(rubric: Rubric, result: Result, limit: int = 8) -> list[Gap]:
    """Indicators by points still available (max - score), largest first, ties in rubric order."""
    found = []
    for item, content, ind in rubric.indicators():
        r = result.indicators[ind.id]
        if r.max - r.score > 0:
            found.append(Gap(ind, item, content, r.score, r.max - r.score))
    found.sort(key=lambda g: -g.available)
    return found[:limit]


class Readiness(NamedTuple):
    indicators: int
    flagged: list[int]
    unanswered: list[int]
    no_evidence: list[int]
    with_evidence: int
    answered: int  # criteria
    criteria: int


def readiness(result: Result) -> Readiness:
    """The evidence-readiness counts the PDF and the workbook print."""
    inds = result.indicators.values()
    return Readiness(
        indicators=len(result.indicators),
        flagged=[r.id for r in inds if r.flags],
        unanswered=[r.id for r in inds if UNANSWERED in r.flags],
        no_evidence=[r.id for r in inds if NO_EVIDENCE in r.flags],
        with_evidence=sum(1 for r in inds if r.has_evidence),
        answered=result.answered,
        criteria=result.criteria_count,
    )


def id_list(ids: Sequence[int], limit: int = 12) -> str:
    """``1、4、17`` (and ``等 N 项`` past the limit)."""
    if not ids:
        return "无"
    shown = "、".join(str(i) for i in ids[:limit])
    return shown + (f" 等 {len(ids)} 项" if len(ids) > limit else "")
