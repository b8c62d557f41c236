"""提交自评 in the app: what is not ready is listed and confirmed, the submission makes the unit's
pages read-only (a banner, and the store refuses), the panel returns it with a reason, and the
history lists both; in 共享模式 only the unit submits and only the assigned 评估组 returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, all_yes
from jiguan.store import Store
from tests.app_support import add_account, create, goto, login, sess, start

PASSWORD = "一个足够长的密码123"
NEW_PASSWORD = "另一个足够长的密码456"


def _texts(at: AppTest) -> str:
    return " ".join(
        e.value for kind in ("info", "success", "warning", "error") for e in getattr(at, kind)
    )


def _submit(at: AppTest, *, confirm: bool = True, leader: str = "李四") -> AppTest:
    at.text_input[0].set_value("张三")  # 填表人
    at.text_input[1].set_value(leader)  # 单位负责人
    if at.checkbox:
        at.checkbox[0].set_value(confirm)
    at.button(key="FormSubmitter:submit-提交自评").click().run()
    assert not at.exception, at.exception
    return at


def test_submit_lock_and_return_in_standalone(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    at = goto(create(start()), "submit")
    assert "尚未提交" in _texts(at)
    assert any("未评" in e.label for e in at.expander)
    _submit(at, confirm=False)
    assert "请先勾选确认" in _texts(at)
    assert other_store.submissions.latest(sess(at).aid) is None
    _submit(at, leader="")
    assert "请填写单位负责人" in _texts(at)
    _submit(at)
    aid = sess(at).aid
    latest = other_store.submissions.latest(aid)
    assert latest is not None and latest.standing and latest.leader == "李四"
    assert latest.acknowledged  # the confirmed gaps are kept with it
    assert "评估期间只读" in _texts(at)
    first = next(iter(rubric.criteria))
    at = goto(at, "item1")
    assert "评估期间只读" in _texts(at)
    with pytest.raises(Exception, match="已于"):
        other_store.save_answer(aid, first, Answer("yes"), expected_version=0, user="x")
    at = goto(at, "submit")
    at.button(key="FormSubmitter:give-back-退回修改").click().run()
    assert "请填写退回修改的理由" in _texts(at)
    at.text_area[0].set_value("请补充指标 1 的佐证")
    at.button(key="FormSubmitter:give-back-退回修改").click().run()
    assert not at.exception, at.exception
    assert "请补充指标 1 的佐证" in _texts(at)
    other_store.save_answer(aid, first, Answer("yes"), expected_version=0, user="x")
    history = at.dataframe[0].value
    assert list(history["次"]) == [1]


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def _login(store: Store, name: str, role: str, unit: str | None = None) -> AppTest:
    add_account(store, name, role, unit)
    return login(name)


def test_shared_unit_submits_and_panel_returns(shared: None, other_store: Store) -> None:
    other_store.users.add(
        "管理员", ADMIN, PASSWORD, by=COMMAND_LINE
    )  # 共享模式 signs in once one exists
    aid = other_store.create_assessment("甲局", "2026年").id
    filler = goto(_login(other_store, "甲", FILLER, "甲局"), "submit")
    assert sess(filler).aid == aid
    _submit(filler)
    assert other_store.submissions.latest(aid).submitted_by == "甲"
    assert not [b for b in filler.button if "退回" in b.label]
    panel = goto(_login(other_store, "审", REVIEWER, "甲局"), "submit")
    assert not [b for b in panel.button if b.label == "提交自评"]
    panel.text_area[0].set_value("请补充")
    panel.button(key="FormSubmitter:give-back-退回修改").click().run()
    assert not panel.exception, panel.exception
    assert not other_store.submissions.latest(aid).standing
    actions = {e.action for e in other_store.users.audit_log()}
    assert {"提交自评", "退回修改"} <= actions


def test_resubmission_keeps_who_filled_and_signed(data_dir: Path, other_store: Store) -> None:
    """After 退回修改 the form offers the last submission's 填表人 and 单位负责人 again: the
    unit corrects its answers, not retypes its names (the browser journey found them blank)."""
    at = goto(create(start()), "submit")
    _submit(at)
    at.text_area[0].set_value("请补充指标 1 的佐证")
    at.button(key="FormSubmitter:give-back-退回修改").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.text_input[:2]] == ["张三", "李四"]
    if at.checkbox:
        at.checkbox[0].set_value(True)
    at.button(key="FormSubmitter:submit-提交自评").click().run()
    history = other_store.submissions.history(sess(at).aid)
    assert [(h.number, h.filled_by, h.leader) for h in history] == [
        (1, "张三", "李四"),
        (2, "张三", "李四"),
    ]


def test_no_return_form_once_the_review_is_final(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    """After 定稿 the 提交自评 page says the review is final and how to reopen it, instead of
    a 退回修改 form the store would refuse."""
    at = goto(create(start()), "submit")
    _submit(at)
    aid = sess(at).aid
    verdicts = {cid: Verdict(a.value, a.points, "现场核实") for cid, a in all_yes(rubric).items()}
    other_store.reviews.update_details(aid, user="审", reviewers="王五", review_date="2026-12-01")
    other_store.reviews.replace_verdicts(aid, verdicts, user="审")
    other_store.reviews.finalise(aid, user="审")
    at = goto(at, "submit")
    assert not at.exception, at.exception
    assert "评审已于" in _texts(at) and "重新打开评审" in _texts(at)
    assert not at.text_area  # no 退回理由
    other_store.reviews.reopen(aid, user="审", reason="单位需补充")
    at = goto(at, "submit")
    assert at.text_area[0].label == "退回理由（单位将看到）"


def test_the_unit_is_told_when_the_review_is_final(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    """Once 定稿, the read-only banner no longer says to ask for 退回修改 (refused now): it says
    the review is final and where the result and the 整改 are. An open page learns it on its
    next run, and the 提交记录 calls the submission 已定稿."""
    at = goto(create(start()), "submit")
    _submit(at)
    aid = sess(at).aid
    at = goto(at, "item1")
    assert "退回修改" in _texts(at)
    verdicts = {cid: Verdict(a.value, a.points, "现场核实") for cid, a in all_yes(rubric).items()}
    other_store.reviews.update_details(aid, user="审", reviewers="王五", review_date="2026-12-01")
    other_store.reviews.replace_verdicts(aid, verdicts, user="审")
    other_store.reviews.finalise(aid, user="审")
    at.run()
    assert not at.exception, at.exception
    assert "评审已于" in _texts(at) and "整改台账" in _texts(at)
    assert "退回修改" not in _texts(at)
    at = goto(at, "submit")
    assert list(at.dataframe[0].value["状态"]) == ["已定稿"]


def test_home_after_submitting_offers_reading_not_editing(data_dir: Path) -> None:
    """After 提交自评 the unit's side is read-only: 首页 does not invite 继续填写, and the 单位信息
    fields are shown disabled instead of taking text the store would refuse."""
    at = goto(create(start()), "submit")
    _submit(at)
    at = goto(at, "")
    start_button = at.button(key="start")
    assert start_button.label.startswith("查看自评"), start_button.label
    profile = [w for w in at.text_input if w.key in ("prof.unit", "prof.filler", "prof.contact")]
    assert len(profile) == 3 and all(w.disabled for w in profile)
    assert at.date_input(key="prof.date").disabled
