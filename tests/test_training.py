"""Trainer tools, domain side: sample units and their keys, rule explanations, practice against
the key, a room's results, comparing units, and their charts."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml

from jiguan.charts import apart_heatmap, radar_overlay, totals_histogram
from jiguan.compare import compare_units, unique_labels
from jiguan.rubric import Rubric
from jiguan.samples import NOTICE, SAMPLES_DIR, SampleError, load_samples, sample_by_id
from jiguan.scoring import criterion_points, score
from jiguan.sheet import read_sheet
from jiguan.training import (
    COUNT,
    HIGHEST,
    Discussion,
    Practice,
    compare_with_key,
    indicator_kind,
    method_notes,
    room_results,
    rule_explanation,
    worked_examples,
)

MANIFEST = yaml.safe_load((SAMPLES_DIR / "samples.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def samples(rubric: Rubric):
    return {s.id: s for s in load_samples(rubric)}


# --- the shipped data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [e[k] for e in MANIFEST["samples"] for k in ("sheet", "key_sheet")]
)
def test_every_sample_sheet_passes_the_csv_contract(rubric: Rubric, name: str) -> None:
    answers = read_sheet((SAMPLES_DIR / name).read_bytes(), rubric)
    assert set(answers) == set(rubric.criteria)  # a full sheet: every criterion has a row


@pytest.mark.parametrize("entry", MANIFEST["samples"], ids=lambda e: e["id"])
def test_answer_keys_score_exactly_their_stated_totals(rubric: Rubric, entry: dict) -> None:
    key = read_sheet((SAMPLES_DIR / entry["key_sheet"]).read_bytes(), rubric)
    result = score(rubric, key)
    assert result.total == entry["key_total"]
    assert {i: r.score for i, r in result.indicators.items()} == {
        int(i): k["score"] for i, k in entry["key"].items()
    }
    assert all(k["reason"].strip() for k in entry["key"].values())


def test_three_samples_strong_middling_weak_all_marked_fictional(samples) -> None:
    totals = [s.key_total for s in samples.values()]
    assert len(samples) == 3 and totals == sorted(totals, reverse=True)
    assert totals[0] - totals[-1] > 30
    for s in samples.values():
        assert NOTICE in s.title
        rows = list(csv.DictReader(io.StringIO((SAMPLES_DIR / f"{s.id}.csv").read_text())))
        assert {row["说明"] for row in rows} == {NOTICE}
        assert sum(1 for row in rows if "〔2025〕" in row["evidence"]) >= 5  # 文号 in evidence


def test_samples_exercise_every_rule_type(rubric: Rubric, samples) -> None:
    def raw_sum(sample, ind_id: int) -> float:
        ind = rubric.indicator_by_id[ind_id]
        return sum(criterion_points(c, sample.key_sheet.get(c.id)) for c in ind.criteria)

    for ind_id in (17, 21):  # the caps: reached in one sample, not reached in another
        cap = rubric.indicator_by_id[ind_id].cap
        assert any(
            raw_sum(s, ind_id) > cap and s.key[ind_id].score == cap for s in samples.values()
        )
        assert any(0 < s.key[ind_id].score < cap for s in samples.values())
    for ind_id in (37, 38):  # only the highest level: several levels met, and different levels
        levels = rubric.indicator_by_id[ind_id].criteria
        assert any(
            sum(s.key_sheet[c.id].value == "yes" for c in levels) >= 2 for s in samples.values()
        )
        assert len({s.key[ind_id].score for s in samples.values()}) >= 2
    partial = [a for s in samples.values() for a in s.key_sheet.values() if a.value == "partial"]
    assert len(partial) >= 5 and {a.points for a in partial} >= {0.5, 1.0, 1.5, 2.0}
    claimed_bare = [
        (s.id, cid)
        for s in samples.values()
        for cid, a in s.sheet.items()
        if a.value not in (None, "no", 0) and not a.has_evidence and s.key[int(cid.split(".")[0])]
    ]
    assert {sid for sid, _ in claimed_bare} == set(samples)  # every sample claims without evidence
    for sid, cid in claimed_bare:
        assert criterion_points(rubric.criteria[cid], samples[sid].key_sheet[cid]) == 0


def test_a_key_that_disagrees_with_the_engine_is_refused(rubric: Rubric, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES_DIR, tmp_path / "s")
    data = yaml.safe_load((tmp_path / "s" / "samples.yaml").read_text(encoding="utf-8"))
    data["samples"][1]["key"][17]["score"] = 9
    (tmp_path / "s" / "samples.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(SampleError, match=r"samples\[1\]\.key\.17: 标明 9 分，按答案表计算为 5 分"):
        load_samples(rubric, tmp_path / "s")


def test_a_broken_sample_sheet_is_refused_naming_the_file(rubric: Rubric, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES_DIR, tmp_path / "s")
    (tmp_path / "s" / "weak.csv").write_text("criterion_id,answer\n1.1,也许\n", encoding="utf-8")
    with pytest.raises(SampleError, match=r"weak\.csv 不符合答题表格式[\s\S]*第 2 行"):
        load_samples(rubric, tmp_path / "s")


def test_practice_sheet_keeps_evidence_and_claim_but_no_answers(rubric: Rubric, samples) -> None:
    sample = samples["strong"]
    sheet = sample.practice_sheet(rubric)
    assert set(sheet) == set(rubric.criteria)
    assert all(a.value is None for a in sheet.values())
    assert sheet["1.1"].evidence == sample.sheet["1.1"].evidence
    assert sheet["17.2"].note == "单位自评：2 项"
    assert sheet["24.1"].note == "单位自评：符合" and not sheet["24.1"].has_evidence
    assert score(rubric, sheet).total == 0
    assert sample_by_id(tuple(samples.values()), "nope") is None


# --- rules explained ---------------------------------------------------------------------------


def test_rule_explanations_come_from_the_rubric(rubric: Rubric) -> None:
    ind17, ind21, ind37 = (rubric.indicator_by_id[i] for i in (17, 21, 37))
    assert indicator_kind(ind17) == indicator_kind(ind21) == COUNT
    assert indicator_kind(ind37) == HIGHEST
    text = rule_explanation(ind17)
    assert f"超过 {ind17.cap:g} 分的按 {ind17.cap:g} 分计" in text
    assert "数量 × 每项分值" in text and "每次分值" in rule_explanation(ind21)
    assert "不累加" in rule_explanation(ind37)
    assert all(rule_explanation(ind) for _, _, ind in rubric.indicators())
    assert "现场" in method_notes(["实地查看"])[0] and "文号" in method_notes(["查看文件"])[0]
    assert method_notes(["听取汇报"]) == ["「听取汇报」：按此方式准备佐证材料。"]


def test_worked_examples_are_the_engines_scores(rubric: Rubric) -> None:
    for _, _, ind in rubric.indicators():
        cases = worked_examples(rubric, ind)
        assert len(cases) == 2
        for case in cases:
            assert case.score == score(rubric, case.answers).indicators[ind.id].score
            assert f"得 {case.score:g} 分" in case.text
    first = worked_examples(rubric, rubric.indicator_by_id[17])[0]
    assert first.text == "牵头制定国家、行业标准 2 项 = 12 分，超过最高 10 分，得 10 分"
    levels = worked_examples(rubric, rubric.indicator_by_id[37])
    assert levels[0].score == rubric.indicator_by_id[37].max and levels[1].score == 1


# --- practice and the room ---------------------------------------------------------------------


def test_practice_against_the_key(rubric: Rubric, samples) -> None:
    sample = samples["strong"]
    perfect = compare_with_key(rubric, dict(sample.key_sheet), sample)
    assert perfect.agreement == 1.0 and perfect.result.total == sample.key_total
    believed = compare_with_key(rubric, dict(sample.sheet), sample)  # took every claim at its word
    apart = {r.id: r.apart for r in believed.differing}
    assert apart == {11: 0.5, 24: 1.0, 27: 1.0, 38: 1.0}
    assert believed.agreement == pytest.approx(34 / 38)
    assert "未提供" in next(r.reason for r in believed.differing if r.id == 24)


def test_room_results(rubric: Rubric, samples) -> None:
    strong, weak = samples["strong"], samples["weak"]
    practices = [
        Practice("strong", dict(strong.key_sheet), submitted=True),
        Practice("strong", dict(strong.sheet), submitted=True),
        Practice("weak", dict(weak.sheet)),
        Practice("weak", dict(weak.sheet), submitted=True),
        Practice("gone", {}),  # a sample removed since: skipped
    ]
    room = room_results(rubric, practices, samples, include_in_progress=True)
    assert room.labels == ("学员 01", "学员 02", "学员 03", "学员 04")
    assert room.finished == 3
    assert room.totals[0] == strong.key_total and room.key_totals[2] == weak.key_total
    assert len(room.apart) == 38 and all(len(row) == 4 for row in room.apart)
    assert room.agreement[0] == 1.0
    # 36: both weak-sample trainees believed the unit's 4 points claimed without evidence
    assert room.discussion[0] == Discussion(
        36, differing=2, answered=4, unanswered=0, mean_apart=2.0
    )
    assert len(room.discussion) <= 10
    assert [d.differing for d in room.discussion] == sorted(
        (d.differing for d in room.discussion), reverse=True
    )
    rows = room.export_rows(rubric, samples)
    assert [r["学员"] for r in rows] == list(room.labels)
    assert rows[0]["指标17"] == 10 and rows[2]["已交卷"] == "否"
    assert NOTICE in rows[0]["示例单位"]


# --- comparing units ---------------------------------------------------------------------------


def test_compare_units_ranks_and_spreads(rubric: Rubric, samples) -> None:
    units = [(s.unit, dict(s.key_sheet)) for s in samples.values()]
    units.append((samples["weak"].unit, dict(samples["weak"].key_sheet)))
    cmp = compare_units(rubric, units)
    assert cmp.labels[-1] == samples["weak"].unit + "（2）"
    rows = cmp.ranking_rows()
    assert [r["名次"] for r in rows] == [1, 2, 3, 3]  # a tie shares its rank
    assert rows[0]["单位"] == samples["strong"].unit
    assert rows[0]["组织管理"] == 8 and rows[0]["组织管理名次"] == 1
    spreads = cmp.spreads(limit=5)
    assert len(spreads) == 5 and spreads[0].gap >= spreads[-1].gap > 0
    assert spreads[0].id == 17 and spreads[0].gap == 8
    assert unique_labels(["a", "a", "b", "a"]) == ["a", "a（2）", "b", "a（3）"]


def test_charts_for_training(rubric: Rubric, samples) -> None:
    results = [(s.unit, score(rubric, s.key_sheet)) for s in samples.values()]
    fig = radar_overlay(results)
    assert [t.name for t in fig.data] == [s.unit for s in samples.values()]
    assert len(fig.data[0].r) == len(rubric.items) + 1  # the outline closed: the first again
    assert fig.data[0].r[-1] == fig.data[0].r[0]
    heat = apart_heatmap([1, 2], ["学员 01", "学员 02", "学员 03"], [[0, 1, 2], [0, 0, 0.5]])
    assert [list(row) for row in heat.data[0].z] == [[0, 1, 2], [0, 0, 0.5]]
    assert list(heat.data[0].y) == ["指标 1", "指标 2"]
    hist = totals_histogram({"甲": [80, 85], "乙": [60]}, {"甲": 96.5})
    assert [list(t.x) for t in hist.data] == [[80, 85], [60]]
    assert [s.x0 for s in hist.layout.shapes] == [96.5]
