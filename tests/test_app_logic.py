"""The pure helpers behind the app: charts and the import preview (no Streamlit involved)."""

from __future__ import annotations

from jiguan.changes import diff_answers, with_attachments
from jiguan.charts import content_bars, item_percentages, radar
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, score


def test_radar_is_percent_of_each_item_maximum(rubric: Rubric) -> None:
    result = score(rubric, {"1.1": Answer("yes"), "20.1": Answer("yes"), "17.1": Answer(1)})
    fig = radar(result, height=420)
    trace = fig.data[0]
    assert list(trace.r) == [*item_percentages(result), item_percentages(result)[0]]  # closed
    assert list(trace.r)[:4] == [25.0, 0.0, 23.1, 20.0]  # 2/8, 0/12, 6/26, 2/10
    names = [item.name for item in rubric.items]
    assert [row[3] for row in trace.customdata] == [*names, names[0]]
    assert "%{customdata[0]:g} / %{customdata[1]:g}" in trace.hovertemplate
    assert fig.layout.polar.radialaxis.range == (0, 100)
    assert fig.layout.height == 420


def test_radar_built_without_validation_is_valid(rubric: Rubric) -> None:
    import plotly.graph_objects as go

    result = score(rubric, {"1.1": Answer("partial", points=1.5), "17.1": Answer(2)})
    for height in (230, 420):
        fig = radar(result, height=height, labels=height > 300)
        assert go.Figure(fig.to_dict()).to_plotly_json() == fig.to_plotly_json()


def test_content_bars_one_bar_per_content(rubric: Rubric) -> None:
    result = score(rubric, {"1.1": Answer("yes")})
    fig = content_bars(result)
    maxima, scores = fig.data
    assert len(scores.y) == 20
    assert list(maxima.x) == [c.max for c in result.contents]
    assert scores.x[0] == 2


def test_diff_answers_added_changed_cleared(rubric: Rubric) -> None:
    before = {"1.1": Answer("yes"), "2.1": Answer("no"), "3.1": Answer(None, note="记一下")}
    after = {"1.1": Answer("yes"), "2.1": Answer("yes"), "4.1": Answer("no")}
    changes = {c.criterion_id: c.kind for c in diff_answers(rubric, before, after)}
    assert changes == {"2.1": "changed", "3.1": "cleared", "4.1": "added"}


def test_diff_ignores_attachments_and_blank_rows(rubric: Rubric) -> None:
    before = {"1.1": Answer("yes", attachments=2), "2.1": Answer()}
    after = {"1.1": Answer("yes"), "5.1": Answer()}
    assert diff_answers(rubric, before, after) == []
    assert with_attachments(after, {"1.1": 2})["1.1"].has_evidence
