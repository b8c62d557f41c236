"""Pages that match the role (issue 27): signed out, only 登录 (with 参加培训班); no trainer
instructions for a 填报人; a 填报人's new assessment prefilled with their unit and a refusal
that names it; 定稿 asks first and its error reads once."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, FILLER
from jiguan.rubric import Rubric
from jiguan.scoring import all_yes
from jiguan.store import Store
from pages.common import routes
from tests.app_support import HARNESS, add_account, create, goto, login, run, sess, start


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def test_signed_out_the_menu_is_only_the_sign_in_page(
    shared: None, other_store: Store, rubric: Rubric
) -> None:
    add_account(other_store, "管理员", ADMIN)
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    assert [k for k in ("login.name", "join.code") if k in [w.key for w in at.text_input]] == [
        "login.name",
        "join.code",
    ]
    assert routes.sections(rubric, routes.SIGNED_OUT) == {"": (routes.LOGIN_ROUTE,)}
    assert routes.LOGIN_ROUTE.title == "登录"


def test_a_filler_sees_no_trainer_instructions(shared: None, other_store: Store) -> None:
    add_account(other_store, "管理员", ADMIN)
    add_account(other_store, "甲填报", FILLER, "甲局")
    other_store.create_assessment("甲局", "第一次自评")
    at = goto(login("甲填报"), "workshop-room")
    text = " ".join(e.value for e in at.info) + " ".join(m.value for m in at.markdown)
    assert "请告诉学员" not in text


def test_a_filler_creates_for_their_own_unit(shared: None, other_store: Store) -> None:
    add_account(other_store, "管理员", ADMIN)
    add_account(other_store, "甲填报", FILLER, "甲局")
    at = login("甲填报")
    assert at.text_input(key="new.unit").value == "甲局"  # prefilled
    at.text_input(key="new.unit").set_value("甲市机关事务管理局")
    at.button(key="FormSubmitter:new-开始自评").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "只能为本账户所属单位新建" in errors and "甲局" in errors
    at.text_input(key="new.unit").set_value("甲局")
    at.button(key="FormSubmitter:new-开始自评").click().run()
    assert sess(at).aid is not None


def test_finalise_asks_first_and_says_what_is_missing_once(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    at = create(start(data_dir))
    other_store.replace_answers(sess(at).aid, all_yes(rubric, evidence="制度文件"), user="张三")
    goto(at, "panel-review")
    popovers = [p for p in at.get("popover") if p.proto.popover.label == "定稿"]
    assert popovers, "定稿 opens a confirmation first"
    assert at.button(key="rv.finalise").label == "确认定稿"
    at.button(key="rv.finalise").click()
    run(at)
    errors = " ".join(e.value for e in at.error)
    assert "未能定稿" in errors and "评审未定稿" not in errors
