"""首页 through AppTest: create, profile, delete/restore/purge, next round, who is filling in."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.store import Store
from tests.app_support import (
    UNIT,
    answer,
    create,
    goto,
    sess,
    sidebar_total,
    start,
)


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    return create(start(data_dir))


def test_home_offers_to_create_when_empty(data_dir: Path) -> None:
    at = start(data_dir)
    assert at.text_input(key="new.unit")
    assert any("还没有自评" in i.value for i in at.info)
    assert any(c.value.startswith("尚未选择自评") for c in at.sidebar.caption)


def test_home_profile_is_saved(app: AppTest, other_store: Store) -> None:
    app.text_input(key="prof.filler").set_value("张三").run()
    app.text_input(key="prof.contact").set_value("010-12345678").run()
    info = other_store.get_assessment(sess(app).aid)
    assert info.unit_name == UNIT
    assert info.profile["填表人"] == "张三"
    assert info.profile["联系方式"] == "010-12345678"
    assert [m.value for m in app.main.metric][:3] == ["0 / 100", "0%", "38"]


def test_empty_unit_name_is_refused_and_kept(app: AppTest, other_store: Store) -> None:
    app.text_input(key="prof.unit").set_value("  ").run()
    assert any("承担单位不能为空" in e.value for e in app.error)
    assert other_store.get_assessment(sess(app).aid).unit_name == UNIT
    assert app.text_input(key="prof.unit").value == UNIT


def test_profile_and_current_user_survive_other_pages(
    app: AppTest,
    other_store: Store,
) -> None:
    app.text_input(key="prof.filler").set_value("张三").run()
    app.text_input(key="user.input").set_value("王五").run()
    goto(app, "item1")
    answer(app, "1.1", "yes")
    assert other_store.load_answers(sess(app).aid)["1.1"].updated_by == "王五"
    goto(app, "")
    assert app.text_input(key="prof.filler").value == "张三"
    assert app.text_input(key="prof.unit").value == UNIT
    assert app.text_input(key="user.input").value == "王五"


def test_a_new_session_asks_who_is_filling_in(
    app: AppTest,
    data_dir: Path,
    other_store: Store,
) -> None:
    """A colleague opening the same assessment is not silently given the 填表人's name."""
    app.text_input(key="prof.filler").set_value("张三").run()
    colleague = start(data_dir)
    assert colleague.text_input(key="user.input").value == ""
    assert any("请填写您的姓名" in c.value for c in colleague.sidebar.caption)
    goto(colleague, "item1")
    answer(colleague, "1.1", "yes")
    assert other_store.load_answers(sess(app).aid)["1.1"].updated_by == "未署名"


def test_home_delete_asks_then_restores(app: AppTest, other_store: Store) -> None:
    aid = sess(app).aid
    app.button(key=f"delete.{aid}").click().run()
    assert other_store.list_assessments()  # nothing deleted before the confirmation
    app.button(key="delete.confirm").click().run()
    assert not other_store.list_assessments()
    app.button(key=f"restore.{aid}").click().run()
    assert [a.id for a in other_store.list_assessments()] == [aid]


def test_home_purge_asks_then_removes_for_good(app: AppTest, other_store: Store) -> None:
    aid = sess(app).aid
    app.button(key=f"delete.{aid}").click().run()
    app.button(key="delete.confirm").click().run()
    app.button(key=f"purge.{aid}").click().run()
    assert any("无法恢复" in w.value for w in app.warning)
    assert other_store.list_assessments(include_deleted=True)  # not before the confirmation
    app.button(key=f"purge.cancel.{aid}").click().run()
    assert other_store.list_assessments(include_deleted=True)
    app.button(key=f"purge.{aid}").click().run()
    app.button(key=f"purge.confirm.{aid}").click().run()
    assert not app.exception
    assert other_store.list_assessments(include_deleted=True) == []
    assert not [b for b in app.button if b.key == f"restore.{aid}"]


def test_home_duplicate_as_next_round(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    goto(app, "")
    aid = sess(app).aid
    app.button(key=f"dup.{aid}").click().run()
    assert app.text_input(key=f"dup.round.{aid}").value == "第二次自评"
    app.button(key="dup.confirm").click().run()
    rounds = sorted(a.round_name for a in other_store.list_assessments())
    assert rounds == ["第一次自评", "第二次自评"]
    assert sidebar_total(app) == "2 / 100"  # the copy is now the current assessment
    assert app.query_params["a"] == str(sess(app).aid)
