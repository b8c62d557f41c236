"""The scoring engine: hand-computed cases from 附件2, flags, and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiguan.rubric import Criterion, Rubric, load_rubric
from jiguan.scoring import (
    NO,
    NO_EVIDENCE,
    PARTIAL,
    UNANSWERED,
    YES,
    Answer,
    Result,
    all_yes,
    answer_problem,
    criterion_points,
    points_at_stake,
    room,
    score,
)

RUBRIC = load_rubric()  # hypothesis strategies need it at import time


def ind(result: Result, indicator_id: int) -> float:
    return result.indicators[indicator_id].score


def content(result: Result, name: str) -> float:
    return next(g.score for g in result.contents if g.name == name)


# --- hand-computed cases ------------------------------------------------------------------------


def test_17_several_standards_pass_the_cap(rubric: Rubric) -> None:
    # 牵头国家标准 1 项 (6) + 牵头地方标准 1 项 (4) + 参与国家标准 1 项 (3) = 13 -> 最高 10 分
    sheet = {"17.1": Answer(1), "17.2": Answer(1), "17.3": Answer(1)}
    r = score(rubric, sheet)
    assert [r.criteria[f"17.{n}"] for n in range(1, 6)] == [6, 4, 3, 0, 0]
    assert ind(r, 17) == 10
    assert content(r, "标准制定") == 10
    assert r.total == 10


def test_17_under_the_cap_adds_up(rubric: Rubric) -> None:
    # 参与地方标准 2 项 (2 x 2) + 内部标准 3 项 (3 x 1) = 7
    r = score(rubric, {"17.4": Answer(2), "17.5": Answer(3)})
    assert ind(r, 17) == 7
    r = score(rubric, {"17.2": Answer(2), "17.5": Answer(2)})  # 8 + 2 = 10, exactly the cap
    assert ind(r, 17) == 10


def test_21_five_trainings_give_the_maximum_3(rubric: Rubric) -> None:
    assert ind(score(rubric, {"21.1": Answer(5)}), 21) == 3
    assert score(rubric, {"21.1": Answer(5)}).criteria["21.1"] == 5  # before the cap
    assert ind(score(rubric, {"21.1": Answer(2)}), 21) == 2
    zero = score(rubric, {"21.1": Answer(0)})
    assert ind(zero, 21) == 0
    assert zero.indicators[21].flags == ()  # 0 trainings is an answer, not a blank


def test_37_awards_at_two_levels_take_the_highest(rubric: Rubric) -> None:
    # 省部级 (3) and 市厅级 (2): 不累加，取单项最高分 -> 3, not 5
    r = score(rubric, {"37.1": Answer(YES), "37.2": Answer(YES), "37.3": Answer(NO)})
    assert ind(r, 37) == 3
    r = score(rubric, {"37.1": Answer(NO), "37.2": Answer(YES), "37.3": Answer(YES)})
    assert ind(r, 37) == 2
    assert content(r, "品牌建设") == 2


def test_8_with_one_of_its_two_criteria(rubric: Rubric) -> None:
    r = score(rubric, {"8.1": Answer(YES, evidence="管理办法"), "8.2": Answer(NO)})
    assert ind(r, 8) == 1
    assert r.indicators[8].flags == ()
    assert content(r, "管理机制") == 1
    r = score(rubric, {"8.2": Answer(YES, evidence="奖励办法")})
    assert ind(r, 8) == 1
    assert r.indicators[8].flags == (UNANSWERED,)


def test_partial_points(rubric: Rubric) -> None:
    r = score(rubric, {"1.1": Answer(PARTIAL, 1.5), "4.1": Answer(PARTIAL, 0.5)})
    assert r.criteria["1.1"] == 1.5
    assert ind(r, 1) == 1.5
    assert content(r, "领导职责") == 1.5
    assert content(r, "工作机构") == 0.5
    assert r.items[0].score == 2
    # partial inside a max-combine indicator: max(1.5, 2) = 2
    r = score(rubric, {"38.1": Answer(PARTIAL, 1.5), "38.2": Answer(YES)})
    assert ind(r, 38) == 2


def test_all_yes_scores_100_with_every_item_at_its_maximum(rubric: Rubric) -> None:
    r = score(rubric, all_yes(rubric, evidence="文件"))
    assert r.total == 100
    assert [(g.name, g.score) for g in r.items] == [(i.name, i.max) for i in rubric.items]
    assert all(g.score == g.max for g in r.contents)
    assert r.answered == r.criteria_count == len(rubric.criteria)
    assert r.completion == 1
    assert r.flagged == []


def test_empty_sheet(rubric: Rubric) -> None:
    r = score(rubric, {})
    assert r.total == 0 and r.answered == 0 and r.completion == 0
    assert all(x.flags == (UNANSWERED,) for x in r.indicators.values())
    assert len(r.flagged) == 38


def test_unanswered_is_not_no(rubric: Rubric) -> None:
    assert score(rubric, {"1.1": Answer(None)}).indicators[1].flags == (UNANSWERED,)
    assert score(rubric, {"1.1": Answer(NO)}).indicators[1].flags == ()


def test_no_evidence_flag(rubric: Rubric) -> None:
    r = score(rubric, {"1.1": Answer(YES)})
    assert r.indicators[1].flags == (NO_EVIDENCE,)
    assert score(rubric, {"1.1": Answer(YES, evidence="  \n ")}).indicators[1].flags == (
        NO_EVIDENCE,
    )
    assert score(rubric, {"1.1": Answer(YES, evidence="发文")}).indicators[1].flags == ()
    assert score(rubric, {"1.1": Answer(YES, attachments=1)}).indicators[1].flags == ()
    # scoring nothing needs no evidence
    assert score(rubric, {"1.1": Answer(NO)}).indicators[1].flags == ()
    # evidence on any criterion of the indicator counts; both flags at once
    r = score(rubric, {"8.1": Answer(YES)})
    assert r.indicators[8].flags == (UNANSWERED, NO_EVIDENCE)
    r = score(rubric, {"8.1": Answer(YES), "8.2": Answer(NO, evidence="记录")})
    assert r.indicators[8].flags == ()


def test_points_at_stake(rubric: Rubric) -> None:
    r = score(rubric, {"1.1": Answer(YES), "8.1": Answer(YES, evidence="x"), "17.5": Answer(2)})
    assert points_at_stake(rubric, r, 1) == 2  # claimed without evidence
    assert points_at_stake(rubric, r, 8) == 1  # 8.2 could still add 1
    assert points_at_stake(rubric, r, 17) == 2  # claimed without evidence
    assert points_at_stake(rubric, r, 21) == 3  # nothing answered


def test_ids_not_in_the_rubric_are_ignored(rubric: Rubric) -> None:
    assert score(rubric, {"99.1": Answer(YES), "1.1": Answer(YES)}).total == 2


@pytest.mark.parametrize(
    ("cid", "answer", "fragment"),
    [
        ("1.1", Answer("maybe"), "符合、部分符合 或 不符合"),
        ("1.1", Answer(3), "符合、部分符合 或 不符合"),
        ("1.1", Answer(YES, 1), "只有部分符合"),
        ("1.1", Answer(PARTIAL, 2), "小于满分 2"),
        ("1.1", Answer(PARTIAL, 0), "大于 0"),
        ("1.1", Answer(PARTIAL, 0.3), "0.5 为单位"),
        ("1.1", Answer(None, 1), "未作答"),
        ("17.1", Answer(-1), "负数"),
        ("17.1", Answer(YES), "非负整数"),
        ("17.1", Answer(True), "非负整数"),
        ("17.1", Answer(1.5), "非负整数"),  # type: ignore[arg-type]
        ("17.1", Answer(1, 6), "不填写部分得分"),
    ],
)
def test_answer_problem_refuses(rubric: Rubric, cid: str, answer: Answer, fragment: str) -> None:
    problem = answer_problem(rubric.criteria[cid], answer)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    ("cid", "answer"),
    [
        ("1.1", Answer(YES)),
        ("1.1", Answer(NO)),
        ("1.1", Answer(PARTIAL, 1.5)),
        ("1.1", Answer(None, evidence="x")),
        ("17.1", Answer(0)),
        ("17.1", Answer(12)),
    ],
)
def test_answer_problem_accepts(rubric: Rubric, cid: str, answer: Answer) -> None:
    assert answer_problem(rubric.criteria[cid], answer) is None


# --- properties ---------------------------------------------------------------------------------


def candidate_answers(c: Criterion) -> list[Answer | None]:
    """Every kind of valid answer to one criterion (None = no row at all)."""
    evidence = [("", 0), ("发文及文号", 0), ("  ", 0), ("", 2)]
    if c.kind == "count":
        values: list[tuple[str | int | None, float | None]] = [(None, None)]
        values += [(n, None) for n in (0, 1, 2, 3, 5, 12)]
    else:
        values = [(None, None), (YES, None), (NO, None)]
        values += [(PARTIAL, p / 2) for p in range(1, int(c.points * 2))]
    answers = [Answer(v, p, evidence=e, attachments=n) for v, p in values for e, n in evidence]
    return [None, *answers]


def _as_sheet(picks: tuple[Answer | None, ...]) -> dict[str, Answer]:
    return {cid: a for cid, a in zip(RUBRIC.criteria, picks, strict=True) if a is not None}


# One sampled_from per criterion, built once: cheap to draw, and shrinks towards "no row".
_SHEETS = st.tuples(*(st.sampled_from(candidate_answers(c)) for c in RUBRIC.criteria.values())).map(
    _as_sheet
)


def sheets() -> st.SearchStrategy[dict[str, Answer]]:
    """Any valid answer sheet for the real rubric."""
    return _SHEETS


def reference_score(rubric: Rubric, sheet: dict[str, Answer]) -> dict[int, float]:
    """A plain re-statement of the rules, to check the hand-optimised engine against."""
    out = {}
    for _, _, i in rubric.indicators():
        pts = [criterion_points(c, sheet.get(c.id)) for c in i.criteria]
        s = max(pts) if i.combine == "max" else sum(pts)
        out[i.id] = min(s, i.cap) if i.cap is not None else s
    return out


@settings(max_examples=200, deadline=None)
@given(sheets())
def test_every_valid_sheet_is_valid(sheet: dict[str, Answer]) -> None:
    assert all(answer_problem(RUBRIC.criteria[k], a) is None for k, a in sheet.items())


@settings(max_examples=300, deadline=None)
@given(sheets())
def test_scores_stay_within_bounds_at_every_level(sheet: dict[str, Answer]) -> None:
    r = score(RUBRIC, sheet)
    assert 0 <= r.total <= r.max == 100
    for x in r.indicators.values():
        assert 0 <= x.score <= x.max
    for g in (*r.contents, *r.items):
        assert 0 <= g.score <= g.max
    assert r.total == pytest.approx(sum(g.score for g in r.items))
    for item in r.items:
        parts = [g.score for g in r.contents if g.item == item.name]
        assert item.score == pytest.approx(sum(parts))
    assert 0 <= r.answered <= r.settled <= r.criteria_count


@settings(max_examples=300, deadline=None)
@given(sheets())
def test_engine_agrees_with_a_plain_restatement(sheet: dict[str, Answer]) -> None:
    r = score(RUBRIC, sheet)
    assert {k: v.score for k, v in r.indicators.items()} == reference_score(RUBRIC, sheet)
    for cid, c in RUBRIC.criteria.items():
        assert r.criteria[cid] == criterion_points(c, sheet.get(cid))
    assert r.answered == sum(1 for a in sheet.values() if a.value is not None)
    for i in RUBRIC.indicator_by_id.values():
        answers = [sheet.get(c.id) for c in i.criteria]
        evidence = any(a is not None and a.has_evidence for a in answers)
        flags = r.indicators[i.id].flags
        # open exactly when filling every blank at its best would raise the score
        best = {
            c.id: Answer(1000 if c.kind == "count" else YES)
            for c, a in zip(i.criteria, answers, strict=True)
            if a is None or a.value is None
        }
        could_rise = reference_score(RUBRIC, {**sheet, **best})[i.id] > r.indicators[i.id].score
        assert (UNANSWERED in flags) == could_rise
        assert (NO_EVIDENCE in flags) == (r.indicators[i.id].score > 0 and not evidence)


@settings(max_examples=300, deadline=None)
@given(sheets(), st.sampled_from(sorted(RUBRIC.criteria)))
def test_answering_yes_never_lowers_any_score(sheet: dict[str, Answer], cid: str) -> None:
    c = RUBRIC.criteria[cid]
    before = score(RUBRIC, sheet)
    old = sheet.get(cid, Answer())
    if c.kind == "count":  # "yes" for a count: one more unit
        new_value: str | int = (old.value or 0) + 1  # type: ignore[operator]
    else:
        new_value = YES
    after = score(RUBRIC, {**sheet, cid: Answer(new_value, evidence=old.evidence)})
    assert after.total >= before.total
    assert after.criteria[cid] >= before.criteria[cid]
    for k in before.indicators:
        assert after.indicators[k].score >= before.indicators[k].score
    for a, b in zip(after.contents, before.contents, strict=True):
        assert a.score >= b.score
    for a, b in zip(after.items, before.items, strict=True):
        assert a.score >= b.score


# --- done means the score can no longer change (hand-computed) ---------------------------------


def _open(rubric: Rubric, sheet: dict[str, Answer], indicator_id: int) -> bool:
    return UNANSWERED in score(rubric, sheet).indicators[indicator_id].flags


def test_17_is_done_at_its_cap_with_criteria_left_blank(rubric: Rubric) -> None:
    ev = "标准文本"
    # 6 + 4 = 10 = 本部分最高分: 17.3-17.5 blank can add nothing
    at_cap = {"17.1": Answer(1, evidence=ev), "17.2": Answer(1)}
    r = score(rubric, at_cap)
    assert r.indicators[17].score == 10 and r.indicators[17].flags == ()
    assert r.indicators[17].complete and r.indicators[17].settled == 5
    assert _open(rubric, {"17.1": Answer(2)}, 17) is False  # 12 -> 10
    # 6 < 10 and 17.2 blank could add 4: still open, 4 points at stake
    r = score(rubric, {"17.1": Answer(1, evidence=ev)})
    assert r.indicators[17].flags == (UNANSWERED,)
    assert points_at_stake(rubric, r, 17) == 4
    # every count given (zeros included): done at 0
    assert _open(rubric, {f"17.{n}": Answer(0) for n in range(1, 6)}, 17) is False


def test_21_is_done_once_counted(rubric: Rubric) -> None:
    assert _open(rubric, {}, 21) is True
    assert _open(rubric, {"21.1": Answer(0)}, 21) is False
    assert _open(rubric, {"21.1": Answer(5)}, 21) is False  # 5 -> 3


def test_37_is_done_when_the_highest_level_is_met(rubric: Rubric) -> None:
    assert _open(rubric, {"37.1": Answer(YES)}, 37) is False  # 3: nothing blank can beat it
    assert _open(rubric, {"37.2": Answer(YES)}, 37) is True  # 37.1 could still give 3
    assert _open(rubric, {"37.1": Answer(NO), "37.2": Answer(YES)}, 37) is False  # 37.3 gives 1
    assert _open(rubric, {"37.1": Answer(PARTIAL, 1.5)}, 37) is True  # 37.2 could give 2
    assert _open(rubric, {"37.1": Answer(PARTIAL, 2.5)}, 37) is False


def test_38_lowest_level_alone_is_not_done(rubric: Rubric) -> None:
    assert _open(rubric, {"38.3": Answer(YES)}, 38) is True
    assert _open(rubric, {"38.1": Answer(NO), "38.2": Answer(NO)}, 38) is True  # 38.3 gives 1
    assert _open(rubric, {"38.1": Answer(YES)}, 38) is False
    r = score(rubric, {"38.1": Answer(YES, evidence="推广文件")})
    assert r.indicators[38].flags == ()
    assert r.settled == 3 and r.answered == 1


def test_completion_counts_what_can_no_longer_change(rubric: Rubric) -> None:
    # 17 at its cap (5 criteria), 37 at its top (3): 8 settled though only 3 answered
    r = score(rubric, {"17.1": Answer(1), "17.2": Answer(1), "37.1": Answer(YES)})
    assert r.answered == 3 and r.settled == 8
    assert r.completion == pytest.approx(8 / len(rubric.criteria))


def test_room_lists_every_criterion_that_could_still_add(rubric: Rubric) -> None:
    r = score(rubric, {"18.1": Answer(NO), "37.2": Answer(YES), "17.1": Answer(1)})
    assert room(rubric, r, 18) == {"18.1": 2, "18.2": 2}
    assert room(rubric, r, 37) == {"37.1": 1}  # 37.3 (1) is below the 2 already counted
    # 6 counted: 17.1 more units, or any other count, could reach the cap of 10
    assert room(rubric, r, 17) == {f"17.{n}": 4 for n in range(1, 6)}
    full = score(rubric, {"17.1": Answer(2)})
    assert room(rubric, full, 17) == {}
