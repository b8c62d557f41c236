"""The 佐证材料目录 (evidence index) in Word: in the 附件2 form and in the evidence package.

Each indicator's entries are one small table under a heading paragraph that is kept with the
table's first row (Word, WPS and LibreOffice all honour keep-with-next before a table, where
keep-with-next on a table row is honoured unevenly), so no heading is left at a page foot.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from docx import Document
from docx.document import Document as WordDocument
from docx.shared import Pt

from jiguan.evidence import EvidenceEntry, EvidenceGroup
from jiguan.reports._common import Profile
from jiguan.reports._docx import (
    HEI,
    _add_row,
    _header_row,
    _heading,
    _new_table,
    _para,
    _setup,
    _write,
    set_properties,
)
from jiguan.text import lines

INDEX_WIDTHS = (1.6, 11.4, 2.6)  # 编号, 佐证材料, 评分项 (cm): `_docx.TEXT_WIDTH`
INDEX_HEAD = ["编号", "佐证材料（名称、文号）", "对应评分项"]


def group_heading(group: EvidenceGroup) -> str:
    """「指标 17（标准体系与标准制定／标准制定）：…」, the indicator's text shortened."""
    short = lines(group.indicator.text)[0]
    if len(short) > 40:
        short = short[:40] + "……"
    return f"指标 {group.indicator.id}（{group.item.name}／{group.content.name}）：{short}"


def add_evidence_index(
    doc: WordDocument,
    groups: Sequence[EvidenceGroup],
    entry_text: Callable[[EvidenceEntry], str],
    *,
    empty: str = "（尚未填写佐证材料。）",
) -> None:
    """Append the index: per group a heading kept with its table of entries."""
    if not groups:
        _para(doc, empty)
        return
    for group in groups:
        p = _para(doc, group_heading(group), font=HEI, size=10.5, space_after=3)
        p.paragraph_format.space_before = Pt(8)
        p.paragraph_format.keep_with_next = True
        table = _new_table(doc, INDEX_WIDTHS)
        # A one-entry table gets no repeated heading: LibreOffice could drop a lone row that
        # may not split from the foot of a page when its heading row repeats.
        _header_row(table, INDEX_WIDTHS, INDEX_HEAD, repeat=len(group.entries) > 1)
        for entry in group.entries:
            cells = _add_row(table, INDEX_WIDTHS)
            _write(cells[0], entry.number)
            _write(cells[1], entry_text(entry), center=False)
            _write(cells[2], entry.criterion_id)


def build_catalogue_docx(
    title: str,
    profile: Profile,
    groups: Sequence[EvidenceGroup],
    entry_text: Callable[[EvidenceEntry], str],
    note: str = "",
) -> bytes:
    """A stand-alone 佐证材料目录 (.docx) with the unit and date under the title."""
    doc = Document()
    _setup(doc)
    _heading(doc, title)
    meta = "　".join(t for t in (profile.unit_name, profile.round_name, profile.date_text) if t)
    if meta:
        _para(doc, meta, space_after=4)
    if note:
        _para(doc, note, size=10.5, space_after=6)
    add_evidence_index(doc, groups, entry_text)
    set_properties(doc, title, profile.filled_by or profile.unit_name)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


__all__ = ["INDEX_HEAD", "add_evidence_index", "build_catalogue_docx", "group_heading"]
