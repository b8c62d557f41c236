"""整改台账 (Excel) and 整改情况报告 (Word) (issue 23 item 2): one row per item with the columns,
filters and print setup; Word headings as styles and a table; ``python -m jiguan report ID
--format rectification-xlsx|rectification-docx``; both opened in LibreOffice."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from jiguan import PROJECT_ROOT
from jiguan.format import today
from jiguan.rectification import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    PANEL,
    SELF,
    RectificationFile,
    RectificationItem,
)
from jiguan.reports import REPORT_FORMATS, Profile, build_report, report_filename
from jiguan.reports.rectification import HEADERS
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from tests.conftest import require_service

PROFILE = Profile(unit_name="某某市机关事务管理局", round_name="2026年")
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _item(n: int, ind: int, **fields: object) -> RectificationItem:
    base: dict[str, object] = {
        "id": n,
        "assessment_id": 1,
        "indicator_id": ind,
        "source": PANEL,
        "points_lost": 2.0,
        "reason": f"{ind}.1 评估组：制度未印发",
        "measures": "",
        "department": "",
        "owner": "",
        "due_date": None,
        "progress": "",
        "evidence": "",
        "status": NOT_STARTED,
        "version": 1,
        "created_at": NOW,
        "updated_by": "x",
        "updated_at": NOW,
    }
    return RectificationItem(**(base | fields))  # type: ignore[arg-type]


ITEMS = [
    _item(
        1,
        3,
        measures='=HYPERLINK("x")',  # text stays text
        department="办公室",
        owner="张三",
        due_date=today() - timedelta(days=5),
        status=IN_PROGRESS,
    ),
    _item(
        2,
        5,
        measures="修订制度",
        status=DONE,
        progress="已印发",
        evidence="通知\n会议纪要",
        files=(
            RectificationFile(
                id=9,
                item_id=2,
                assessment_id=1,
                filename="印发通知.pdf",
                size=10,
                sha256="ab" * 32,
                content_type="application/pdf",
                uploaded_by="张三",
                uploaded_at=NOW,
            ),
        ),
    ),
    _item(3, 7, closed_at=NOW, closed_note="指标已不再失分，自动关闭（依据单位自评得满分）"),
]


def test_workbook_one_row_per_item_filters_and_print_setup(rubric: Rubric) -> None:
    data = build_report("rectification-xlsx", rubric, {}, PROFILE, items=ITEMS)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == list(HEADERS)
    assert ws.max_row == 1 + len(ITEMS)
    col = {name: n for n, name in enumerate(HEADERS)}
    first = [c.value for c in ws[2]]
    assert first[col["指标"]].startswith("指标 3") and first[col["失分"]] == 2.0
    assert (
        first[col["整改措施"]] == '=HYPERLINK("x")'
        and ws.cell(2, col["整改措施"] + 1).data_type == "s"
    )
    assert first[col["责任人"]] == "张三" and first[col["状态"]] == "整改中"
    assert first[col["是否逾期"]] == "逾期"
    second = [c.value for c in ws[3]]
    assert second[col["完成佐证"]] == "通知\n会议纪要" and second[col["是否逾期"]] in (None, "")
    third = [c.value for c in ws[4]]
    assert third[col["状态"]] == "已关闭" and "自动关闭" in third[col["备注"]]
    assert second[col["完成佐证文件"]] == f"印发通知.pdf（SHA-256：{'ab' * 32}）"
    assert first[col["完成佐证文件"]] in (None, "")
    assert ws.auto_filter.ref == f"A1:P{1 + len(ITEMS)}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
    assert report_filename("rectification-xlsx", "甲局", "2026") == "整改台账_甲局_2026.xlsx"


def test_word_report_has_heading_styles_and_a_table(rubric: Rubric) -> None:
    data = build_report("rectification-docx", rubric, {}, PROFILE, items=ITEMS)
    doc = docx.Document(io.BytesIO(data))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Head")]
    assert ("Heading 1", "一、基本情况") in headings
    assert ("Heading 1", "二、整改事项一览") in headings
    assert any(style == "Heading 2" and text.startswith("指标 3") for style, text in headings)
    table = doc.tables[0]
    assert table.rows[0].cells[0].text == "指标" and len(table.rows) == 1 + 2  # closed left out
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "共有整改事项 2 项" in text and "逾期 1 项" in text
    assert "另有 1 项因指标已不再失分而自动关闭" in text
    assert "1. 通知" in text and "2. 会议纪要" in text
    assert f"完成佐证文件：\n1. 印发通知.pdf（SHA-256：{'ab' * 32}）" in text


def test_without_saved_items_the_sheet_gives_them(rubric: Rubric) -> None:
    answers = {"1.1": Answer("yes", evidence="文件"), "2.1": Answer("no", note="未建立")}
    data = build_report("rectification-xlsx", rubric, answers, PROFILE)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 1 and rows[0][2].startswith("指标 2")
    col = {name: n for n, name in enumerate(HEADERS)}
    assert rows[0][col["扣分理由"]] == "2.1 自评：不符合（未建立）"
    assert rows[0][col["失分依据"]] == "单位自评"
    assert SELF == "self"


def test_cli_builds_both_from_an_assessment_id(
    rubric: Rubric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGUAN_DATABASE_URL", raising=False)
    store = Store.from_environment(rubric)
    store.migrate()
    info = store.create_assessment("甲局", "第一轮")
    store.save_answer(info.id, "3.1", Answer("no"), expected_version=0, user="x")
    unsaved = info.id
    other = store.create_assessment("甲局", "第二轮")
    store.save_answer(other.id, "3.1", Answer("no"), expected_version=0, user="x")
    store.rectification.sync(other.id, user="x")
    (item,) = store.rectification.items(other.id)
    store.rectification.update(item.id, {"owner": "李四"}, expected_version=1, user="x")
    store.close()
    for aid, owner in ((unsaved, None), (other.id, "李四")):
        for fmt in ("rectification-xlsx", "rectification-docx"):
            out = tmp_path / f"{aid}{REPORT_FORMATS[fmt].extension}"
            proc = subprocess.run(
                [sys.executable, "-m", "jiguan", "report", str(aid), "--format", fmt, "-o", out],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert proc.returncode == 0, proc.stderr
            if fmt.endswith("xlsx"):
                ws = openpyxl.load_workbook(out).active
                assert ws.max_row == 2 and ws.cell(2, 3).value.startswith("指标 3")
                assert ws.cell(2, 8).value == owner
            else:
                text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
                assert "指标 3" in text
                assert (owner or "责任人：（待填写）") in text


@pytest.mark.render
@pytest.mark.parametrize("fmt", ["rectification-xlsx", "rectification-docx"])
def test_renders_in_libreoffice(
    rubric: Rubric, tmp_path: Path, artifacts_dir: Path, fmt: str
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    require_service(bool(soffice), "LibreOffice", "apt-get install -y libreoffice-calc-nogui")
    spec = REPORT_FORMATS[fmt]
    src = tmp_path / f"{fmt}{spec.extension}"
    src.write_bytes(build_report(fmt, rubric, {}, PROFILE, items=ITEMS))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = src.with_suffix(".pdf")
    shutil.copy(pdf, artifacts_dir / f"{fmt}.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(artifacts_dir / fmt),
            ],
            check=True,
            timeout=120,
        )
    reader = PdfReader(str(pdf))
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # A4 landscape
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "整改措施" in text and "修订制度" in text and "办公室" in text
    if fmt.endswith("docx"):
        assert "整改情况报告" in text and "一、基本情况" in text
