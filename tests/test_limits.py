"""Every bounded input tried past its bound, on SQLite and PostgreSQL: a Chinese message
naming the field, and nothing half-saved (jiguan.limits)."""

from __future__ import annotations

import pytest

from jiguan import limits
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, answer_problem
from jiguan.sheet import SheetError, check_sheet_size
from jiguan.store import Store, StoreError
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store


def _check_cid(rubric: Rubric) -> str:
    return next(c.id for c in rubric.criteria.values() if c.kind != "count")


def _count_cid(rubric: Rubric) -> str:
    return next(c.id for c in rubric.criteria.values() if c.kind == "count")


@pytest.mark.parametrize("field", ["unit", "round"])
def test_names_past_their_bound(store: Store, field: str) -> None:
    long = "名" * (limits.MAX_NAME_CHARS + 1)
    unit, round_ = (long, "第一次") if field == "unit" else ("某局", long)
    with pytest.raises(StoreError, match=f"过长：101 个字，最多 {limits.MAX_NAME_CHARS} 个字"):
        store.create_assessment(unit, round_)
    assert store.list_assessments() == []
    info = store.create_assessment("某局", "第一次")
    with pytest.raises(StoreError, match="过长"):
        store.update_assessment(
            info.id,
            unit_name=long if field == "unit" else None,
            round_name=long if field == "round" else None,
        )
    with pytest.raises(StoreError, match="过长"):
        store.duplicate_assessment(info.id, long)
    assert [(a.unit_name, a.round_name) for a in store.list_assessments()] == [("某局", "第一次")]
    exact = "名" * limits.MAX_NAME_CHARS
    assert store.update_assessment(info.id, round_name=exact).round_name == exact


def test_profile_past_its_bound(store: Store) -> None:
    long = "1" * (limits.MAX_PROFILE_CHARS + 1)
    with pytest.raises(StoreError, match="基本信息「联系方式」过长：201 个字"):
        store.create_assessment("某局", "第一次", profile={"联系方式": long})
    assert store.list_assessments() == []
    info = store.create_assessment("某局", "第一次", profile={"联系方式": "123"})
    with pytest.raises(StoreError, match="联系方式"):
        store.update_assessment(info.id, unit_name="新名字", profile={"联系方式": long})
    after = store.get_assessment(info.id)
    assert (after.unit_name, after.profile) == ("某局", {"联系方式": "123"})
    many = {f"项目{n}": "x" for n in range(limits.MAX_PROFILE_FIELDS + 1)}
    with pytest.raises(StoreError, match="基本信息最多 20 项"):
        store.update_assessment(info.id, profile=many)


@pytest.mark.parametrize("field", ["evidence", "note"])
def test_evidence_and_note_past_their_bound(store: Store, rubric: Rubric, field: str) -> None:
    cid = _check_cid(rubric)
    info = store.create_assessment("某局", "第一次")
    exact = Answer("yes", **{field: "字" * limits.MAX_CELL_CHARS})
    store.save_answer(info.id, cid, exact, expected_version=0, user="甲")
    past = Answer("no", **{field: "字" * (limits.MAX_CELL_CHARS + 1)})
    label = "佐证材料" if field == "evidence" else "备注"
    with pytest.raises(StoreError, match=f"评分项 {cid} 未保存：{label}过长：5,001 个字"):
        store.save_answer(info.id, cid, past, expected_version=1, user="甲")
    other = next(c for c in rubric.criteria if c != cid)
    with pytest.raises(StoreError, match="答题表未导入"):
        store.replace_answers(info.id, {other: Answer("yes"), cid: past}, user="甲")
    assert {k: v.answer for k, v in store.load_answers(info.id).items()} == {cid: exact}


def test_counts_past_their_bound(store: Store, rubric: Rubric) -> None:
    cid = _count_cid(rubric)
    criterion = rubric.criteria[cid]
    assert answer_problem(criterion, Answer(limits.MAX_COUNT)) is None
    assert "超过上限 1,000" in answer_problem(criterion, Answer(limits.MAX_COUNT + 1))
    info = store.create_assessment("某局", "第一次")
    for n in (limits.MAX_COUNT + 1, 10**20, 10**40):
        with pytest.raises(StoreError, match=f"评分项 {cid} 未保存：计数超过上限 1,000"):
            store.save_answer(info.id, cid, Answer(n), expected_version=0, user="甲")
    assert store.load_answers(info.id) == {}


def test_sheet_size_refused_before_parsing() -> None:
    check_sheet_size(limits.MAX_SHEET_BYTES)
    with pytest.raises(SheetError, match=r"文件过大.*答题表最大 5 MB"):
        check_sheet_size(limits.MAX_SHEET_BYTES + 1)
