"""The review documents: the panel's score in 得分 (self beside it or not), 评估意见 with every
difference and its reason; the Excel workbook with the same columns."""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from jiguan.reports import Profile
from jiguan.reports.review import PanelInfo, build_review_docx, build_review_xlsx
from jiguan.review import Verdict, compare_review
from jiguan.rubric import Rubric
from jiguan.scoring import all_yes


@pytest.fixture
def comparison(rubric: Rubric):
    claims = all_yes(rubric, evidence="制度文件")
    verdicts = {cid: Verdict(a.value, a.points) for cid, a in claims.items()}
    verdicts["1.1"] = Verdict("partial", 1.0, "制度未印发\x07", "查看了会议纪要")
    verdicts["12.2"] = Verdict("no", reason="无考核记录")
    return compare_review(rubric, claims, verdicts)


def _text(data: bytes) -> tuple[str, list]:
    doc = Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs), doc.tables


def test_word_both_columns_and_opinions(rubric: Rubric, comparison) -> None:
    panel = PanelInfo("王五、赵六", "2026-12-01", final=True)
    text, tables = _text(build_review_docx(rubric, comparison, Profile("某局"), panel))
    main = tables[0]
    assert [c.text for c in main.rows[0].cells][-2:] == ["得分", "自评得分"]
    first = [c.text for c in main.rows[1].cells]
    assert first[-2:] == ["1", "2"]  # indicator 1: panel 1, self 2
    assert [c.text for c in main.rows[-1].cells][-2:] == ["98", "100"]
    assert "评估组评定总得分：98 分（单位自评 100 分）" in text
    assert "评分项 1.1（指标 1）：单位自评 符合，评估组评定 部分符合（1 分）" in text
    assert "扣分理由/评审意见：制度未印发" in text and "\x07" not in text
    assert "实地查看：查看了会议纪要" in text and "无考核记录" in text
    assert "评估组成员：王五、赵六" in text and "暂定" not in text


def test_word_official_single_column(rubric: Rubric, comparison) -> None:
    text, tables = _text(
        build_review_docx(rubric, comparison, Profile("某局"), PanelInfo(), layout="panel")
    )
    assert [c.text for c in tables[0].rows[0].cells][-1] == "得分"
    assert len(tables[0].columns) == 6
    assert "单位自评 100 分" not in text.split("评估意见")[0]
    assert "评审尚未定稿" in text
    with pytest.raises(ValueError):
        build_review_docx(rubric, comparison, Profile("某局"), PanelInfo(), layout="x")


def test_excel_same_columns(rubric: Rubric, comparison) -> None:
    data = build_review_xlsx(rubric, comparison, Profile("某局"), PanelInfo("王五", "", True))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["评审对照", "指标对照", "汇总"]
    rows = list(wb["评审对照"].iter_rows(values_only=True))
    assert rows[0][5:10] == ("单位自评", "自评得分", "评估组评定", "评估组得分", "对总分的影响")
    one = next(r for r in rows if r[0] == "1.1")
    assert one[5:13] == ("符合", 2, "部分符合（1 分）", 1, -1, "", "制度未印发", "查看了会议纪要")
    total = next(r for r in wb["汇总"].iter_rows(values_only=True) if r[0] == "总分")
    assert total[1:5] == (100, 100, 98, -2)
