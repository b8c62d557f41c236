"""XlsxWriter helpers shared by the workbook and the evidence catalogue: formats, widths, heights,
the header row with print set-up, and cell references."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

FONT = "宋体"
FONT_PT = 10
LINE_PT = 14  # one wrapped line of 10 pt 宋体, with leading
NUMBER = "0.0"
PERCENT = "0.0%"


class Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": FONT_PT, "border": 1, "border_color": "#BFBFBF"}
        top = {**base, "valign": "top"}
        self.head = wb.add_format(
            {**base, "bold": True, "bg_color": "#E7E6E6", "align": "center", "valign": "vcenter"}
        )
        self.head.set_text_wrap()
        # Text cells carry the quote prefix: F2 + Enter in Excel never turns 「=…」 into a formula.
        self.text = wb.add_format({**top, "text_wrap": True, "quote_prefix": True})
        self.center = wb.add_format({**top, "align": "center"})
        self.number = wb.add_format({**top, "align": "center", "num_format": NUMBER})
        self.input = wb.add_format({**top, "locked": False, "bg_color": "#FFFBEA"})
        self.input_wrap = wb.add_format(
            {**top, "locked": False, "bg_color": "#FFFBEA", "quote_prefix": True}
        )
        self.input_wrap.set_text_wrap()
        self.input_number = wb.add_format(
            {**top, "locked": False, "bg_color": "#FFFBEA", "align": "center"}
        )
        self.bold_number = wb.add_format({**top, "bold": True, "num_format": NUMBER})
        self.subtotal = wb.add_format({**top, "bold": True, "bg_color": "#F2F2F2"})
        self.subtotal_number = wb.add_format(
            {**top, "bold": True, "bg_color": "#F2F2F2", "num_format": NUMBER}
        )
        self.subtotal_percent = wb.add_format(
            {**top, "bold": True, "bg_color": "#F2F2F2", "num_format": PERCENT}
        )
        self.percent = wb.add_format({**top, "num_format": PERCENT})
        self.label = wb.add_format({**top, "bold": True})
        self.plain = wb.add_format({"font_name": FONT, "font_size": FONT_PT})


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lines_needed(text: str, width: int) -> int:
    """Wrapped lines of `text` in a column `width` characters wide (CJK counts 2)."""
    room = max(width - 1, 2)
    return sum(max(1, math.ceil(_display_width(line) / room)) for line in text.split("\n"))


MAX_ROW_PT = 409.0  # the most Excel allows
MAX_LINES = int((MAX_ROW_PT - 4) // LINE_PT)


def row_height(cells: Sequence[tuple[str, int]]) -> float:
    """Points for a row whose wrapped cells are (text, column width): the tallest shows whole
    (up to `MAX_ROW_PT`; longer text goes over several rows, `split_for_rows`)."""
    lines = max((_lines_needed(text, width) for text, width in cells if text), default=1)
    return min(MAX_ROW_PT, lines * LINE_PT + 4)


def split_for_rows(text: str, width: int) -> list[str]:
    """`text` cut into parts that each fit one row (`MAX_LINES` wrapped lines) of a column
    `width` characters wide: between lines where it can, a very long line between characters.
    The parts joined back (a line cut in two joins without a break) are the text."""
    room = max(width - 1, 2)
    pieces: list[tuple[bool, str]] = []  # (starts a line of the text, one wrapped line)
    for line in text.split("\n"):
        start, used, first = 0, 0, True
        for i, ch in enumerate(line):
            w = 2 if ord(ch) > 0x2E7F else 1
            if used + w > room:
                pieces.append((first, line[start:i]))
                start, used, first = i, 0, False
            used += w
        pieces.append((first, line[start:]))
    parts = []
    for n in range(0, len(pieces), MAX_LINES):
        chunk = pieces[n : n + MAX_LINES]
        text_part = chunk[0][1] + "".join(("\n" if new else "") + s for new, s in chunk[1:])
        parts.append(text_part)
    return parts or [""]


def workbook_properties(title: str, profile: object) -> dict[str, object]:
    """XlsxWriter properties that tell the truth: the document's name, 填表人 or the unit as
    author, created now."""
    author = getattr(profile, "filled_by", "") or getattr(profile, "unit_name", "")
    return {
        "title": title,
        "author": author,
        "created": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "comments": "",
    }


def _header(ws: Worksheet, styles: Styles, columns: Sequence[tuple[str, int]]) -> None:
    for col, (title, width) in enumerate(columns):
        ws.write_string(0, col, title, styles.head)
        ws.set_column(col, col, width)
    ws.set_row(0, row_height([(t, w) for t, w in columns]))
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _ranges(sheet: str, col: int, rows: Sequence[int]) -> str:
    """References to `rows` (0-based) of one column, runs as ranges: '答题'!K2:K4,'答题'!K9."""
    letter = xl_col_to_name(col)
    parts: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        if start == prev:
            parts.append(f"'{sheet}'!{letter}{start + 1}")
        else:
            parts.append(f"'{sheet}'!{letter}{start + 1}:{letter}{prev + 1}")
        if r is not None:
            start = prev = r
    return ",".join(parts)
