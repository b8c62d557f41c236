"""Nothing a user typed is lost (the data-safety issue) — the cases AppTest can drive."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import COMMAND_LINE
from jiguan.scoring import Answer
from jiguan.store import Store, StoreUnavailable
from tests.app_support import (
    answer,
    create,
    goto,
    open_evidence,
    run,
    sess,
    sidebar_total,
    start,
)


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    return create(start(data_dir))


def _wait(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_colleagues_change_appears_with_who_and_where(app: AppTest, other_store: Store) -> None:
    goto(app, "item2")
    other_store.save_answer(sess(app).aid, "6.1", Answer("yes"), expected_version=0, user="李四")
    run(app)
    assert any("李四 刚更新了 指标 6" in i.value for i in app.info)
    assert app.button_group(key="ans.6.1").value == "yes"
    assert sidebar_total(app) == "2 / 100"


def test_a_stale_answer_click_is_refused_with_the_current_value(
    app: AppTest, other_store: Store
) -> None:
    goto(app, "item1")
    aid = sess(app).aid
    other_store.save_answer(aid, "1.1", Answer("no"), expected_version=0, user="李四")
    app.button_group(key="ans.1.1").set_value("yes").run()  # before this browser saw it
    run(app)
    warning = " ".join(w.value for w in app.warning)
    assert "李四" in warning and "不符合" in warning and "未保存" in warning
    assert app.button_group(key="ans.1.1").value == "no"
    assert other_store.answers(aid)["1.1"].value == "no"
    answer(app, "1.1", "yes")  # now on the current version: saved
    assert other_store.answers(aid)["1.1"].value == "yes"


def test_evidence_typed_over_a_colleagues_answer_change_is_merged(
    app: AppTest, other_store: Store
) -> None:
    """A sets 部分符合; B, without reloading, types evidence: both are saved."""
    goto(app, "item1")
    aid = sess(app).aid
    answer(app, "1.1", "yes")
    open_evidence(app, "1.1")
    other_store.save_answer(aid, "1.1", Answer("partial", 1.0), expected_version=1, user="A")
    app.text_area(key="ev.1.1").set_value("会议纪要").run()
    saved = other_store.answers(aid)["1.1"]
    assert (saved.value, saved.points, saved.evidence) == ("partial", 1.0, "会议纪要")


def test_a_text_conflict_keeps_my_text_and_lets_me_choose(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    aid = sess(app).aid
    answer(app, "1.1", "yes")
    open_evidence(app, "1.1")
    other_store.save_answer(
        aid, "1.1", Answer("yes", evidence="A 的佐证"), expected_version=1, user="A"
    )
    app.text_area(key="ev.1.1").set_value("我的佐证").run()
    run(app)
    assert other_store.answers(aid)["1.1"].evidence == "A 的佐证"  # nothing overwritten
    assert app.text_area(key="ev.1.1").value == "我的佐证"  # my text still in the field
    assert any("A 在您编辑时保存了此项的佐证材料" in w.value for w in app.warning)
    assert [t.value for t in app.text] == ["我的佐证", "A 的佐证"]
    app.button(key="mine.1.1").click().run()
    assert other_store.answers(aid)["1.1"].evidence == "我的佐证"
    run(app)
    assert not app.text


def test_a_text_conflict_can_take_the_saved_text(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    aid = sess(app).aid
    answer(app, "1.1", "yes")
    open_evidence(app, "1.1")
    other_store.save_answer(
        aid, "1.1", Answer("yes", note="A 的备注"), expected_version=1, user="A"
    )
    app.text_input(key="note.1.1").set_value("我的备注").run()
    app.button(key="theirs.1.1").click().run()
    run(app)
    assert app.text_input(key="note.1.1").value == "A 的备注"
    assert other_store.answers(aid)["1.1"].note == "A 的备注"


def test_changes_during_an_outage_are_journaled_and_saved_when_it_returns(
    app: AppTest, other_store: Store, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    goto(app, "item1")
    aid = sess(app).aid
    real_save = Store.save_answer

    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("数据库连接失败")

    monkeypatch.setattr(Store, "save_answer", down)
    answer(app, "1.1", "yes")
    open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value("发文").run()
    run(app)
    assert sidebar_total(app) == "2 / 100"  # the page shows what the user did
    banner = " ".join(w.value for w in app.warning)
    assert "数据库暂时无法连接" in banner and "2 项修改已暂存在服务器上" in banner
    assert any("2 项修改待写入数据库" in w.value for w in app.sidebar.warning)
    assert "1.1" not in other_store.answers(aid)
    assert list((data_dir / "journal" / "pending").glob("*.json"))  # on the server's disk

    del app  # the tab is closed; nothing of it is needed any more
    monkeypatch.setattr(Store, "save_answer", real_save)  # the database is back
    # both changes replayed (waiting for the first alone raced the second one's replay)
    assert _wait(lambda: not list((data_dir / "journal" / "pending").glob("*.json")))
    saved = other_store.answers(aid)["1.1"]
    assert (saved.value, saved.evidence) == ("yes", "发文")


def test_a_tab_on_a_purged_assessment_says_so_and_writes_nothing(
    app: AppTest, other_store: Store
) -> None:
    goto(app, "item1")
    aid = sess(app).aid
    other_store.delete_assessment(aid)
    other_store.purge_assessment(aid)
    fresh = other_store.create_assessment("另一单位", "第一次自评")
    assert fresh.id != aid  # ids are never reused
    app.button_group(key="ans.1.1").set_value("yes").run()
    assert not app.exception
    run(app)
    assert any("已不存在" in e.value for e in app.error)
    assert other_store.answers(fresh.id) == {}


def test_a_change_that_replay_could_not_apply_is_shown_to_the_next_person(
    app: AppTest, other_store: Store, data_dir: Path
) -> None:
    from jiguan.accounts import LOCAL_CALLER
    from jiguan.journal import Change, Journal

    goto(app, "item1")
    aid = sess(app).aid
    other_store.save_answer(
        aid, "1.1", Answer("no", evidence="李四的"), expected_version=0, user="李四"
    )
    journal = Journal(data_dir / "journal")
    journal.append(Change(aid, "1.1", {"evidence": "张三的"}, Answer(), 0, "张三", LOCAL_CALLER))
    assert _wait(lambda: journal.conflicts(aid))  # replayed in the background: a conflict
    nxt = goto(start(data_dir), "item1")
    banner = " ".join(w.value for w in nxt.warning)
    assert "张三" in banner and "1.1" in banner and "张三的" in banner
    name = journal.conflicts(aid)[0].name
    nxt.button(key=f"kept.use.{name}").click().run()
    run(nxt)
    assert other_store.answers(aid)["1.1"].evidence == "张三的"
    assert other_store.answers(aid)["1.1"].value == "no"
    assert not journal.conflicts(aid)
    assert not [b for b in nxt.button if b.key == f"kept.use.{name}"]


def test_a_change_its_author_had_no_right_to_is_not_saved_nor_offered_to_the_next_person(
    app: AppTest, other_store: Store, data_dir: Path
) -> None:
    """The app's replayer (jiguan/runtime.py) replays a change as its author: a 填报人 of another
    unit journaled a change to this assessment while the database was away."""
    from jiguan.accounts import FILLER
    from jiguan.journal import Change, Journal

    goto(app, "item1")
    aid = sess(app).aid
    stranger = other_store.users.add(
        "外单位", FILLER, "一个足够长的密码123", unit="外局", by=COMMAND_LINE
    ).caller()
    journal = Journal(data_dir / "journal")
    journal.append(Change(aid, "1.1", {"evidence": "越权的"}, Answer(), 0, "外单位", stranger))
    assert _wait(lambda: journal.refused())  # replayed in the background: refused
    assert not journal.pending() and not journal.conflicts(aid)
    assert "1.1" not in other_store.answers(aid)
    nxt = goto(start(data_dir), "item1")
    assert "越权的" not in " ".join(w.value for w in nxt.warning)
    assert not [b for b in nxt.button if (b.key or "").startswith("kept.use.")]
