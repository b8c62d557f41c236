"""The blank 附件2: the PDF form read back with pypdf, the registry, the CLI, PNGs to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from jiguan.reports import (
    BLANK_FORMATS,
    REPORT_FORMATS,
    ReportError,
    blank_form_filename,
    build_blank_form,
    build_blank_form_pdf,
)
from jiguan.rubric import Rubric, parse_rubric
from tests.conftest import require_service
from tests.test_cli import run


def squash(text: str) -> str:
    """Text without any whitespace: wrapped lines and the source's spaces ignored."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def blank_pdf(rubric: Rubric) -> bytes:
    return build_blank_form_pdf(rubric)


@pytest.fixture(scope="module")
def pages(blank_pdf: bytes) -> list[str]:
    return [squash(p.extract_text()) for p in PdfReader(io.BytesIO(blank_pdf)).pages]


def test_every_indicator_and_criterion_is_on_one_page(rubric: Rubric, pages: list[str]) -> None:
    assert 3 <= len(pages) <= 8
    for item, content, ind in rubric.indicators():
        for c in ind.criteria:
            on = [n for n, text in enumerate(pages) if squash(c.text) in text]
            assert len(on) == 1, (c.id, on)  # never cut between pages, never repeated
        row = f"{ind.id}{squash(ind.text)}"  # 序号 then 评估指标, the row not split
        holder = next(text for text in pages if row in text)
        assert squash(item.name) in holder and squash(content.name) in holder


def test_form_heading_header_on_every_page_and_blank_fields(
    rubric: Rubric, blank_pdf: bytes, pages: list[str]
) -> None:
    header = "评估项目评估内容评估指标评估方式得分"
    assert all(header in text for text in pages)
    assert squash(f"{rubric.source}{rubric.title}") in pages[0]
    assert "承担单位：＿＿" in pages[0] and "总得分：＿＿" in pages[0]
    last = pages[-1]
    assert f"总分满分{rubric.max:g}分" in last
    for label in (
        "填表人：＿",
        "联系方式：＿",
        "评估日期：＿",
        "承担单位（盖章）",
        "负责人（签字）",
    ):
        assert label in last
    reader = PdfReader(io.BytesIO(blank_pdf))
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)  # A4 portrait, as the source
    assert "空白" in reader.metadata.title


def test_cjk_font_is_embedded(blank_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(blank_pdf))
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font["/BaseFont"]))
    assert embedded and all("WenQuanYi" in name for name in embedded)


def test_an_item_running_over_pages_says_so() -> None:
    """A content taller than a page is cut between indicators, its cells marked 续."""
    indicators = [
        {
            "id": n,
            "text": f"第{n}项要求：" + "建立并落实相关工作制度，" * 6 + "得 1 分。",
            "methods": ["查看文件"],
            "criteria": [{"id": f"{n}.1", "kind": "check", "points": 1, "text": "得 1 分。"}],
        }
        for n in range(1, 31)
    ]
    content = {"name": "很长的内容", "max": 30, "indicators": indicators}
    tall = parse_rubric(
        {
            "title": "测试指引",
            "version": "1",
            "max": 30,
            "items": [{"name": "唯一项目", "max": 30, "contents": [content]}],
        }
    )
    texts = [
        squash(p.extract_text()) for p in PdfReader(io.BytesIO(build_blank_form_pdf(tall))).pages
    ]
    assert len(texts) >= 3
    assert "（30分）" in texts[0] and "续" not in texts[0]
    assert all("（30分，续）" in text for text in texts[1:])
    for n in range(1, 31):
        assert sum(f"第{n}项要求" in text for text in texts) == 1


def test_blank_registry_is_apart_from_the_reports(rubric: Rubric, blank_pdf: bytes) -> None:
    assert set(BLANK_FORMATS) == {"docx", "pdf"}
    assert [spec.label for spec in BLANK_FORMATS.values()] == [
        "空白附件2（Word）",
        "空白附件2（PDF）",
    ]
    assert "空白" not in "".join(spec.label for spec in REPORT_FORMATS.values())
    assert build_blank_form("pdf", rubric)[:5] == b"%PDF-"
    word = docx.Document(io.BytesIO(build_blank_form("docx", rubric)))
    assert "承担单位" in "\n".join(p.text for p in word.paragraphs)
    assert blank_form_filename("pdf") == "附件2评估表_空白.pdf"
    assert blank_form_filename("docx") == "附件2评估表_空白.docx"
    with pytest.raises(ReportError, match="xlsx"):
        build_blank_form("xlsx", rubric)


def test_cli_writes_the_blank_form(tmp_path: Path) -> None:
    out = tmp_path / "空白附件2.pdf"
    code, stdout, err = run("report", "--blank", "--format", "pdf", "-o", out)
    assert code == 0, err
    assert str(out) in stdout and out.read_bytes()[:5] == b"%PDF-"
    for args in [
        ("report", "--format", "pdf", "-o", out),  # neither a sheet nor --blank
        ("report", "x.csv", "--blank", "--format", "pdf", "-o", out),  # both
        ("report", "--blank", "--format", "xlsx", "-o", tmp_path / "x.xlsx"),
    ]:
        code, stdout, err = run(*args)
        assert (code, stdout) == (2, ""), args
        assert "空白附件2" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_render_blank_form_to_png(blank_pdf: bytes, artifacts_dir: Path, tmp_path: Path) -> None:
    """Leave the first and last pages in artifacts/reports_blank/ for people to look at."""
    require_service(bool(shutil.which("pdftoppm")), "pdftoppm", "apt-get install poppler-utils")
    out = artifacts_dir / "reports_blank"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pdf = out / "附件2评估表_空白.pdf"
    pdf.write_bytes(blank_pdf)
    count = len(PdfReader(io.BytesIO(blank_pdf)).pages)
    for page, stem in ((1, "first"), (count, "last")):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-singlefile", "-f", str(page), "-l", str(page),
             str(pdf), str(out / stem)],
            check=True,
            timeout=120,
        )  # fmt: skip
        assert (out / f"{stem}.png").stat().st_size > 20_000
