"""The small radar (the sidebar's) as an SVG drawing: the same reading as the large plotly radar
and the Word picture (each item's score as % of its maximum, rings at 25/50/75/100 %, first
item at the top, clockwise, the outline closed), drawn as static markup.

Why not plotly here: the sidebar radar is redrawn on every full run and on every answer that
moves points, and a plotly chart costs the server a figure validation, a deep copy and ~8 KiB
per draw (bench/README.md, issue 25); this drawing is a cached string of ~2 KiB. Each corner
carries a ``<title>`` (the points, read out and shown on hover), and the drawing one label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from html import escape

from jiguan.format import points

INK = "#1f5fa8"  # jiguan.charts.PRIMARY: the large radar's colour
GRID = "#c8ced8"
TEXT = "#31333f"

# Drawn at the sidebar's width (~240 px), so that 12 px labels are 12 px on screen.
_WIDTH, _HEIGHT = 244, 206
_CX, _CY, _R = 122.0, 106.0, 54.0
RINGS = (0.25, 0.5, 0.75, 1.0)


def axis_angle(index: int, count: int) -> float:
    """The angle (radians, screen coordinates) of item ``index`` of ``count``: the first at the
    top, the rest clockwise. Shared with the Word picture (jiguan/reports/radar_png.py)."""
    return -math.pi / 2 + 2 * math.pi * index / max(count, 1)


def _at(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = axis_angle(index, count)
    return _CX + _R * fraction * math.cos(angle), _CY + _R * fraction * math.sin(angle)


def _points(corners: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)


def _label(index: int, count: int, name: str) -> str:
    x, y = _at(index, count, 1.16)
    side = x - _CX
    anchor = "middle" if abs(side) < 8 else ("start" if side > 0 else "end")
    lines = (
        [name] if len(name) <= 5 else [name[: (len(name) + 1) // 2], name[(len(name) + 1) // 2 :]]
    )
    if anchor == "middle":  # above the top corner, below a bottom one
        y += -5 - 13 * (len(lines) - 1) if y < _CY else 12
    else:
        y += 4 - 6.5 * (len(lines) - 1)
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 13}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{spans}</text>'


@lru_cache(maxsize=1024)
def radar_svg(items: tuple[tuple[str, float, float], ...]) -> str:
    """The radar of ``items`` — (name, score, max) in rubric order — as one ``<svg>`` element.
    Cached: the sessions of a process mostly draw scores drawn before."""
    count = len(items)
    pct = [max(0.0, min(100.0, 100 * score / top if top else 0.0)) for _, score, top in items]
    rings = "".join(
        f'<polygon points="{_points([_at(i, count, ring) for i in range(count)])}"/>'
        for ring in RINGS
    )
    spokes = "".join(
        f'<line x1="{_CX}" y1="{_CY}" x2="{x:.1f}" y2="{y:.1f}"/>'
        for x, y in (_at(i, count, 1.0) for i in range(count))
    )
    shape = [_at(i, count, p / 100) for i, p in enumerate(pct)]
    corners = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>{escape(name)} 得分 '
        f"{points(score)} / {points(top)} 分，得分率 {p:.0f}%</title></circle>"
        for (x, y), (name, score, top), p in zip(shape, items, pct, strict=True)
    )
    labels = "".join(_label(i, count, name) for i, (name, _, _) in enumerate(items))
    summary = "；".join(f"{name} {p:.0f}%" for (name, _, _), p in zip(items, pct, strict=True))
    outline = (
        f'<polygon points="{_points(shape)}" fill="{INK}" fill-opacity="0.25" '
        f'stroke="{INK}" stroke-width="2" stroke-linejoin="round"/>'
        if count >= 3
        else ""
    )
    return (
        f'<svg class="jiguan-radar" role="img" '
        f'aria-label="各评估项目得分率雷达图：{escape(summary)}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f'<g fill="none" stroke="{GRID}" stroke-width="1">{rings}{spokes}</g>'
        f"{outline}"
        f'<g fill="{INK}">{corners}</g>'
        f'<g fill="{TEXT}" font-size="12">{labels}</g>'
        "</svg>"
    )
