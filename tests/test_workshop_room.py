"""True room statistics (issue 26): handed-in practices by default, 未评 apart from
disagreement, what the room chose per criterion against the key, a discussion list of real
splits, an exercise scoped to some indicators."""

from __future__ import annotations

import pytest

from jiguan.rubric import Rubric
from jiguan.samples import load_samples
from jiguan.scoring import Answer
from jiguan.training import Practice, room_results


@pytest.fixture(scope="module")
def samples(rubric: Rubric):
    return {s.id: s for s in load_samples(rubric)}


def _sheet(answers: dict[str, str | None]) -> dict[str, Answer]:
    return {cid: Answer(value) for cid, value in answers.items()}


def _partial_class(samples) -> list[Practice]:
    """A partial exercise on 甲市: only 指标 2 and 3 scored. On 指标 2 (key 符合) two say 不符合
    and one 符合 (a real split); on 指标 3 all three agree with the key; a fourth trainee is
    still working and says 不符合 on both."""
    s = "strong"
    return [
        Practice(s, _sheet({"2.1": "no", "3.1": "yes"}), submitted=True),
        Practice(s, _sheet({"2.1": "no", "3.1": "yes"}), submitted=True),
        Practice(s, _sheet({"2.1": "yes", "3.1": "yes"}), submitted=True),
        Practice(s, _sheet({"2.1": "no", "3.1": "no"}), submitted=False),
    ]


def test_only_handed_in_practices_count_unless_asked(rubric: Rubric, samples) -> None:
    room = room_results(rubric, _partial_class(samples), samples)
    assert len(room.labels) == 3 and room.finished == 3
    everyone = room_results(rubric, _partial_class(samples), samples, include_in_progress=True)
    assert len(everyone.labels) == 4 and everyone.finished == 3


def test_unscored_is_counted_apart_and_the_discussion_ranks_real_splits(
    rubric: Rubric, samples
) -> None:
    room = room_results(rubric, _partial_class(samples), samples)
    assert [d.id for d in room.discussion] == [2]  # not 36 untouched indicators
    top = room.discussion[0]
    assert (top.differing, top.answered, top.unanswered) == (2, 3, 0)
    i1 = room.indicator_ids.index(1)
    assert room.unanswered[i1] == 3 and room.differing[i1] == 0
    i3 = room.indicator_ids.index(3)
    assert room.unanswered[i3] == 0 and room.differing[i3] == 0


def test_what_the_room_chose_per_criterion_against_the_key(rubric: Rubric, samples) -> None:
    room = room_results(rubric, _partial_class(samples), samples)
    assert room.choices["2.1"] == {"yes": 1, "no": 2}
    assert room.key_choice["2.1"] == "yes"
    assert room.choices["1.1"] == {None: 3}


def test_an_exercise_scoped_to_some_indicators(rubric: Rubric, samples) -> None:
    room = room_results(rubric, _partial_class(samples), samples, indicators=(2, 3))
    assert room.indicator_ids == (2, 3)
    assert room.totals == (2.0, 2.0, 4.0)  # points within the exercise
    assert room.key_totals == (4.0, 4.0, 4.0)
    assert room.agreement == (0.5, 0.5, 1.0)
    assert set(room.choices) == {"2.1", "3.1"}
    assert room.export_rows(rubric, samples)[0].keys() >= {"指标2", "指标3"}
    assert "指标4" not in room.export_rows(rubric, samples)[0]


def test_the_guide_says_partial_points_are_this_tools_practice(rubric: Rubric) -> None:
    from jiguan.training import rule_explanation

    for ind_id in (1, 8):  # one criterion, several criteria
        text = rule_explanation(rubric.indicator_by_id[ind_id])
        assert "酌情" in text and "部分符合是本工具的做法" in text and "附件2" in text
