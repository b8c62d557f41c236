"""Differences that add up (issue 22, item 1): every listed difference between the unit and
the panel states its effect on the total after caps (17 ≤ 10, 21 ≤ 3) and tiers (37/38 highest
only), and the entries sum to the stated total difference in every review output."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiguan.reports import Profile
from jiguan.reports.review import PanelInfo, build_review_docx, build_review_xlsx
from jiguan.review import Verdict, compare_review, finalise_problems
from jiguan.rubric import Rubric, load_rubric
from jiguan.scoring import Answer, all_yes
from jiguan.sheet import write_sheet

RUBRIC = load_rubric()
# Capped, tiered and plain indicators.
INDICATORS = (1, 12, 17, 21, 37, 38)


def _by_hand() -> tuple[dict[str, Answer], dict[str, Verdict]]:
    claims = {
        "17.1": Answer(2),  # 12, capped at 10
        "17.5": Answer(8),
        "21.1": Answer(5),  # capped at 3
        "37.1": Answer("yes"),
        "37.2": Answer("yes"),
        "38.1": Answer("no"),
        "38.2": Answer("yes"),
        "12.2": Answer("yes"),
    }
    verdicts = {
        "17.1": Verdict(2),
        "17.5": Verdict(3, reason="五项为草案"),  # 8 → 3 under the cap: nothing moves
        "21.1": Verdict(2, reason="两项未落实"),  # 3 → 2: −1, not −3
        "37.1": Verdict("yes"),
        "37.2": Verdict("no", reason="未获评"),  # 37.1 still 符合: nothing moves
        "38.1": Verdict("no"),
        "38.2": Verdict("no", reason="无文件"),  # 2 → 0 ...
        "38.3": Verdict("yes"),  # ... 0 → 1: −2 then +1
        "12.2": Verdict("no", reason="无会议记录"),  # −1
    }
    return claims, verdicts


def test_effects_by_hand(rubric: Rubric) -> None:
    claims, verdicts = _by_hand()
    cmp = compare_review(rubric, claims, verdicts)
    assert cmp.difference == -1 - 1 - 1
    effects = {r.criterion_id: (r.effect, r.effect_note) for r in cmp.differences()}
    assert effects["17.5"] == (0, "不影响得分：指标 17 已达上限（10 分）")
    assert effects["21.1"] == (-1, "")
    assert effects["37.2"] == (0, "不影响得分：指标 37 只取最高档")
    assert effects["38.2"] == (-2, "") and effects["38.3"] == (1, "")
    assert effects["12.2"] == (-1, "")
    assert sum(e for e, _ in effects.values()) == cmp.difference


def test_word_opinions_state_effects(rubric: Rubric) -> None:
    cmp = compare_review(rubric, *_by_hand())
    text = _docx_text(build_review_docx(rubric, cmp, Profile("某局"), PanelInfo()))
    capped = "评分项 17.5（指标 17）：单位自评 8 项，评估组评定 3 项；不影响得分：指标 17 已达上限"
    assert capped in text
    assert "评分项 21.1（指标 21）：单位自评 5 次，评估组评定 2 次；总分 −1 分。" in text
    assert "总分 −5 分" not in text and "总分 −3 分" not in text and "（−5 分）" not in text
    assert "以上各项合计 −3 分，即评估组评定总得分与单位自评之差。" in text


def test_finalise_does_not_ask_for_lower_tiers(rubric: Rubric) -> None:
    claims = all_yes(rubric)
    verdicts = {cid: Verdict(a.value) for cid, a in claims.items()}
    del verdicts["37.3"]  # 37.2 符合 below 37.1 不符合: 37.3 cannot move anything
    verdicts["37.1"] = Verdict("no", reason="未获评")
    del verdicts["17.5"]  # 17 at its cap of 10 already
    assert finalise_problems(rubric, claims, verdicts) == []
    del verdicts["37.1"]  # 37.1 could still raise the score: it must be judged
    assert any("37.1" in p for p in finalise_problems(rubric, claims, verdicts))


def test_two_layouts_two_file_names() -> None:
    from jiguan.reports.review import review_docx_filename

    names = {review_docx_filename(layout, "某局", "2026 年") for layout in ("both", "panel")}
    assert len(names) == 2 and all(n.endswith(".docx") for n in names)


# ---- every output sums up ---------------------------------------------------------------------


def _check_value(criterion, draw):
    if criterion.kind == "count":
        return draw(st.none() | st.integers(0, 4)), None
    kind = draw(st.sampled_from([None, "yes", "no", "partial"]))
    if kind == "partial" and criterion.points > 0.5:
        steps = int(criterion.points * 2) - 1
        return "partial", draw(st.integers(1, steps)) / 2
    return (None if kind == "partial" else kind), None


@st.composite
def claims_and_verdicts(draw):
    claims: dict[str, Answer] = {}
    verdicts: dict[str, Verdict] = {}
    for ind_id in INDICATORS:
        for c in RUBRIC.indicator_by_id[ind_id].criteria:
            value, points = _check_value(c, draw)
            claims[c.id] = Answer(value, points)
            value, points = _check_value(c, draw)
            verdicts[c.id] = Verdict(value, points, reason="理由")
    return claims, verdicts


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _amount(text: str) -> float:
    return float(text.replace("−", "-").replace("+", ""))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims_and_verdicts())
def test_listed_differences_sum_to_the_total(sheets) -> None:
    claims, verdicts = sheets
    cmp = compare_review(RUBRIC, claims, verdicts)
    assert sum(r.effect for r in cmp.listed()) == cmp.difference
    for ind in cmp.indicators:
        assert sum(r.effect for r in ind.criteria) == ind.difference

    # Word: the numbered entries' amounts add up to 相差
    text = _docx_text(build_review_docx(RUBRIC, cmp, Profile("某局"), PanelInfo()))
    opinions = text.split("评估意见", 1)[1]
    entries = [line for line in opinions.split("\n") if re.match(r"\d+\. 评分项", line)]
    assert len(entries) == len(cmp.listed())
    listed = 0.0
    for line in entries:
        found = re.search(r"；总分 ([+−][\d.]+) 分。", line)
        assert found or "不影响得分" in line, line
        listed += _amount(found.group(1)) if found else 0
    assert listed == cmp.difference

    # the review workbook: 对总分的影响 sums to the difference, 得分 columns to the totals
    wb = openpyxl.load_workbook(io.BytesIO(build_review_xlsx(RUBRIC, cmp, Profile(), PanelInfo())))
    rows = list(wb["评审对照"].iter_rows(values_only=True))
    head = rows[0]
    body = [r for r in rows[1:] if r[0] and re.match(r"\d+\.\d+$", str(r[0]))]
    col = head.index
    assert sum(r[col("对总分的影响")] or 0 for r in body) == cmp.difference
    assert sum(r[col("自评得分")] for r in body) == cmp.self_result.total
    assert sum(r[col("评估组得分")] for r in body) == cmp.panel_result.total

    # the review CSV: the same column, the same sum
    data = write_sheet(RUBRIC, claims, verdicts).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(data)))
    effect = next(h for h in table[0] if h.startswith("对总分的影响"))
    assert sum(_amount(r[effect]) for r in table if r[effect]) == cmp.difference
