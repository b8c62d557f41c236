"""The formal review through AppTest: entering verdicts, finalising, the side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.rubric import Rubric
from jiguan.scoring import all_yes
from jiguan.store import Store
from tests.app_support import create, goto, run, sess, start


@pytest.fixture
def app(data_dir: Path, other_store: Store, rubric: Rubric) -> AppTest:
    at = create(start(data_dir))
    other_store.replace_answers(sess(at).aid, all_yes(rubric, evidence="制度文件"), user="张三")
    return goto(at, "panel-review")


def _error_text(at: AppTest) -> str:
    return " ".join(e.value for e in at.error).replace("\\", "")


def _frame(at: AppTest, column: str):
    """The dataframe that has this column."""
    return next(f.value for f in [*at.dataframe, *at.table] if column in f.value.columns)


def test_enter_a_review_and_finalise(app: AppTest, other_store: Store, rubric: Rubric) -> None:
    aid = sess(app).aid
    before = other_store.answers(aid)
    assert app.title[0].value == "评审录入"
    app.button(key="rv.adopt").click()
    run(app)
    assert other_store.reviews.get(aid).state == "open"
    assert len(other_store.reviews.verdicts(aid)) == len(rubric.criteria)
    # the panel disagrees on 2.1
    app.button_group(key="rv.ans.2.1").set_value("no").run()
    run(app)
    assert other_store.reviews.verdicts(aid)["2.1"].verdict.value == "no"
    assert any("与自评不同，必填" in t.label for t in app.text_area)
    app.button(key="rv.finalise").click()
    run(app)
    errors = _error_text(app)
    assert "评估组成员" in errors and "2.1" in errors
    assert other_store.reviews.get(aid).state == "open"
    app.text_area(key="rv.reason.2.1").input("未见任命文件").run()
    app.text_input(key="rv.head.reviewers").input("王五、赵六").run()
    app.text_input(key="rv.head.review_date").input("2026-12-01").run()
    app.button(key="rv.finalise").click()
    run(app)
    review = other_store.reviews.get(aid)
    assert review.final and review.reviewers == "王五、赵六"
    assert other_store.answers(aid) == before  # the unit's answers never change
    # read-only now
    assert app.button_group(key="rv.ans.2.1").disabled
    assert "rv.finalise" not in [b.key for b in app.button]
    # reopening asks for a reason and is recorded
    app.text_input(key="rv.reopen.reason").input("单位补交材料").run()
    app.button(key="rv.reopen").click()
    run(app)
    assert other_store.reviews.get(aid).state == "open"
    assert other_store.reviews.history(aid)[-1].detail == "单位补交材料"


def test_side_by_side(app: AppTest, other_store: Store, rubric: Rubric) -> None:
    aid = sess(app).aid
    reviews = other_store.reviews
    reviews.adopt_claims(aid, user="王五")
    goto(app, "review-comparison")
    assert "暂定结果" in app.warning[0].value  # anyone may review until accounts exist
    from jiguan.review import Verdict

    reviews.save_verdict(
        aid, "2.1", Verdict("no", reason="未见文件"), expected_version=1, user="王"
    )
    reviews.save_verdict(
        aid, "12.2", Verdict("no", reason="无考核记录"), expected_version=1, user="王"
    )
    reviews.update_details(aid, user="王", reviewers="王五", review_date="2026-12-01")
    reviews.finalise(aid, user="王五")
    goto(app, "review-comparison")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["评估组得分"] == "97 / 100"
    assert metrics["单位自评"] == "100" and metrics["差值"] == "−3"
    assert metrics["不同的评分项"] == "2"
    rows = _frame(app, "扣分理由/评审意见")
    assert list(rows["评分项"]) == ["2.1", "12.2"]
    assert list(rows["对总分的影响"]) == [-2, -1]  # sums to 差值
    assert list(rows["扣分理由/评审意见"]) == ["未见文件", "无考核记录"]
    radar = next(c for c in app.get("plotly_chart") if "cmp.radar" in c.proto.id)
    spec = json.loads(radar.proto.spec)
    assert [d["name"] for d in spec["data"]] == ["单位自评", "评估组"]
    gaps = [m.value for m in app.markdown if m.value.startswith("**指标")]
    assert gaps[0].startswith("**指标 2**")  # −2 before −1
    app.toggle(key="cmp.only").set_value(False).run()
    rows = _frame(app, "扣分理由/评审意见")
    assert len(rows) == len(rubric.criteria)


def test_progress_across_rounds(app: AppTest, other_store: Store) -> None:
    aid = sess(app).aid
    second = other_store.duplicate_assessment(aid, "第二次自评")
    from jiguan.scoring import Answer

    other_store.save_answer(second.id, "1.1", Answer("no"), expected_version=1, user="张三")
    app.session_state["jiguan"].aid = second.id
    goto(app, "round-progress")
    totals = _frame(app, "得分依据")
    assert list(totals["轮次"]) == ["第一次自评", "第二次自评"]
    assert list(totals["总分"]) == [100, 98]
    assert any("回落的指标（1）" in h.value for h in app.subheader)


def test_a_reason_refused_as_the_reviewer_switches_item_is_given_back_there(
    app: AppTest, other_store: Store
) -> None:
    """A colleague finalised (定稿) meanwhile; this reviewer's 评审意见 on 1.1 and the switch to
    item 二 arrive in one run: the reason is refused and shown, as typed, on the item now
    shown (it would otherwise wait, unseen, under item 一)."""
    aid = sess(app).aid
    app.button(key="rv.adopt").click()
    run(app)
    reviews = other_store.reviews
    reviews.update_details(aid, user="审", reviewers="王五、赵六", review_date="2026-12-01")
    reviews.finalise(aid, user="审")
    app.text_area(key="rv.reason.1.1").set_value("现场未见文件")
    app.button_group(key="rv.item").set_value(1)
    run(app)
    assert [c.value for c in app.code] == ["现场未见文件"]
    assert any("在「评审录入」评分项 1.1" in m.value for m in app.markdown)
    assert reviews.verdicts(aid)["1.1"].verdict.reason != "现场未见文件"


def test_the_item_shown_is_kept_in_the_address(app: AppTest, rubric: Rubric) -> None:
    """?item=N follows the item shown, so a reload, a bookmark or a restarted server opens it
    again (tests/test_browser_review_drafts.py reads it back in a real browser)."""
    run(app)
    assert app.query_params["item"] in ("1", ["1"])
    app.button_group(key="rv.item").set_value(2)
    run(app)
    assert app.query_params["item"] in ("3", ["3"])
    headings = [h.value for h in app.subheader]
    assert rubric.items[2].contents[0].name in headings
    assert rubric.items[0].contents[0].name not in headings
