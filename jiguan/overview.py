"""The overview of all units (总览): one row per assessment, with where it stands, scored by the
one engine; status counts; the workbook a provincial office files.

Pure: the store's `Sheets` in, plain rows out (pages and the CLI draw or write them).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import xlsxwriter

from jiguan.format import format_time, points, today
from jiguan.rectification import NOT_STARTED
from jiguan.rectification import counts as item_counts
from jiguan.review import FINAL
from jiguan.rubric import Rubric
from jiguan.scoring import NO_EVIDENCE, UNANSWERED, score
from jiguan.store.overview import Sheets
from jiguan.store.records import AssessmentInfo

DRAFT, SUBMITTED, RETURNED = "自评中", "已提交", "退回修改"
IN_REVIEW, FINALISED = "评审中", "已定稿"
RECTIFYING, RECTIFIED = "整改中", "整改完成"
STATUSES = (DRAFT, SUBMITTED, RETURNED, IN_REVIEW, FINALISED, RECTIFYING, RECTIFIED)
COLUMNS = (
    "单位",
    "轮次",
    "状态",
    "自评分",
    "评估组得分",
    "完成度",
    "缺佐证指标",
    "未评指标",
    "未完成整改",
    "逾期整改",
    "最近更新",
)


@dataclass(frozen=True, slots=True)
class UnitRow:
    aid: int
    unit: str
    round: str
    status: str
    self_total: float
    panel_total: float | None  # None until the panel has judged something
    completion: float  # 0..1, as everywhere (scoring.Result.completion)
    no_evidence: int  # indicators that claim points without evidence
    unanswered: int  # indicators whose score can still change
    updated_at: datetime
    open_items: int = 0  # 整改事项 not 已完成 / 已核验 (nor closed)
    overdue_items: int = 0  # of those, past their 完成时限 (Beijing date)

    def cells(self) -> tuple[str, ...]:
        """The row as people read it, in `COLUMNS` order."""
        return (
            self.unit,
            self.round,
            self.status,
            points(self.self_total),
            "—" if self.panel_total is None else points(self.panel_total),
            f"{round(self.completion * 100)}%",
            str(self.no_evidence),
            str(self.unanswered),
            str(self.open_items),
            str(self.overdue_items),
            format_time(self.updated_at),
        )


def status_of(sheets: Sheets) -> str:
    """Once the review is final: 整改完成 when every 整改事项 is 已完成 / 已核验 (or closed),
    整改中 once any item has started, else 已定稿. Before: 退回修改 while the unit revises a
    returned submission; 评审中 while a review is open; 已提交 before the panel starts; else
    自评中."""
    review, submitted = sheets.review, sheets.submitted
    if review is not None and review.state == FINAL:
        live = [i for i in sheets.items if not i.closed]
        if live and not any(i.open for i in live):
            return RECTIFIED
        if any(i.status != NOT_STARTED or i.measures for i in live):
            return RECTIFYING
        return FINALISED
    if submitted is not None and not submitted.standing:
        return RETURNED
    if review is not None:
        return IN_REVIEW
    return SUBMITTED if submitted is not None else DRAFT


def overview_rows(
    rubric: Rubric,
    infos: Iterable[AssessmentInfo],
    sheets: Mapping[int, Sheets],
    *,
    day: date | None = None,
) -> list[UnitRow]:
    """A row for each assessment in ``infos`` that ``sheets`` holds, most recently changed first
    (``day``: the Beijing date overdue items are counted against, today by default)."""
    day = day or today()
    rows = []
    for info in infos:
        found = sheets.get(info.id)
        if found is None:
            continue
        result = score(rubric, found.answers)
        flags = [f for r in result.indicators.values() for f in r.flags]
        panel = None
        if found.verdicts:
            panel = score(rubric, {c: v.answer for c, v in found.verdicts.items()}).total
        updated = info.updated_at
        if found.review is not None and found.review.updated_at > updated:
            updated = found.review.updated_at
        if found.submitted is not None and found.submitted.at > updated:
            updated = found.submitted.at
        for item in found.items:
            updated = max(updated, item.updated_at)
        open_items, overdue = item_counts(found.items, day)
        rows.append(
            UnitRow(
                info.id,
                info.unit_name,
                info.round_name,
                status_of(found),
                result.total,
                panel,
                result.completion,
                flags.count(NO_EVIDENCE),
                flags.count(UNANSWERED),
                updated,
                open_items,
                overdue,
            )
        )
    rows.sort(key=lambda r: r.updated_at, reverse=True)
    return rows


def status_counts(rows: Iterable[UnitRow]) -> dict[str, int]:
    """How many assessments are in each status, every status listed (0 included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def overview_workbook(rows: Sequence[UnitRow], *, title: str = "自评总览") -> bytes:
    """The overview as an Excel workbook: one row per assessment, filters, frozen header,
    A4 landscape fitted to the page width. Text is written as text (never a formula)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": title, "author": "机关事务标准化试点 自评"})
    sheet = book.add_worksheet(title[:31])
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = book.add_format({"border": 1})
    number = book.add_format({"border": 1, "num_format": "0.0##"})
    percent = book.add_format({"border": 1, "num_format": "0%"})
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, head)
    for n, row in enumerate(rows, start=1):
        sheet.write_string(n, 0, row.unit, text)
        sheet.write_string(n, 1, row.round, text)
        sheet.write_string(n, 2, row.status, text)
        sheet.write_number(n, 3, row.self_total, number)
        if row.panel_total is None:
            sheet.write_string(n, 4, "", text)
        else:
            sheet.write_number(n, 4, row.panel_total, number)
        sheet.write_number(n, 5, row.completion, percent)
        sheet.write_number(n, 6, row.no_evidence, text)
        sheet.write_number(n, 7, row.unanswered, text)
        sheet.write_number(n, 8, row.open_items, text)
        sheet.write_number(n, 9, row.overdue_items, text)
        sheet.write_string(n, 10, format_time(row.updated_at), text)
    for col, width in enumerate((28, 14, 8, 8, 10, 8, 10, 8, 10, 8, 17)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(COLUMNS) - 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    book.close()
    return out.getvalue()
