"""One evidence numbering (issue 22, item 2): the Word and Excel 佐证材料目录 of the report and
the evidence package (its catalogue and its files) give the same number to the same item; a
typed line naming an uploaded file is one entry; files with equal names stay distinct."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace

import openpyxl
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiguan.package import build_evidence_package
from jiguan.reports import Profile, build_docx, build_xlsx
from jiguan.reports.catalogue import INDEX_HEAD
from jiguan.rubric import load_rubric
from jiguan.scoring import Answer

RUBRIC = load_rubric()
Entry = tuple[str, str, str]  # number, criterion, title


def _stored(uploads: list[tuple[str, str]]) -> dict[str, list[SimpleNamespace]]:
    files: dict[str, list[SimpleNamespace]] = {}
    for n, (cid, name) in enumerate(uploads, start=1):
        files.setdefault(cid, []).append(SimpleNamespace(id=n, criterion_id=cid, filename=name))
    return files


def _names(files: dict[str, list[SimpleNamespace]]) -> dict[str, list[str]]:
    return {cid: [f.filename for f in fs] for cid, fs in files.items()}


def _docx_entries(data: bytes) -> list[Entry]:
    out = []
    for table in Document(io.BytesIO(data)).tables:
        if [c.text for c in table.rows[0].cells] != INDEX_HEAD:
            continue
        for row in table.rows[1:]:
            number, text, cid = (c.text for c in row.cells)
            out.append((number, cid, _title(text)))
    return out


def _title(text: str) -> str:
    return re.sub(r"（(纸质/现场材料|附件)）$", "", text.split("\n")[0])


def _xlsx_entries(data: bytes, sheet: str, cols: tuple[int, int, int]) -> list[Entry]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    number, text, cid = cols
    return [
        (str(r[number]), str(r[cid]), str(r[text]))
        for r in ws.iter_rows(min_row=2, values_only=True)
        if r[number] and re.match(r"\d+-\d+$", str(r[number]))
    ]


def _outputs(answers, files) -> dict[str, list[Entry]]:
    profile = Profile("某局")
    docx = build_docx(RUBRIC, answers, profile, files=_names(files))
    xlsx = build_xlsx(RUBRIC, answers, profile, files=_names(files))
    out = io.BytesIO()
    build_evidence_package(RUBRIC, answers, profile, files, lambda f: b"x", out)
    zf = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    zip_docx = zf.read("佐证材料目录.docx")
    zip_xlsx = zf.read("佐证材料目录.xlsx")
    return {
        "report docx": _docx_entries(docx),
        "report xlsx": _xlsx_entries(xlsx, "佐证材料目录", (0, 4, 6)),
        "zip docx": _docx_entries(zip_docx),
        "zip xlsx": _xlsx_entries(zip_xlsx, "佐证材料目录", (0, 4, 6)),
        "zip files": sorted(
            (n.split("/")[-1].split("_")[0], "", "") for n in zf.namelist() if "/" in n
        ),
    }


def test_typed_line_naming_a_file_is_one_entry_and_equal_names_stay_distinct() -> None:
    answers = {
        "1.1": Answer("yes", evidence="关于成立领导小组的通知\n办公场所照片1"),
        "2.1": Answer("yes", evidence="主要负责人讲话稿"),
    }
    files = _stored(
        [("1.1", "办公场所照片1.jpg"), ("2.1", "现场照片.jpg"), ("2.1", "现场照片.jpg")]
    )
    outputs = _outputs(answers, files)
    expected = [
        ("1-1", "1.1", "关于成立领导小组的通知"),
        ("1-2", "1.1", "办公场所照片1.jpg"),
        ("2-1", "2.1", "主要负责人讲话稿"),
        ("2-2", "2.1", "现场照片.jpg"),
        ("2-3", "2.1", "现场照片.jpg"),
    ]
    for name in ("report docx", "report xlsx", "zip docx", "zip xlsx"):
        assert outputs[name] == expected, name
    assert outputs["zip files"] == [("1-2", "", ""), ("2-2", "", ""), ("2-3", "", "")]


LINES = st.sampled_from(["会议纪要", "制度汇编", "照片", "通知", "讲话稿", "会议纪要"])
NAMES = st.sampled_from(["照片.jpg", "通知.pdf", "方案.pdf", "照片.jpg", "会议纪要.docx"])
CRITERIA = ["1.1", "2.1", "17.1", "17.2", "37.1", "37.2"]


@st.composite
def assessments(draw):
    answers = {}
    uploads = []
    for cid in CRITERIA:
        typed = draw(st.lists(LINES, max_size=3))
        answers[cid] = Answer(None, evidence="\n".join(typed))
        uploads += [(cid, name) for name in draw(st.lists(NAMES, max_size=3))]
    return answers, _stored(uploads)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments())
def test_catalogues_and_zip_number_the_same_items(sample) -> None:
    answers, files = sample
    outputs = _outputs(answers, files)
    reference = outputs["zip xlsx"]
    for name in ("report docx", "report xlsx", "zip docx"):
        assert outputs[name] == reference, name
    assert outputs["zip files"] == sorted(_file_numbers_from_plan(reference, files))


def _file_numbers_from_plan(entries: list[Entry], files) -> list[Entry]:
    # every uploaded file is one entry: as many file entries as uploads, per criterion
    out = []
    for cid, stored in files.items():
        mine = [n for n, c, title in entries if c == cid and "." in title]
        assert len(mine) == len(stored)
        out += [(n, "", "") for n in mine]
    return out
