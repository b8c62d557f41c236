"""The radar across the 评估项目 as a PNG picture, for Word documents (python-docx takes pictures,
not vector drawings). Drawn with Pillow and the vendored CJK font, so it needs no browser and
no network; the same reading as the app's radar: each item's score as % of its maximum, rings
at 25/50/75/100 %, the outline closed."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from jiguan.radar_svg import axis_angle
from jiguan.reports.pdf import VENDORED_FONT as FONT_FILE

SIZE = 1200  # pixels: sharp at 12 cm wide in print
_CENTRE = SIZE / 2
_RADIUS = SIZE * 0.30
_INK = (31, 78, 121)
_FILL = (31, 119, 180, 80)
_GRID = (190, 190, 190)


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = axis_angle(index, count)  # first item at the top, clockwise
    return (
        _CENTRE + _RADIUS * fraction * math.cos(angle),
        _CENTRE + _RADIUS * fraction * math.sin(angle),
    )


def _wrap(name: str, width: int = 6) -> str:
    if len(name) <= width:
        return name
    cut = (len(name) + 1) // 2
    return name[:cut] + "\n" + name[cut:]


def radar_png(names: Sequence[str], percentages: Sequence[float]) -> bytes:
    """A radar of ``percentages`` (0–100, one per name, in order) labelled with ``names``."""
    count = len(names)
    image = Image.new("RGBA", (SIZE, SIZE), "white")
    draw = ImageDraw.Draw(image)
    label_font = ImageFont.truetype(str(FONT_FILE), 34)
    tick_font = ImageFont.truetype(str(FONT_FILE), 24)
    for ring in (0.25, 0.5, 0.75, 1.0):
        draw.polygon([_point(i, count, ring) for i in range(count)], outline=_GRID, width=2)
    for i in range(count):
        draw.line([(_CENTRE, _CENTRE), _point(i, count, 1.0)], fill=_GRID, width=2)
    shape = [_point(i, count, max(0.0, min(p, 100.0)) / 100) for i, p in enumerate(percentages)]
    if count >= 3:  # the fill on its own layer, so the grid shows through it
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).polygon(shape, fill=_FILL)
        image.alpha_composite(layer)
        draw.polygon(shape, outline=_INK, width=5)  # a polygon is drawn closed
    for x, y in shape:
        draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=_INK)
    for ring in (0.25, 0.5, 0.75, 1.0):
        draw.text(
            (_CENTRE + 8, _CENTRE - _RADIUS * ring),
            f"{ring * 100:.0f}",
            fill=(110, 110, 110),
            font=tick_font,
            anchor="lm",
        )
    for i, name in enumerate(names):
        x, y = _point(i, count, 1.12)
        side = x - _CENTRE
        anchor = "mm" if abs(side) < SIZE * 0.05 else ("lm" if side > 0 else "rm")
        if anchor == "mm":
            y += -40 if y < _CENTRE else 40
        draw.multiline_text(
            (x, y),
            f"{_wrap(name)}\n{percentages[i]:.0f}%",
            fill=(30, 30, 30),
            font=label_font,
            anchor=anchor,
            align="center" if anchor == "mm" else ("left" if anchor == "lm" else "right"),
            spacing=6,
        )
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()
