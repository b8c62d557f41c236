"""The 自评报告 draft (issue 23 item 3): Word heading styles in the source's order, the score table
and radar picture, what was done with the one evidence numbering, what lost points, a line to
complete per indicator that lost points, and the 佐证材料目录; from the CLI by assessment id."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from jiguan import PROJECT_ROOT
from jiguan.evidence import number_evidence
from jiguan.reports import REPORT_FORMATS, Profile, build_report
from jiguan.reports.self_report import TITLE, build_self_report
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, score
from jiguan.store import Store
from tests.conftest import require_service

HEADINGS = ["一、基本情况", "二、自评得分情况", "三、主要做法和成效", "四、存在的问题"]


def _sheet(rubric: Rubric) -> dict[str, Answer]:
    """Indicators 1 and 2 met with evidence (one line names the attached file), 3 not met."""
    ids = [c.id for c in rubric.indicator_by_id[1].criteria + rubric.indicator_by_id[2].criteria]
    sheet = {
        cid: Answer("yes", evidence="《领导小组通知》\n照片.jpg", note="已印发") for cid in ids
    }
    for c in rubric.indicator_by_id[3].criteria:
        sheet[c.id] = Answer("no")
    return sheet


def _text(data: bytes) -> tuple[list[tuple[str, str]], str]:
    doc = Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    return paragraphs, "\n".join(t for _, t in paragraphs)


def test_headings_are_word_styles_in_order(rubric: Rubric) -> None:
    data = build_self_report(rubric, _sheet(rubric), Profile(unit_name="甲局", filled_by="张三"))
    paragraphs, _ = _text(data)
    level1 = [t for style, t in paragraphs if style == "Heading 1"]
    assert level1[: len(HEADINGS)] == HEADINGS
    assert level1[-2:] == ["五、下一步工作打算", "附件：佐证材料目录"]
    level2 = [t for style, t in paragraphs if style == "Heading 2"]
    assert level2 == [
        f"（{n}）{item.name}" for n, item in zip("一二三四五六七", rubric.items, strict=True)
    ]
    doc = Document(io.BytesIO(data))
    assert len(doc.inline_shapes) == 1  # the radar
    assert b"txbx" not in data  # no text boxes
    assert doc.core_properties.title == TITLE and doc.core_properties.author == "张三"


def test_what_was_done_cites_the_one_numbering(rubric: Rubric) -> None:
    sheet = _sheet(rubric)
    files = {rubric.indicator_by_id[1].criteria[0].id: ["照片.jpg"]}
    _, text = _text(build_self_report(rubric, sheet, Profile(unit_name="甲局"), files=files))
    numbered = {e.number: e.text for g in number_evidence(rubric, sheet, files) for e in g.entries}
    for number, entry in numbered.items():
        if number.split("-")[0] in ("1", "2"):
            assert f"材料 {number}：{entry}" in text
    assert "照片.jpg" in numbered.values()  # the typed line naming the file is its entry
    assert "说明（评分项 1.1）：已印发" in text


def test_what_lost_points_and_the_next_steps(rubric: Rubric) -> None:
    sheet = _sheet(rubric)
    result = score(rubric, sheet)
    _, text = _text(build_self_report(rubric, sheet, Profile(unit_name="甲局")))
    ind3 = result.indicators[3]
    assert f"指标 3：满分 {ind3.max:g} 分，自评 0 分，失 {ind3.max:g} 分" in text
    assert f"未达到：{rubric.indicator_by_id[3].criteria[0].text}" in text
    assert "针对指标 3：" in text and "针对指标 1：" not in text
    assert f"自评总得分 {result.total:g} 分" in text


def test_offered_with_the_other_documents(rubric: Rubric) -> None:
    spec = REPORT_FORMATS["self-report"]
    assert spec.extension == ".docx"
    data = build_report("self-report", rubric, _sheet(rubric), Profile(unit_name="甲局"))
    assert _text(data)[1].startswith(TITLE)


def test_cli_builds_it_from_an_assessment_id(
    rubric: Rubric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGUAN_DATABASE_URL", raising=False)
    store = Store.from_environment(rubric)
    store.migrate()
    info = store.create_assessment("甲局", "第一轮")
    store.replace_answers(info.id, _sheet(rubric), user="x")
    store.close()
    out = tmp_path / "自评报告.docx"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jiguan",
            "report",
            str(info.id),
            "--format",
            "self-report",
            "-o",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "甲局" in _text(out.read_bytes())[1]
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "jiguan",
            "report",
            "999",
            "--format",
            "self-report",
            "-o",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode != 0 and "没有编号为 999 的自评" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.render
def test_renders_in_libreoffice(rubric: Rubric, tmp_path: Path, artifacts_dir: Path) -> None:
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    require_service(bool(soffice), "LibreOffice", "apt-get install -y libreoffice-writer-nogui")
    docx = tmp_path / "自评报告.docx"
    docx.write_bytes(build_self_report(rubric, _sheet(rubric), Profile(unit_name="甲局")))
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "自评报告.pdf"
    shutil.copy(pdf, artifacts_dir / "self_report.pdf")
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 2
    first = reader.pages[0].extract_text()
    assert TITLE in first.replace(" ", "") and "一、基本情况" in first
