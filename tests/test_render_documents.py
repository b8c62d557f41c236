"""Every document rendered by LibreOffice, as an inspector reads it (issue 22): PNGs under
artifacts/documents/ to look at, and a catalogue long enough to break pages checked for every
row (a row at a page foot must not vanish)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from jiguan.package import build_evidence_package
from jiguan.reports import Profile, build_blank_form, build_docx, build_pdf, build_xlsx
from jiguan.reports.review import PanelInfo, build_review_docx, build_review_xlsx
from jiguan.review import Verdict, compare_review
from jiguan.rubric import Rubric
from jiguan.scoring import NO, PARTIAL, YES, Answer, all_yes
from tests.conftest import require_service

pytestmark = pytest.mark.render
PROFILE = Profile("某某市机关事务管理局", "2026-05-08", "张三", "0571-1234", "第一轮")


def _require() -> None:
    require_service(
        bool(shutil.which("soffice")) and bool(shutil.which("pdftoppm")),
        "LibreOffice (soffice) and pdftoppm",
        "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils",
    )


def _to_pdf(path: Path, profile_dir: Path) -> Path:
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile_dir}", "--headless",
         "--convert-to", "pdf", "--outdir", str(path.parent), path.name],
        cwd=path.parent, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = path.with_suffix(".pdf")
    assert pdf.is_file(), path
    return pdf


def _png(pdf: Path, stem: str) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.parent / stem)], check=True, timeout=120
    )


def _text(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(pdf).pages]


def _long_answers(rubric: Rubric) -> dict[str, Answer]:
    answers = {}
    for _, _, ind in rubric.indicators():
        for c in ind.criteria:
            lines = [
                f"第{c.id}项材料甲乙丙丁{k}号" + "关于印发有关制度的通知" * (k % 3)
                for k in range(4)
            ]
            answers[c.id] = Answer(YES if c.kind == "check" else 1, evidence="\n".join(lines))
    return answers


def test_long_catalogue_keeps_every_row_across_pages(rubric: Rubric, tmp_path: Path) -> None:
    _require()
    answers = _long_answers(rubric)
    out = io.BytesIO()
    build_evidence_package(rubric, answers, PROFILE, {}, lambda f: b"", out)
    path = tmp_path / "佐证材料目录.docx"
    path.write_bytes(zipfile.ZipFile(io.BytesIO(out.getvalue())).read(path.name))
    pages = _text(_to_pdf(path, tmp_path / "profile"))
    assert len(pages) >= 5  # long enough to break pages many times
    text = "".join(pages)
    for cid, a in answers.items():
        for line in a.evidence.splitlines():
            assert re.sub(r"\s+", "", line)[:12] in text, (cid, line)
    report = tmp_path / "report.docx"
    report.write_bytes(build_docx(rubric, answers, PROFILE))
    text = "".join(_text(_to_pdf(report, tmp_path / "profile")))
    for cid in answers:
        assert f"第{cid}项材料甲乙丙丁3号" in text, cid


def test_render_every_document(rubric: Rubric, artifacts_dir: Path, tmp_path: Path) -> None:
    """Leave PNGs of every document in artifacts/documents/ to look at."""
    _require()
    out = artifacts_dir / "documents"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    answers = all_yes(rubric, evidence="关于成立领导小组的通知\n领导小组成员名单")
    answers["8.2"] = Answer(PARTIAL, points=0.5, evidence="=激励办法草案")
    answers["17.5"] = Answer(8)
    answers["21.1"] = Answer(5)
    answers["37.2"] = Answer(YES)
    answers["38.3"] = Answer(YES)
    answers["38.1"] = Answer(NO)
    verdicts = {cid: Verdict(a.value, a.points) for cid, a in answers.items()}
    verdicts["17.5"] = Verdict(3, reason="五项为草案")
    verdicts["21.1"] = Verdict(2, reason="两项未落实", site_note="查看了记录")
    verdicts["37.2"] = Verdict(NO, reason="未获评")
    verdicts["1.1"] = Verdict(PARTIAL, 1.0, reason="制度未印发")
    cmp = compare_review(rubric, answers, verdicts)
    panel = PanelInfo("王五、赵六", "2026-12-01", final=True)
    package = io.BytesIO()
    build_evidence_package(rubric, answers, PROFILE, {}, lambda f: b"", package)
    zf = zipfile.ZipFile(io.BytesIO(package.getvalue()))
    documents = {
        "附件2评估表.docx": build_docx(rubric, answers, PROFILE),
        "自评工作簿.xlsx": build_xlsx(rubric, answers, PROFILE),
        "自评摘要.pdf": build_pdf(rubric, answers, PROFILE),
        "空白附件2_Word.docx": build_blank_form("docx", rubric),
        "空白附件2.pdf": build_blank_form("pdf", rubric),
        "正式评估_对照版.docx": build_review_docx(rubric, cmp, PROFILE, panel),
        "正式评估_评估组版.docx": build_review_docx(rubric, cmp, PROFILE, panel, layout="panel"),
        "正式评估对照表.xlsx": build_review_xlsx(rubric, cmp, PROFILE, panel),
        "佐证材料目录.docx": zf.read("佐证材料目录.docx"),
        "佐证材料目录.xlsx": zf.read("佐证材料目录.xlsx"),
    }
    for n, (name, data) in enumerate(documents.items(), start=1):
        path = out / name
        path.write_bytes(data)
        pdf = path if name.endswith(".pdf") else _to_pdf(path, tmp_path / "profile")
        _png(pdf, f"{n:02d}")
        assert list(out.glob(f"{n:02d}-*.png")), name
    review = "".join(_text(out / "正式评估_对照版.pdf"))
    assert "不影响得分：指标17已达上限" in review
    assert f"以上各项合计{'−'}" in review
    blank = "".join(_text(out / "空白附件2.pdf"))
    assert "未评" not in blank
