"""The formal review's domain: the one scoring engine on the panel's verdicts, differences
computed by hand, finalising rules, round over round."""

from __future__ import annotations

from jiguan.cells import verdict_problem
from jiguan.review import (
    Verdict,
    compare_review,
    differs,
    finalise_problems,
    panel_sheet,
    round_progress,
)
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, all_yes, score


def test_differences_by_hand(rubric: Rubric) -> None:
    claims = {
        "1.1": Answer("yes"),  # 2 points claimed
        "12.1": Answer("yes"),  # 2
        "12.2": Answer("yes"),  # 1
        "17.1": Answer(2),  # 2 × 6 = 12, capped at 10 with 17.2
        "17.2": Answer(1),  # 4
        "37.1": Answer("yes"),  # highest level only: 3
        "37.2": Answer("yes"),
    }
    verdicts = {
        "1.1": Verdict("partial", 1.0, reason="制度未印发"),  # 2 -> 1
        "12.1": Verdict("yes"),
        "12.2": Verdict("no", reason="无会议记录"),  # 3 -> 2
        "17.1": Verdict(1, reason="一项为草案"),  # 6 + 4 = 10: the cap hides the change
        "17.2": Verdict(1),
        "37.1": Verdict("no", reason="未获评"),  # highest level: 3 -> 2
        "37.2": Verdict("yes"),
    }
    cmp = compare_review(rubric, claims, verdicts)
    assert cmp.self_result.total == 2 + 3 + 10 + 3
    assert cmp.panel_result.total == 1 + 2 + 10 + 2
    assert cmp.difference == -3
    by_id = {r.indicator_id: r for r in cmp.indicators}
    assert (by_id[1].self_score, by_id[1].panel_score, by_id[1].difference) == (2, 1, -1)
    assert by_id[12].difference == -1
    assert by_id[17].difference == 0 and by_id[17].differs  # 17.1 differs under the cap
    assert by_id[37].difference == -1
    assert by_id[2].differs is False
    assert [r.criterion_id for r in cmp.differences()] == ["1.1", "12.2", "17.1", "37.1"]
    assert [r.difference for r in cmp.differences()] == [-1, -1, -6, -3]
    assert [r.indicator_id for r in cmp.biggest_gaps()] == [1, 12, 37, 17]
    assert by_id[12].reasons == [("12.2", "无会议记录")]
    items = {i.name: i for i in cmp.items}
    assert (items["组织管理"].self_score, items["组织管理"].panel_score) == (2, 1)
    assert items["工作机制"].difference == -1
    assert sum(i.difference for i in cmp.items) == cmp.difference
    # the panel's result is exactly the engine on the panel's sheet
    assert cmp.panel_result == score(rubric, panel_sheet(verdicts))


def test_what_differs(rubric: Rubric) -> None:
    c = rubric.criteria["1.1"]
    assert differs(c, Answer("yes"), Verdict("partial", 1.5))
    assert not differs(c, Answer("yes"), Verdict("yes"))
    assert not differs(c, None, Verdict("no"))  # nothing claimed, nothing refused
    assert not differs(c, Answer("yes"), Verdict())  # not judged yet
    assert differs(c, None, Verdict("yes"))  # the panel found more than the unit claimed
    count = rubric.criteria["17.3"]
    assert differs(count, Answer(3), Verdict(2))


def test_finalise_needs_every_criterion_and_reasons(rubric: Rubric) -> None:
    claims = all_yes(rubric)
    verdicts = {cid: Verdict(a.value, a.points) for cid, a in claims.items()}
    assert finalise_problems(rubric, claims, verdicts) == []
    verdicts["2.1"] = Verdict("no")
    del verdicts["3.1"]
    problems = finalise_problems(rubric, claims, verdicts)
    assert len(problems) == 2
    assert "3.1" in problems[0] and "尚未评定" in problems[0]
    assert "2.1" in problems[1] and "扣分理由" in problems[1]
    verdicts["2.1"] = Verdict("no", reason="  ")  # blank is no reason
    assert any("2.1" in p for p in finalise_problems(rubric, claims, verdicts))


def test_verdict_problems(rubric: Rubric) -> None:
    assert verdict_problem(rubric.criteria["1.1"], Verdict("partial", 2)) is not None
    assert verdict_problem(rubric.criteria["1.1"], Verdict("yes", reason="x" * 2001)) is not None
    assert verdict_problem(rubric.criteria["17.1"], Verdict(-1)) is not None
    assert verdict_problem(rubric.criteria["17.1"], Verdict(3, reason="好")) is None


def test_round_progress(rubric: Rubric) -> None:
    first = {"1.1": Answer("no"), "2.1": Answer("yes"), "12.1": Answer("yes")}
    second = {"1.1": Answer("yes"), "2.1": Answer("no"), "12.1": Answer("yes")}
    progress = round_progress(
        rubric, [("第一轮", first, "单位自评"), ("第二轮", second, "评估组定稿")]
    )
    assert progress.totals == [4, 4]
    assert [(m.name, m.change) for m in progress.improved()] == [("指标 1", 2)]
    assert [(m.name, m.change) for m in progress.fell_back()] == [("指标 2", -2)]
    assert progress.items[0] == ("组织管理", 8.0, (2.0, 2.0))
    assert round_progress(rubric, [("唯一", first, "单位自评")]).improved() == []
