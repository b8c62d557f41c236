"""The radars (issue 27): a closed outline, no stray radial axis on a single radar, and the
25/50/75/100 labels of an overlay off every item's axis. Checked on the figure's data."""

from __future__ import annotations

import pytest

from jiguan.charts import radar, radar_overlay
from jiguan.rubric import Rubric
from jiguan.scoring import NO, YES, Answer, all_yes, score


@pytest.fixture
def results(rubric: Rubric):
    half = {
        c.id: Answer(1 if c.kind == "count" else (YES if i % 2 else NO))
        for i, (_, _, ind) in enumerate(rubric.indicators())
        for c in ind.criteria
    }
    return score(rubric, all_yes(rubric)), score(rubric, half)


def _closed(trace, n: int) -> bool:
    return len(trace.r) == n + 1 and trace.r[0] == trace.r[-1] and trace.theta[0] == trace.theta[-1]


def _item_angles(n: int) -> list[float]:
    """Where plotly draws each item's axis: clockwise from the top."""
    return [(90 - 360 * i / n) % 360 for i in range(n)]


def test_every_radar_outline_is_closed(rubric: Rubric, results) -> None:
    n = len(rubric.items)
    for fig in (
        radar(results[1]),
        radar(results[1], height=200),
        radar_overlay([("自评", results[0]), ("评估组", results[1])]),
    ):
        assert fig.data and all(_closed(t, n) for t in fig.data)
        # the closing point repeats the first item, hover included
        for t in fig.data:
            assert list(t.customdata[0]) == list(t.customdata[-1])


def test_a_single_radar_draws_no_radial_axis_line_or_ticks(results) -> None:
    axis = radar(results[1]).layout.polar.radialaxis
    assert axis.showline is False
    assert axis.ticks == ""
    assert axis.showticklabels is False


def test_overlay_percent_labels_sit_between_item_axes(rubric: Rubric, results) -> None:
    n = len(rubric.items)
    axis = radar_overlay([("自评", results[0]), ("评估组", results[1])]).layout.polar.radialaxis
    assert list(axis.tickvals) == [25, 50, 75, 100]
    angle = (axis.angle if axis.angle is not None else 0) % 360
    gap = min(min(abs(angle - a), 360 - abs(angle - a)) for a in _item_angles(n))
    assert gap >= 360 / n / 2 - 1, f"labels {gap:.0f}° from an item's axis"
