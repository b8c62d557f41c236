"""The sidebar's radar as a static drawing (issue 25): the same reading as the large radar —
each item's % of its maximum, first item at the top, clockwise, the outline closed — with the
points in each corner's title and the whole reading in the label."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jiguan.radar_svg import axis_angle, radar_svg
from jiguan.rubric import Rubric
from tests.app_support import answer, create, goto, start

SVG = "{http://www.w3.org/2000/svg}"


def _polygon(element: ET.Element) -> list[tuple[float, float]]:
    pairs = (p.split(",") for p in element.get("points", "").split())
    return [(float(x), float(y)) for x, y in pairs]


def test_the_outline_is_each_items_percentage_along_its_axis() -> None:
    items = (("甲", 2.0, 4.0), ("乙", 4.0, 4.0), ("丙", 0.0, 8.0), ("丁", 9.0, 9.0))
    root = ET.fromstring(radar_svg(items))
    *rings, outline = root.iter(f"{SVG}polygon")  # the rings (25 … 100 %), then the outline
    assert len(rings) == 4
    outer = _polygon(rings[-1])
    cx, cy = sum(x for x, _ in outer) / 4, sum(y for _, y in outer) / 4
    radius = math.dist((cx, cy), outer[0])
    corners = _polygon(outline)  # an SVG polygon is drawn closed: 丁 → 甲 included
    assert len(corners) == 4
    for corner, (_, points, top) in zip(corners, items, strict=True):
        assert math.dist((cx, cy), corner) == pytest.approx(radius * points / top, abs=0.11)
    assert outer[0][0] == pytest.approx(cx) and outer[0][1] < cy  # the first at the top
    assert outer[1][0] > cx  # the second clockwise, to the right


def test_corners_carry_the_points_and_the_label_the_reading() -> None:
    svg = radar_svg((("组织管理", 6.0, 8.0), ("工作机制", 12.0, 12.0), ("实施效果", 0.0, 24.0)))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert (
        root.get("aria-label") == "各评估项目得分率雷达图：组织管理 75%；工作机制 100%；实施效果 0%"
    )
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert titles[0] == "组织管理 得分 6 / 8 分，得分率 75%"
    assert len(titles) == 3


def test_names_are_escaped_and_long_names_wrap() -> None:
    svg = radar_svg((("A<b>&", 1.0, 2.0), ("标准体系与标准制定", 1.0, 2.0), ("丙", 1.0, 2.0)))
    root = ET.fromstring(svg)  # well-formed: the name did not open an element
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert texts[0] == "A<b>&"
    spans = [s.text for s in list(root.iter(f"{SVG}text"))[1]]
    assert spans == ["标准体系与", "标准制定"]


def test_axis_angle_is_shared_with_the_word_picture() -> None:
    from jiguan.reports import radar_png

    assert radar_png.axis_angle is axis_angle
    assert axis_angle(0, 7) == -math.pi / 2


def test_the_sidebar_draws_the_radar_of_the_open_assessment(data_dir: Path, rubric: Rubric) -> None:
    at = create(start(data_dir))
    goto(at, "item1")
    answer(at, "1.1", "yes")
    drawings = [m.value for m in at.sidebar.markdown if "<svg" in m.value]
    assert len(drawings) == 1
    label = re.search(r'aria-label="([^"]*)"', drawings[0])
    assert label is not None
    assert label.group(1).startswith("各评估项目得分率雷达图：组织管理 25%；工作机制 0%")
    assert not at.sidebar.get("plotly_chart")
