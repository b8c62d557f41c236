"""共享模式's administrator pages and workshop join codes through the app (issue 13): the
account page (add, role change audited), the audit log with its export, a trainer's workshop
and a trainee who joins with its code, sees only their own practice and only the pages a
trainee can use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, FILLER, REVIEWER, TRAINEE, TRAINER
from jiguan.rubric import Rubric
from jiguan.store import Store
from jiguan.store.workshops import generated_form
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from pages.common import routes
from tests.app_support import HARNESS, add_account, goto, login, sess

PASSWORD = "一个足够长的密码123"


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def test_administrator_adds_an_account_and_changes_its_role(
    shared: None, other_store: Store
) -> None:
    add_account(other_store, "管理员", ADMIN)
    at = goto(login("管理员"), "accounts")
    at.text_input(key="admin.new.name").set_value("甲填报")
    at.radio(key="admin.new.role").set_value(FILLER)
    at.text_input(key="admin.new.unit").set_value("甲局")
    at.text_input(key="admin.new.password").set_value("短")
    at.button(key="FormSubmitter:admin.add-新建").click().run()
    assert "至少 10 个字符" in " ".join(e.value for e in at.error)
    at.text_input(key="admin.new.name").set_value("甲填报")
    at.radio(key="admin.new.role").set_value(FILLER)
    at.text_input(key="admin.new.unit").set_value("甲局")
    at.text_input(key="admin.new.password").set_value(PASSWORD)
    at.button(key="FormSubmitter:admin.add-新建").click().run()
    assert not at.exception, at.exception
    user = next(u for u in other_store.users.list() if u.name == "甲填报")
    assert (user.role, user.units, user.must_change) == (FILLER, ("甲局",), True)
    at.selectbox(key="admin.pick").set_value("甲填报").run()
    at.selectbox(key=f"admin.role.{user.id}").set_value(REVIEWER).run()
    at.button(key=f"admin.setrole.{user.id}").click().run()
    assert not at.exception, at.exception
    assert other_store.users.get(user.id).role == REVIEWER
    changed = other_store.users.audit_log(action="修改角色")
    assert [(e.actor, e.target) for e in changed] == [("管理员", "甲填报")]
    at = goto(at, "audit-log")
    assert not at.exception, at.exception
    assert "修改角色" in at.selectbox(key="audit.action").options


def test_a_filler_cannot_draw_the_administrator_page(shared: None, other_store: Store) -> None:
    add_account(other_store, "管理员", ADMIN)
    add_account(other_store, "甲填报", FILLER, "甲局")
    at = login("甲填报")
    at = goto(at, "accounts")
    assert not at.exception, at.exception
    assert not [w for w in at.text_input if w.key == "admin.new.name"]
    assert sess(at).account is not None  # still signed in: refused the page, not logged out


def test_trainee_joins_with_a_code_and_sees_only_their_practice(
    shared: None, other_store: Store
) -> None:
    add_account(other_store, "管理员", ADMIN)
    trainer_id = add_account(other_store, "培训师", TRAINER)
    trainer = other_store.users.get(trainer_id).caller()
    other_store.workshops.open(trainer, "NJ-2026", "南京班", datetime.now(UTC) + timedelta(days=1))
    for who in ("小王", "小李"):
        other_store.create_assessment(
            "【示例】某单位",
            f"练习 · {who}",
            profile={PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "NJ-2026", PROFILE_TRAINEE: who},
        )
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    at.text_input(key="join.code").set_value("WRONG-CODE")
    at.text_input(key="join.name").set_value("小王")
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert "培训班代码不正确" in " ".join(e.value for e in at.error)
    at.text_input(key="join.code").set_value("NJ-2026")
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception
    me = sess(at).account
    assert (me.role, me.name, me.workshop) == (TRAINEE, "小王", "NJ-2026")
    assert "学员" in " ".join(c.value for c in at.sidebar.caption)
    other_store.workshops.close(trainer, "NJ-2026")
    at.run()
    assert sess(at).account is None  # the workshop ended: the trainee is out


def test_trainer_opens_a_workshop_on_its_page(shared: None, other_store: Store) -> None:
    add_account(other_store, "管理员", ADMIN)
    add_account(other_store, "王老师", TRAINER)
    at = goto(login("王老师"), "workshops")
    at.text_input(key="ws.name").set_value("")
    at.button(key="FormSubmitter:ws.open-开设培训班").click().run()
    assert "培训班名称不能为空" in " ".join(e.value for e in at.error)
    at.text_input(key="ws.name").set_value("南京班")
    at.button(key="FormSubmitter:ws.open-开设培训班").click().run()
    assert not at.exception, at.exception
    assert "已开设培训班" in " ".join(s.value for s in at.success)
    (info,) = other_store.workshops.list(sess(at).account)
    assert generated_form(info.code.lower().replace("-", " ")) == info.code  # typeable
    assert (info.trainer, info.active()) == ("王老师", True)
    at.button(key=f"ws.close.{info.id}").click().run()
    assert not other_store.workshops.get(info.code).active()
    assert [e.action for e in other_store.users.audit_log(actor="王老师")][:2] == [
        "结束培训班",
        "新建培训班",
    ]


def _every_route(rubric: Rubric) -> list[routes.Route]:
    return [
        *routes.MAIN_ROUTES,
        *routes.item_routes(rubric),
        *routes.REVIEW_ROUTES,
        *routes.TRAINING_ROUTES,
        *routes.ADMIN_ROUTES,
        routes.WORKSHOPS_ROUTE,
    ]


def _titles(rubric: Rubric, role: str | None) -> dict[str, list[str]]:
    return {name: [r.title for r in rs] for name, rs in routes.sections(rubric, role).items()}


def test_navigation_of_a_trainee_and_of_a_filler(rubric: Rubric) -> None:
    items = [routes.item_title(i, item) for i, item in enumerate(rubric.items)]
    assert _titles(rubric, TRAINEE) == {"": ["示例练习", "评估指引"], "评估项目": items}
    training = ["评估指引", "演示模式", "示例练习", "培训班结果", "单位比较"]
    assert _titles(rubric, FILLER) == {
        "": ["首页", "汇总", "佐证检查", "导入导出", "提交自评"],
        "评估项目": items,
        "正式评估": ["总览", "评审录入", "评审对照", "整改台账", "历轮进展"],
        "培训与比较": training,  # 投影视图 is the trainer's (it refuses anyone else)
    }
    assert _titles(rubric, REVIEWER) == _titles(rubric, FILLER)
    assert _titles(rubric, None)["培训与比较"] == [*training, "投影视图"]  # 单机模式
    assert _titles(rubric, TRAINER)["培训与比较"] == [*training, "投影视图", "培训班管理"]


def _join(code: str, name: str) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    at.text_input(key="join.code").set_value(code)
    at.text_input(key="join.name").set_value(name)
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception
    return at


def test_a_trainee_reaches_only_the_practice_pages(
    shared: None, other_store: Store, rubric: Rubric
) -> None:
    add_account(other_store, "管理员", ADMIN)
    trainer = other_store.users.get(add_account(other_store, "培训师", TRAINER)).caller()
    other_store.workshops.open(trainer, "NJ-2026", "南京班", datetime.now(UTC) + timedelta(days=1))
    at = _join("NJ-2026", "小王")
    assert sess(at).shown_page == "practise"  # a trainee starts on 示例练习
    assert at.title[0].value == "示例练习"
    assert "尚未开始练习" in " ".join(c.value for c in at.sidebar.caption)
    mine = {"practise", "criteria-guide", *(routes.item_url(i) for i in range(len(rubric.items)))}
    for route in _every_route(rubric):  # a typed URL of any other page: Streamlit's default
        goto(at, route.url_path)
        assert sess(at).shown_page == (route.url_path if route.url_path in mine else "practise")
    goto(at, "item1")  # no practice yet: sent to 示例练习, not to 首页
    assert [link.label for link in at.get("page_link")][-1] == "前往示例练习"
    goto(at, "practise")
    at.button(key="practice.start").click().run()
    assert not at.exception, at.exception
    assert sess(at).aid is not None
    last = routes.item_url(len(rubric.items) - 1)
    goto(at, "item1")
    assert at.button(key="nav.prev").label == "上一部分：示例练习"
    goto(at, last)
    assert at.button(key="nav.next").label == "下一部分：示例练习"  # back to hand in
    at.button(key="nav.next").click().run()
    assert not at.exception, at.exception
    assert sess(at).shown_page == "practise"


def test_a_filler_reaches_the_usual_pages_but_not_the_administrators(
    shared: None, other_store: Store, rubric: Rubric
) -> None:
    add_account(other_store, "管理员", ADMIN)
    add_account(other_store, "甲填报", FILLER, "甲局")
    mine = other_store.create_assessment("甲局", "第一次自评")
    at = login("甲填报")  # the unit's only assessment is opened
    assert sess(at).aid == mine.id
    assert sess(at).shown_page == ""
    admin_only = {r.url_path for r in (*routes.ADMIN_ROUTES, routes.WORKSHOPS_ROUTE)}
    for route in _every_route(rubric):
        goto(at, route.url_path)
        assert sess(at).shown_page == ("" if route.url_path in admin_only else route.url_path)
