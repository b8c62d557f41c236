"""The radars as Chromium draws them (issue 27), at 1024×768 and 1920×1080: the single radar
of 汇总 and the two-polygon overlay of 评审对照/示例练习. The figures are the app's own
(jiguan.charts); plotly.js is the copy the plotly package ships (no network). Screenshots
under artifacts/charts/ are for people to look at; the test checks the drawn SVG."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiguan.charts import radar, radar_overlay
from jiguan.rubric import Rubric
from jiguan.scoring import NO, YES, Answer, all_yes, score

pytestmark = pytest.mark.browser
SIZES = {"1024x768": (1024, 768), "1920x1080": (1920, 1080)}


def _half(rubric: Rubric) -> dict[str, Answer]:
    return {
        c.id: Answer(1 if c.kind == "count" else (YES if i % 2 else NO))
        for i, (_, _, ind) in enumerate(rubric.indicators())
        for c in ind.criteria
    }


@pytest.mark.parametrize("size", SIZES)
def test_radars_are_closed_and_labelled(
    browser, rubric: Rubric, artifacts_dir: Path, tmp_path: Path, size: str
) -> None:
    width, height = SIZES[size]
    mine, panel = score(rubric, _half(rubric)), score(rubric, all_yes(rubric))
    figures = {
        "single": radar(mine, height=min(560, height - 200)),
        "overlay": radar_overlay([("自评", mine), ("评估组", panel)], height=480),
    }
    shots = artifacts_dir / "charts"
    shots.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    for name, fig in figures.items():
        html = tmp_path / f"{name}.html"
        fig.write_html(html, include_plotlyjs=True, full_html=True)
        page.goto(html.as_uri())
        page.locator(".scatterlayer .trace").first.wait_for()
        page.screenshot(path=str(shots / f"radar_{name}_{size}.png"))
        # every outline is one closed path: as many vertices as items, plus the return
        for d in page.locator(".scatterlayer .trace path.js-line").evaluate_all(
            "els => els.map(e => e.getAttribute('d'))"
        ):
            assert d.count("L") >= len(rubric.items), d
        line = page.locator(".radial-axis path.line, .radial-axis-line, path.radial-line")
        if name == "single":
            assert line.count() == 0 or not line.first.is_visible()
    page.close()
