"""Plotly figures from a scoring Result. No streamlit here: the views call st.plotly_chart.

Items are compared as a percentage of each item's own maximum (maxima range from 4 to 26
points, so raw points would make the small items look like failures).
"""

from __future__ import annotations

import plotly.graph_objects as go

from jiguan.scoring import GroupResult, Result

PRIMARY = "#1f5fa8"
MUTED = "#d9dee7"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def item_percentages(result: Result) -> list[float]:
    """Each item's score as a percentage of its maximum, in rubric order."""
    return [round(item.pct, 1) for item in result.items]


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
    theta = [_wrap(item.name) for item in items]
    trace = dict(
        type="scatterpolar",
        r=item_percentages(result),
        theta=theta,
        fill="toself",
        fillcolor="rgba(31, 95, 168, 0.25)",
        line={"color": PRIMARY, "width": 2},
        marker={"size": 6 if height >= 300 else 4},
        customdata=[[g.score, g.max, g.pct, g.name] for g in items],
        hovertemplate=(
            "<b>%{customdata[3]}</b><br>得分 %{customdata[0]:g} / %{customdata[1]:g} 分"
            "<br>得分率 %{customdata[2]:.0f}%<extra></extra>"
        ),
        name="得分率",
    )
    small = height < 300
    # Layout given to the constructor: building it through update_layout costs ~8x more, and
    # the sidebar rebuilds this figure on every answer.
    layout = dict(
        height=height,
        margin={"l": 60, "r": 60, "t": 20, "b": 20}
        if small
        else {"l": 80, "r": 80, "t": 30, "b": 30},
        showlegend=False,
        font={"family": FONT, "size": 10 if small else 14},
        polar={
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [25, 50, 75, 100],
                "ticktext": ["25%", "50%", "75%", "100%"],
                "showticklabels": not small,
                "angle": 90 - 180 / max(len(items), 1),  # between the first two axes
                "tickfont": {"size": 10 if small else 12},
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
        margin={"l": 10, "r": 40, "t": 30, "b": 30},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        xaxis={"title": {"text": "分"}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig
