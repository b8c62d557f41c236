"""Blank forms that are blank and agree (issue 22, item 3): the source's columns 评估项目 /
评估内容 / 评估指标 / 评估方式 / 得分, empty 得分 and 总得分, portrait, Word and PDF."""

from __future__ import annotations

import io
import re

import docx
from pypdf import PdfReader

from jiguan.reports import build_blank_form
from jiguan.rubric import Rubric

SOURCE_HEAD = ["评估项目", "评估内容", "评估指标", "评估方式", "得分"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_blank_word_form_is_blank(rubric: Rubric) -> None:
    doc = docx.Document(io.BytesIO(build_blank_form("docx", rubric)))
    text = "\n".join(p.text for p in doc.paragraphs)
    for filled in ("未评", "0 分", "尚未填写佐证材料", "无。", "佐证材料目录", "备注"):
        assert filled not in text, filled
    assert re.search(r"总得分：\s*$", text.split("承担单位")[1].split("\n")[1])
    table = doc.tables[0]
    head = list(dict.fromkeys(c.text for c in table.rows[0].cells))
    assert head == SOURCE_HEAD
    for row in table.rows[1:]:
        assert row.cells[-1].text == ""  # 得分 and the 总分 row's score are empty
    assert all("未评" not in c.text for t in doc.tables for r in t.rows for c in r.cells)
    section = doc.sections[0]
    assert section.page_width < section.page_height  # portrait


def test_blank_pdf_has_the_source_columns_in_portrait(rubric: Rubric) -> None:
    reader = PdfReader(io.BytesIO(build_blank_form("pdf", rubric)))
    box = reader.pages[0].mediabox
    assert box.width < box.height  # portrait, as the source
    pages = [_squash(p.extract_text()) for p in reader.pages]
    assert all("".join(SOURCE_HEAD) in page for page in pages)
    assert not any(word in page for page in pages for word in ("序号", "分值", "佐证材料"))
