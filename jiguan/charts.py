"""Plotly figures from a scoring Result. No streamlit here: the views call st.plotly_chart.

Items are compared as a percentage of each item's own maximum (maxima range from 4 to 26
points, so raw points would make the small items look like failures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from jiguan.scoring import GroupResult, Result

PRIMARY = "#1f5fa8"
MUTED = "#d9dee7"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def warm_up(result: Result) -> None:
    """Build and serialise one radar before any visitor does, in the server's start-up.

    plotly finds pandas by peeking into ``sys.modules`` without importing it; on a cold process
    where many sessions draw their first radar at once, one thread's half-done ``import pandas``
    was taken for the module by another ("partially initialized module 'pandas' has no attribute
    'Series'"; tests/test_cold_start.py). Importing it here, whole, first, closes that window."""
    import pandas  # noqa: F401  (see above)

    radar(result).to_dict()


def item_percentages(result: Result) -> list[float]:
    """Each item's score as a percentage of its maximum, in rubric order."""
    return [round(item.pct, 1) for item in result.items]


def _closed(values: list[Any]) -> list[Any]:
    """A polygon's points with the first repeated: plotly draws no last-to-first segment
    (实施效果 → 组织管理) of a scatterpolar line otherwise."""
    return [*values, values[0]] if values else values


def _between_first_axes(n: int) -> float:
    """The radial axis' angle halfway between the first two items (clockwise from the top),
    so its 25/50/75/100 labels cross no item's axis or name."""
    return 90 - 180 / max(n, 1)


def _wrap(name: str, width: int = 5) -> str:
    """Break long item names over two lines so the labels fit around a small radar."""
    if len(name) <= width:
        return name
    cut = (len(name) + 1) // 2
    return name[:cut] + "<br>" + name[cut:]


def radar(result: Result, *, height: int = 420, labels: bool = True) -> go.Figure:
    """Radar across the items, each as % of its maximum; hover shows points, max and %.

    Args:
        result: the scored sheet.
        height: figure height in pixels (small in the sidebar, large on 汇总).
        labels: show the item names around the radar (off for very small figures).
    """
    items = result.items
    small = height < 300
    # Large: each item's % under its name, outside the shape (radial tick labels would sit on
    # the filled area); small (the sidebar): names only.
    theta = [
        _wrap(item.name) if small else f"{_wrap(item.name)}<br><b>{item.pct:.0f}%</b>"
        for item in items
    ]
    trace = dict(
        type="scatterpolar",
        r=_closed([round(item.pct, 1) for item in items]),
        theta=_closed(theta),
        fill="toself",
        fillcolor="rgba(31, 95, 168, 0.25)",
        line={"color": PRIMARY, "width": 2},
        marker={"size": 6 if height >= 300 else 4},
        customdata=_closed([[g.score, g.max, g.pct, g.name] for g in items]),
        hovertemplate=(
            "<b>%{customdata[3]}</b><br>得分 %{customdata[0]:g} / %{customdata[1]:g} 分"
            "<br>得分率 %{customdata[2]:.0f}%<extra></extra>"
        ),
        name="得分率",
    )
    # Layout given to the constructor: building it through update_layout costs ~8x more.
    layout = dict(
        height=height,
        margin={"l": 60, "r": 60, "t": 20, "b": 20}
        if small
        else {"l": 80, "r": 80, "t": 50, "b": 40},  # the top name has its % under it
        showlegend=False,
        font={"family": FONT, "size": 10 if small else 14},
        polar={
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [25, 50, 75, 100],
                "ticktext": ["25%", "50%", "75%", "100%"],
                # The rings alone: the % is under each name, so the axis' own line and
                # ticks would be an unlabelled dark spoke between the first two items.
                "showticklabels": False,
                "showline": False,
                "ticks": "",
                "angle": _between_first_axes(len(items)),
            },
            "angularaxis": {
                "direction": "clockwise",
                "rotation": 90,
                "showticklabels": labels,
            },
        },
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return go.Figure(data=[trace], layout=layout)


def content_bars(result: Result) -> go.Figure:
    """Horizontal bars per 评估内容: the maximum in grey, the score over it in colour."""
    contents: tuple[GroupResult, ...] = result.contents
    names = [f"{c.item} · {c.name}" for c in contents]
    custom = [[c.score, c.max, c.pct] for c in contents]
    hover = (
        "<b>%{y}</b><br>得分 %{customdata[0]:g} / %{customdata[1]:g} 分"
        "<br>得分率 %{customdata[2]:.0f}%<extra></extra>"
    )
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[c.max for c in contents],
        orientation="h",
        marker_color=MUTED,
        name="满分",
        customdata=custom,
        hovertemplate=hover,
    )
    fig.add_bar(
        y=names,
        x=[c.score for c in contents],
        orientation="h",
        marker_color=PRIMARY,
        name="得分",
        customdata=custom,
        hovertemplate=hover,
        text=[f"{c.score:g}/{c.max:g}" for c in contents],
        textposition="outside",
        cliponaxis=False,
    )
    fig.update_layout(
        barmode="overlay",
        height=max(320, 28 * len(contents) + 80),
        margin={"l": 10, "r": 50, "t": 30, "b": 30},
        font={"family": FONT, "size": 14},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        xaxis={"title": {"text": "分"}, "rangemode": "tozero"},
        # automargin: the left margin grows to the longest name, so no label is cut.
        yaxis={"autorange": "reversed", "automargin": True},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


# ---------------------------------------------------------------------------------------------
# Training and comparison (several sheets at once)

PALETTE = ("#1f5fa8", "#d9534f", "#2e8b57", "#e69f00", "#6a3d9a", "#17becf", "#8c564b", "#7f7f7f")


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def radar_overlay(named: Sequence[tuple[str, Result]], *, height: int = 480) -> go.Figure:
    """Several sheets on one radar (each item as % of its maximum), one colour per sheet."""
    fig = go.Figure()
    for n, (name, result) in enumerate(named):
        color = PALETTE[n % len(PALETTE)]
        fig.add_scatterpolar(
            r=_closed(item_percentages(result)),
            theta=_closed([_wrap(item.name) for item in result.items]),
            fill="toself",
            fillcolor=_rgba(color, 0.12),
            line={"color": color, "width": 3, "dash": "dot" if n >= len(PALETTE) else "solid"},
            name=name,
            customdata=_closed([[g.score, g.max, g.pct, g.name] for g in result.items]),
            hovertemplate=(
                "<b>%{fullData.name}</b><br>%{customdata[3]}：%{customdata[0]:g} / "
                "%{customdata[1]:g} 分（%{customdata[2]:.0f}%）<extra></extra>"
            ),
        )
    fig.update_layout(
        height=height,
        margin={"l": 80, "r": 80, "t": 30, "b": 30},
        font={"family": FONT, "size": 15},
        legend={"orientation": "h", "y": -0.08, "x": 0.5, "xanchor": "center"},
        polar={
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [25, 50, 75, 100],
                "ticktext": ["25%", "50%", "75%", "100%"],
                # Between the first two items, not across 标准体系与标准制定's name; grey, small
                # and horizontal so they read over the polygons.
                "angle": _between_first_axes(len(named[0][1].items) if named else 1),
                "tickangle": 0,
                "tickfont": {"size": 12, "color": "#4a5566"},
                "showline": False,
            },
            "angularaxis": {"direction": "clockwise", "rotation": 90},
        },
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def apart_heatmap(
    indicator_ids: Sequence[int],
    labels: Sequence[str],
    apart: Sequence[Sequence[float]],
    *,
    height: int | None = None,
) -> go.Figure:
    """Indicator × trainee: points apart from the answer key (white = agrees)."""
    fig = go.Figure(
        go.Heatmap(
            z=[list(row) for row in apart],
            x=list(labels),
            y=[f"指标 {i}" for i in indicator_ids],
            colorscale=[[0, "#ffffff"], [0.25, "#fde0c5"], [1, "#c0392b"]],
            zmin=0,
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": "相差（分）"}},
            hovertemplate="%{y} · %{x}<br>与答案相差 %{z:g} 分<extra></extra>",
        )
    )
    fig.update_layout(
        height=height or max(420, 18 * len(indicator_ids) + 120),
        margin={"l": 10, "r": 10, "t": 20, "b": 60},
        font={"family": FONT, "size": 13},
        yaxis={"autorange": "reversed", "dtick": 1},
        xaxis={"side": "top", "tickangle": -45 if len(labels) > 12 else 0},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def totals_histogram(
    groups: Mapping[str, Sequence[float]],
    key_totals: Mapping[str, float],
    *,
    maximum: float = 100,
    height: int = 380,
) -> go.Figure:
    """How the room's totals spread, one colour per sample, a dashed line at each key total."""
    fig = go.Figure()
    for n, (name, totals) in enumerate(groups.items()):
        color = PALETTE[n % len(PALETTE)]
        key = key_totals.get(name)
        fig.add_histogram(
            x=list(totals),
            name=name if key is None else f"{name}（答案 {key:g} 分，虚线）",
            marker_color=color,
            opacity=0.75,
            xbins={"start": 0, "end": maximum + 5, "size": 5},
            hovertemplate="总分 %{x} 分段：%{y} 人<extra></extra>",
        )
        if key is not None:  # named in the legend: annotations collide when keys are close
            fig.add_vline(x=key, line={"color": color, "dash": "dash", "width": 2})
    fig.update_layout(
        barmode="overlay",
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        font={"family": FONT, "size": 14},
        xaxis={"title": {"text": "总分"}, "range": [0, maximum + 5]},
        yaxis={"title": {"text": "人数"}, "dtick": 1, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig
