"""A workshop through the app (issue 26), 共享模式: 交卷 asks when items are left and is final,
the same name twice is a clear choice, ending the workshop refuses the trainee's next click,
a page outside a trainee's menu lands on 示例练习 in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, TRAINER
from jiguan.rubric import Rubric
from jiguan.store import Store
from jiguan.training import PROFILE_SUBMITTED
from tests.app_support import ACCOUNT_PASSWORD, HARNESS, answer, goto, login, sess

PASSWORD = "一个足够长的密码123"
CODE = "NJ-2026"


@pytest.fixture
def workshop(monkeypatch: pytest.MonkeyPatch, data_dir: Path, other_store: Store):
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    users = other_store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    trainer = users.add("培训师", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    other_store.workshops.open(trainer, CODE, "南京班", datetime.now(UTC) + timedelta(days=1))
    return trainer


def _join(name: str, code: str = CODE) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    at.text_input(key="join.code").set_value(code)
    at.text_input(key="join.name").set_value(name)
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception
    return at


def _start_practice(at: AppTest) -> int:
    goto(at, "practise")
    at.button(key="practice.start").click().run()
    assert not at.exception, at.exception
    assert sess(at).aid is not None
    return sess(at).aid


def _all_text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    return "\n".join(str(e.value) for e in parts)


def test_hand_in_asks_when_items_are_left_then_the_practice_is_read_only(
    workshop, other_store: Store, rubric: Rubric
) -> None:
    at = _join("小王")
    aid = _start_practice(at)
    cid = next(iter(rubric.criteria))
    goto(at, "item1")
    answer(at, cid, "yes")
    goto(at, "practise")
    at.button(key="practice.submit").click().run()
    assert PROFILE_SUBMITTED not in other_store.get_assessment(aid).profile  # asked first
    assert "未评" in _all_text(at)
    at.button(key="practice.submit_confirm").click().run()
    assert PROFILE_SUBMITTED in other_store.get_assessment(aid).profile
    assert "我的总分" in [m.label for m in at.metric]
    goto(at, "item1")
    assert "已交卷" in _all_text(at)
    assert "无权修改" not in _all_text(at)  # the one reason, not a wrong second one
    assert at.button_group(key=f"ans.{cid}").disabled  # read-only on screen, not only refused
    assert other_store.answers(aid)[cid].value == "yes"


def test_the_same_name_twice_is_a_clear_choice(workshop, other_store: Store) -> None:
    first = _join("张三")
    mine = _start_practice(first)
    second = _join("张三")
    assert sess(second).account is None  # not signed in silently as the first 张三
    assert "已有学员使用姓名「张三」" in _all_text(second)
    second.button(key="join.rename").click().run()
    assert sess(second).account is None
    second.text_input(key="join.name").set_value("张三（二组）")
    second.button(key="FormSubmitter:join-加入培训班").click().run()
    assert sess(second).account.name == "张三（二组）"
    _start_practice(second)
    again = _join("张三")  # the first 张三 again, after closing the browser
    again.button(key="join.same").click().run()
    assert sess(again).account.name == "张三"
    goto(again, "practise")
    assert sess(again).aid == mine  # their practice is found, not 「尚未开始练习」
    again.button(key="practice.start").click().run()  # the same sample again: no 「张三（2）」
    rounds = {a.round_name for a in other_store.list_assessments()}
    assert rounds == {"练习 · 张三", "练习 · 张三（二组）"}


def test_ending_the_workshop_refuses_the_next_click(
    workshop, other_store: Store, rubric: Rubric
) -> None:
    at = _join("小王")
    aid = _start_practice(at)
    cid = next(iter(rubric.criteria))
    goto(at, "item1")
    other_store.workshops.close(workshop, CODE)
    at.button_group(key=f"ans.{cid}").set_value("yes").run()
    assert other_store.answers(aid)[cid].value is None
    assert sess(at).account is None
    assert "培训班已结束" in _all_text(at)
    assert "登录已失效" not in _all_text(at)


def test_a_page_outside_a_trainees_menu_lands_on_the_practice(workshop) -> None:
    at = _join("小王")
    goto(at, "workshop-room")
    assert sess(at).shown_page == "practise"
    assert "示例练习" in at.title[0].value
    assert "「培训班结果」不在您的菜单中，已转到「示例练习」" in _all_text(at)
    # Shown once. The next run (any click) draws the page where it was: a page shifting up
    # by the line had the browser rebuild its open blocks in the middle of that run.
    kinds = [type(node).__name__ for node in at.main.children.values()]
    at.run()
    assert "不在您的菜单中" not in _all_text(at)
    assert [type(node).__name__ for node in at.main.children.values()].index("Title") == (
        kinds.index("Title")
    )


def test_a_trainee_given_a_link_to_the_units_assessment_is_told_no(
    workshop, other_store: Store
) -> None:
    unit = other_store.create_assessment("甲局", "第一次自评")
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.query_params["a"] = str(unit.id)  # the link: 首页 of the unit's assessment
    at.run()
    at.text_input(key="join.code").set_value(CODE)
    at.text_input(key="join.name").set_value("小王")
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception
    # a trainee's 首页 is 示例练习: the refusal is said there, not dropped by the switch
    assert sess(at).shown_page == "practise"
    assert any("无权访问" in str(e.value) for e in at.error)
    assert "甲局" not in _all_text(at)
    goto(at, "practise")  # said once
    assert not any("无权访问" in str(e.value) for e in at.error)


def _practice(store: Store, rubric: Rubric, name: str, answers: dict, *, submitted: bool = True):
    from jiguan.samples import load_samples
    from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP

    sample = load_samples(rubric)[0]
    profile = {PROFILE_SAMPLE: sample.id, PROFILE_WORKSHOP: CODE, PROFILE_TRAINEE: name}
    if submitted:
        profile[PROFILE_SUBMITTED] = "2026-12-01T10:00:00+08:00"
    info = store.create_assessment(f"【示例】{sample.unit}", f"练习 · {name}", profile=profile)
    store.replace_answers(info.id, answers, user=name)
    return info


def test_the_trainer_scopes_the_exercise_and_reopens_one_practice(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    from jiguan.scoring import Answer

    first = _practice(other_store, rubric, "甲", {"2.1": Answer("no"), "3.1": Answer("yes")})
    _practice(other_store, rubric, "乙", {"2.1": Answer("yes"), "3.1": Answer("yes")})
    at = goto(AppTest.from_file(HARNESS, default_timeout=60).run(), "workshop-room")
    at.multiselect(key="workshop.inds").set_value([2, 3]).run()
    assert not at.exception, at.exception
    choices = at.table[0].value  # the split indicators (指标 3: everyone agrees)
    assert list(choices["指标"]) == ["指标 2"]
    every = at.dataframe[2].value
    assert list(every["指标"]) == ["指标 2", "指标 3"]
    assert choices["学员的评定"].iloc[0] == "符合 1　部分符合 0　不符合 1"
    assert choices["答案"].iloc[0] == "符合"
    at.selectbox(key="workshop.reopen_name").set_value("甲").run()
    at.button(key="workshop.reopen").click().run()
    assert PROFILE_SUBMITTED not in other_store.get_assessment(first.id).profile
    assert "已重新开放「甲」" in _all_text(at)


def test_the_projector_view_is_anonymous_and_live(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    from jiguan.scoring import Answer

    _practice(other_store, rubric, "甲", {"2.1": Answer("no")})
    _practice(other_store, rubric, "乙", {"2.1": Answer("yes")})
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.query_params["w"] = CODE
    at.query_params["i"] = "2,3"
    at.run()
    goto(at, "workshop-screen")
    shown = _all_text(at)
    assert at.title[0].value.replace("\\", "") == f"培训班 {CODE}"
    assert "指标 2" in shown and "一致 1 人 · 不一致 1 人 · 未评 0 人" in shown
    assert "甲" not in shown and "乙" not in shown  # anonymous
    assert not at.button  # no controls
    _practice(other_store, rubric, "丙", {"2.1": Answer("no")})
    at.run()
    assert "不一致 2 人" in _all_text(at)


def test_the_trainer_ends_reopens_and_deletes_a_workshop(workshop, other_store: Store) -> None:
    users = other_store.users
    users.change_password(users.get(workshop.user_id).id, PASSWORD, ACCOUNT_PASSWORD)
    at = login("培训师")
    goto(at, "workshops")
    info = other_store.workshops.get(CODE)
    at.button(key=f"ws.close.{info.id}").click().run()
    assert not other_store.workshops.is_active(CODE)
    at.button(key=f"ws.extend.{info.id}").click().run()  # 重新开放, until today 23:59
    assert other_store.workshops.is_active(CODE)
    at.button(key=f"ws.close.{info.id}").click().run()
    at.button(key=f"ws.remove.{info.id}").click().run()
    assert "代码可以再次使用" in _all_text(at)
    assert other_store.workshops.list(workshop) == []


# --- 演示模式 ----------------------------------------------------------------------------------


def _present(params: dict[str, str] | None = None) -> AppTest:
    at = goto(AppTest.from_file(HARNESS, default_timeout=60).run(), "presentation")
    for name, value in (params or {}).items():  # the url as a reload sends it
        at.query_params[name] = value
    return at.run()


def test_the_presentation_keeps_its_place_in_the_url(data_dir: Path) -> None:
    at = _present()
    at.button(key="present.next").click().run()
    at.button(key="present.next").click().run()
    assert at.title[0].value.startswith("指标 3")
    assert at.query_params["ind"] == "3"
    again = _present({"ind": "17"})  # a reload
    assert again.title[0].value.startswith("指标 17")
    assert again.selectbox(key="present.item").value == 2  # 跳到评估项目 follows the indicator
    for _ in range(4):
        again.button(key="present.prev").click().run()
    assert again.title[0].value.startswith("指标 13")
    again.button(key="present.prev").click().run()
    assert again.title[0].value.startswith("指标 12")
    assert again.selectbox(key="present.item").value == 1


def test_the_presentation_reveals_the_key_on_the_next_click(data_dir: Path) -> None:
    at = _present({"ind": "17"})
    at.toggle(key="present.show_sample").set_value(True).run()
    at.selectbox(key="present.sample").set_value("middling").run()
    shown = "\n".join(m.value for m in at.markdown)
    assert "17.4 自评：2 项" in shown and "答案：" not in shown
    at.button(key="present.next").click().run()
    assert at.title[0].value.startswith("指标 17")
    assert "答案：5 分" in "\n".join(m.value for m in at.markdown)
    at.button(key="present.next").click().run()
    assert at.title[0].value.startswith("指标 18")
    assert "答案：" not in "\n".join(m.value for m in at.markdown)


def test_the_rooms_qr_link_fills_in_the_code(workshop) -> None:
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.query_params["join"] = CODE
    at.run()
    assert at.text_input(key="join.code").value == CODE
    at.text_input(key="join.name").set_value("小王")
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert sess(at).account.workshop == CODE


def test_a_trainee_scores_on_the_samples_own_evidence(workshop) -> None:
    at = _join("小王")
    _start_practice(at)
    goto(at, "item1")
    shown = _all_text(at)
    assert "1.1 单位提供的佐证：《关于成立标准化试点工作领导小组的通知》" in shown
    # the sample's own evidence alone: no tool suggestion competing with it, shown or folded
    assert not any("参考佐证材料" in e.value for e in [*at.caption, *at.markdown])
    assert not any(e.label.startswith("参考佐证材料") for e in at.expander)


def test_a_trainee_sees_no_evidence_field_or_uploader_on_the_practice(
    workshop, rubric: Rubric
) -> None:
    """The store refuses a trainee's evidence and files (练习中不能修改示例单位的佐证材料):
    the page offers neither; the sample's evidence is shown, read-only, open."""
    at = _join("小王")
    _start_practice(at)
    goto(at, "item1")
    cids = [c.id for ct in rubric.items[0].contents for i in ct.indicators for c in i.criteria]
    for cid in cids:
        at.session_state[f"open.{cid}"] = True  # as if a block had been opened
    at.run()
    assert not at.exception, at.exception
    assert not [e.label for e in at.expander if e.label.startswith("佐证材料与备注")]
    assert [t.key for t in at.text_area] == []
    assert not [t.key for t in at.text_input if str(t.key).startswith("note.")]
    assert at.get("file_uploader") == []
    shown = _all_text(at)
    assert all(f"{cid} 单位提供的佐证：" in shown for cid in cids)
