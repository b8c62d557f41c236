"""The evidence package (佐证材料汇编): one ZIP a unit hands to the evaluation panel.

Layout::

    佐证材料目录.docx                     the catalogue, in Word …
    佐证材料目录.xlsx                     … and in Excel (same numbers)
    一、组织管理/指标01/1-1_关于成立领导小组的通知.pdf
    一、组织管理/指标01/1-2_领导小组成员名单.pdf
    四、标准实施与监督/指标26/26-1_现场照片.jpg

Numbers are the one numbering of `jiguan.evidence` (the report's catalogues use it too): per
indicator ``<indicator>-<n>``, per criterion its typed evidence lines, then its attached files;
a typed line naming an attached file is that file's entry. Typed lines without a file are
listed as 「纸质/现场材料」 (shown to the panel on paper or on site). Every attached file is in
the ZIP once, under its number, even when two share a name.

Names are safe on Windows: NFC, only characters GBK can represent (others become ``_``), no
reserved characters or device names, every path under `MAX_PATH_CHARS`. The ZIP marks names as
UTF-8 (flag bit 11, set by `zipfile` for non-ASCII names), so Windows Explorer, 7-Zip and
``unzip`` show them intact.

`build_evidence_package` streams: each file is read, written and released in turn, so memory
stays near the largest single file whatever the package's size.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple, Protocol, cast

import xlsxwriter

from jiguan.evidence import EvidenceEntry, EvidenceGroup, file_name, number_evidence
from jiguan.format import CHINA_TZ
from jiguan.reports._common import Profile, clean_inputs
from jiguan.reports._xlsx import row_height, workbook_properties
from jiguan.reports.catalogue import build_catalogue_docx
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.text import clean_text

PAPER = "纸质/现场材料"
ELECTRONIC = "电子文件"
CATALOGUE = "佐证材料目录"
MAX_PATH_CHARS = 200  # below Windows' 260 with room for the folder it is unpacked into
NAME_CHARS = 75  # one name: 75 CJK characters are 225 bytes in UTF-8, under 255 on Linux too
_CHUNK = 1 << 20
_RESERVED = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in range(10)
}
_NUMERALS = "一二三四五六七八九十"


class StoredFile(Protocol):
    """What the package needs of an attached file (the store's `EvidenceFile` fits)."""

    @property
    def id(self) -> int: ...
    @property
    def criterion_id(self) -> str: ...
    @property
    def filename(self) -> str: ...


Reader = Callable[[StoredFile], bytes | BinaryIO]


class PackageEntry(NamedTuple):
    """One line of the catalogue; ``path`` is where the file is in the ZIP ("" for paper)."""

    number: str
    indicator: int
    criterion_id: str
    title: str
    path: str
    file: StoredFile | None


@dataclass(frozen=True, slots=True)
class PackageSummary:
    files: int
    paper: int
    bytes_in: int


def safe_name(text: str, *, limit: int = 80) -> str:
    """A file or folder name Windows accepts and GBK can represent, at most `limit` chars."""
    text = unicodedata.normalize("NFC", clean_text(text))
    text = _RESERVED.sub("_", text)
    text = "".join(ch if _gbk_ok(ch) else "_" for ch in text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > 10 or not stem:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    if stem.split(".")[0].upper() in _DEVICE_NAMES:
        stem = "_" + stem
    stem = stem[: max(1, limit - len(suffix))].rstrip(" .") or "_"
    return stem + suffix


def _gbk_ok(ch: str) -> bool:
    try:
        ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def item_folder(index: int, name: str) -> str:
    """「一、组织管理」: the item's Chinese ordinal and name."""
    ordinal = _NUMERALS[index] if index < len(_NUMERALS) else str(index + 1)
    return safe_name(f"{ordinal}、{name}", limit=40)


def plan_package(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    files: Mapping[str, Sequence[StoredFile]],
) -> list[tuple[EvidenceGroup, list[PackageEntry]]]:
    """The catalogue: the one numbering (`jiguan.evidence.number_evidence`) with ZIP paths."""
    folders = {id(item): item_folder(n, item.name) for n, item in enumerate(rubric.items)}
    plan = []
    for group in number_evidence(rubric, answers, files):
        base = f"{folders[id(group.item)]}/指标{group.indicator.id:02d}/"
        entries = []
        for e in group.entries:
            path = ""
            if e.file is not None:
                room = MAX_PATH_CHARS - len(base) - len(e.number) - 1
                name = safe_name(file_name(e.file), limit=min(room, NAME_CHARS))
                path = f"{base}{e.number}_{name}"
            entries.append(
                PackageEntry(
                    e.number,
                    group.indicator.id,
                    e.criterion_id,
                    e.text,
                    path,
                    cast("StoredFile | None", e.file),  # the files given here are stored ones
                )
            )
        plan.append((group, entries))
    return plan


def build_evidence_package(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    profile: Profile,
    files: Mapping[str, Sequence[StoredFile]],
    read: Reader,
    out: str | Path | BinaryIO,
) -> PackageSummary:
    """Write the evidence package ZIP to `out` (a path or a writable binary stream).

    Args:
        rubric: the rubric.
        answers: criterion id -> Answer (its evidence lines become catalogue entries).
        profile: unit, round and date, printed under the catalogue's title.
        files: criterion id -> attached files (e.g. ``store.list_files(aid)`` grouped).
        read: a file's content, as bytes or a binary stream (e.g. ``store.read_file(f.id)``);
            called once per file, when that file is written.
        out: where the ZIP goes; a stream need not be seekable.

    Raises:
        Whatever `read` raises (e.g. `StoreError` for a missing file); a path is then left
        incomplete, so write to a temporary name and rename on success.
    """
    answers, profile, _ = clean_inputs(answers, profile)
    plan = plan_package(rubric, answers, files)
    entries = [e for _, group_entries in plan for e in group_entries]
    note = (
        f"共 {len(entries)} 项佐证材料：{sum(1 for e in entries if e.path)} 个电子文件按编号放在"
        f"各评估项目、指标的文件夹中；标「{PAPER}」的 {sum(1 for e in entries if not e.path)} 项"
        "无电子文件，请在评估时以纸质或现场方式提供。"
    )
    by_number = {e.number: e for e in entries}

    def entry_text(entry: EvidenceEntry) -> str:
        e = by_number[entry.number]
        return f"{e.title}\n（{ELECTRONIC}：{e.path}）" if e.path else f"{e.title}（{PAPER}）"

    title = f"{CATALOGUE}（{rubric.title}）"
    docx = build_catalogue_docx(title, profile, [g for g, _ in plan], entry_text, note)
    xlsx = _catalogue_xlsx(plan, title, profile)
    bytes_in = 0
    stamp = dt.datetime.now(CHINA_TZ).timetuple()[:6]  # ZIP times are local: Beijing's
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for name, data in ((f"{CATALOGUE}.docx", docx), (f"{CATALOGUE}.xlsx", xlsx)):
            zf.writestr(_entry(name, stamp, zipfile.ZIP_DEFLATED), data)
        for e in entries:
            if e.file is None:
                continue
            content = read(e.file)
            # already-compressed formats gain nothing from deflate; store them as they are
            method = zipfile.ZIP_STORED if _compressed(e.path) else zipfile.ZIP_DEFLATED
            info = _entry(e.path, stamp, method)
            size = len(content) if isinstance(content, bytes | bytearray) else None
            size = size if size is not None else getattr(e.file, "size", None)
            # Zip64 only where needed: zipfile decides from the size when it is known
            info.file_size = size or 0
            with zf.open(info, "w", force_zip64=size is None) as dest:
                if isinstance(content, bytes | bytearray):
                    dest.write(content)
                    bytes_in += len(content)
                else:
                    with content:
                        bytes_in += _copy(content, dest)
            del content
    return PackageSummary(
        files=sum(1 for e in entries if e.path),
        paper=sum(1 for e in entries if not e.path),
        bytes_in=bytes_in,
    )


def _entry(name: str, stamp: tuple[int, int, int, int, int, int], method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    return info


def _copy(src: BinaryIO, dest: IO[bytes]) -> int:
    n = 0
    while chunk := src.read(_CHUNK):
        dest.write(chunk)
        n += len(chunk)
    return n


def _compressed(path: str) -> bool:
    return path.lower().rsplit(".", 1)[-1] in {"jpg", "jpeg", "png", "zip", "docx", "xlsx", "pptx"}


def _catalogue_xlsx(
    plan: Sequence[tuple[EvidenceGroup, Sequence[PackageEntry]]], title: str, profile: Profile
) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    wb.set_properties(workbook_properties(title, profile))
    ws = wb.add_worksheet(CATALOGUE)
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "top"}
    head = wb.add_format({**base, "bold": True, "bg_color": "#E7E6E6", "align": "center"})
    text = wb.add_format({**base, "text_wrap": True, "quote_prefix": True})
    columns = (("编号", 7), ("指标", 5), ("评估项目", 12), ("评估内容", 12),
               ("佐证材料", 40), ("类型", 12), ("评分项", 7), ("压缩包内位置", 48))  # fmt: skip
    for col, (name, width) in enumerate(columns):
        ws.write_string(0, col, name, head)
        ws.set_column(col, col, width)
    r = 1
    for group, entries in plan:
        for e in entries:
            values = (e.number, e.indicator, group.item.name, group.content.name, e.title,
                      ELECTRONIC if e.path else PAPER, e.criterion_id, e.path)  # fmt: skip
            for col, value in enumerate(values):
                if isinstance(value, int):
                    ws.write_number(r, col, value, text)  # 指标 sorts 1, 2, … 10
                else:
                    ws.write_string(r, col, value, text)
            ws.set_row(r, row_height([(e.title, 40), (e.path, 48), (group.content.name, 12)]))
            r += 1
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r - 1, 1), len(columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    wb.close()
    return out.getvalue()


def package_filename(unit: str, round_name: str = "") -> str:
    """``佐证材料汇编_<单位>_<轮次>.zip``."""
    parts = ["佐证材料汇编", safe_name(unit, limit=40), safe_name(round_name, limit=30)]
    return "_".join(p for p in parts if p.strip("_")) + ".zip"


def files_by_criterion(files: Sequence[StoredFile]) -> dict[str, list[StoredFile]]:
    """The store's file list grouped by criterion, order kept."""
    grouped: dict[str, list[StoredFile]] = {}
    for f in files:
        grouped.setdefault(f.criterion_id, []).append(f)
    return grouped
