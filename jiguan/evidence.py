"""The one evidence numbering (佐证材料编号): every 佐证材料目录 (the report's Word and Excel, the
evidence package's catalogue and file names) and the app's evidence lists read it, so 「材料
1-3」 is the same item wherever an inspector looks it up.

Per indicator, in rubric order, entries are numbered ``<indicator>-<n>``: per criterion its
typed evidence lines, then its attached files. A typed line that names one of the criterion's
files (the file name, with or without its extension) is that file's entry, not one of its own;
a line typed twice within an indicator is one entry; files are never merged (two uploads named
alike are two entries). A criterion with attachments whose names are not given gets one line
saying how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from jiguan.rubric import Content, Indicator, Item, Rubric
from jiguan.scoring import Answer
from jiguan.text import clean_text, lines


class EvidenceEntry(NamedTuple):
    number: str  # "17-2": indicator 17, second entry
    text: str
    criterion_id: str
    is_file: bool  # an attached file (rather than an entry typed into the answer)
    file: object | None = None  # the attached file as given (a name or a stored file)


class EvidenceGroup(NamedTuple):
    indicator: Indicator
    item: Item
    content: Content
    entries: tuple[EvidenceEntry, ...]


def file_name(file: object) -> str:
    """The display name of an attached file given as a name or as a stored file."""
    return clean_text(file if isinstance(file, str) else getattr(file, "filename", ""))


def number_evidence(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    files: Mapping[str, Sequence[object]] | None = None,
) -> list[EvidenceGroup]:
    """Per indicator with any evidence, its numbered entries (see the module docstring).

    Args:
        files: criterion id -> its attached files in upload order, as names or as stored
            files (anything with ``filename``, e.g. the store's `EvidenceFile`).
    """
    groups: list[EvidenceGroup] = []
    for item, content, ind in rubric.indicators():
        typed: set[str] = set()
        raw: list[tuple[str, str, bool, object | None]] = []
        for c in ind.criteria:
            a = answers.get(c.id)
            attached = list((files or {}).get(c.id, ()))
            names = [file_name(f) for f in attached]
            named = set(names) | {n.rpartition(".")[0] for n in names if "." in n}
            for text in lines(a.evidence if a else ""):
                if text not in named and text not in typed:
                    typed.add(text)
                    raw.append((text, c.id, False, None))
            raw += [(name, c.id, True, f) for name, f in zip(names, attached, strict=True)]
            if a is not None and a.attachments and not attached:
                raw.append((f"已上传佐证文件 {a.attachments} 个", c.id, True, None))
        if raw:
            entries = tuple(
                EvidenceEntry(f"{ind.id}-{n}", text, cid, is_file, f)
                for n, (text, cid, is_file, f) in enumerate(raw, start=1)
            )
            groups.append(EvidenceGroup(ind, item, content, entries))
    return groups


__all__ = ["EvidenceEntry", "EvidenceGroup", "file_name", "number_evidence"]
