"""One versioned-cell edit for answers and verdicts, seen from two browsers (issues 24.1, 20).

Two AppTest instances on one database are two browsers: a field one of them has open while the
other saves is never overwritten silently; a 部分符合 without points is kept and shown as
incomplete; a verdict made while the database is away is journaled like an answer; a role that
may not write sees no control that pretends to save.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, FILLER, REVIEWER, TRAINER
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, all_yes
from jiguan.store import Store, StoreUnavailable
from jiguan.store.reviews import Reviews
from tests import store_support
from tests.app_support import (
    HARNESS,
    add_account,
    answer,
    create,
    goto,
    indicator_flags,
    login,
    open_evidence,
    run,
    sess,
    sidebar_total,
    start,
    wait_until,
)

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store


def _browser(data_dir: Path, page: str, user: str) -> AppTest:
    at = start(data_dir)
    at.text_input(key="user.input").set_value(user).run()
    return goto(at, page)


def _warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.fixture
def aid(data_dir: Path) -> int:
    return sess(create(start(data_dir))).aid


def test_a_field_drawn_again_carries_what_is_held_as_its_default(
    data_dir: Path, aid: int, other_store: Store
) -> None:
    """Streamlit sends a value set through the session state only in the run that set it and
    drops a run's messages not yet sent when the next run starts; a field the browser then
    draws afresh (a block reopened) shows the drawing's default. So every drawing of a cell's
    text field carries what the server holds as its default (what the browser receives: the
    element's proto), not only the run that seeded it."""
    other_store.save_answer(
        aid, "1.1", Answer(evidence="制度文件", note="见附件"), expected_version=0, user="王"
    )
    a = _browser(data_dir, "item1", "张三")
    open_evidence(a, "1.1")
    run(a)  # a run that sets nothing
    assert a.text_area(key="ev.1.1").proto.default == "制度文件"
    assert a.text_input(key="note.1.1").proto.default == "见附件"


# ---- B: a stale field never overwrites silently ------------------------------------------


def test_evidence_a_colleague_saved_under_my_open_field_is_never_overwritten(
    data_dir: Path, aid: int, other_store: Store
) -> None:
    other_store.save_answer(aid, "2.1", Answer(evidence="制度文件"), expected_version=0, user="王")
    a = _browser(data_dir, "item1", "张三")
    b = _browser(data_dir, "item1", "李强")
    open_evidence(a, "2.1")
    open_evidence(b, "2.1")
    b.text_area(key="ev.2.1").set_value("制度文件\n会议纪要").run()
    run(a)  # A's page learns of B's save (the poll or the next run)
    assert "李强 刚更新了 指标 2" in " ".join(i.value for i in a.info)
    a.text_area(key="ev.2.1").set_value("制度文件\n培训记录").run()
    run(a)
    assert other_store.answers(aid)["2.1"].evidence == "制度文件\n会议纪要"  # not overwritten
    assert "李强 在您编辑时保存了此项的佐证材料" in _warnings(a)
    assert a.text_area(key="ev.2.1").value == "制度文件\n培训记录"  # mine still in the field
    a.button(key="merge.2.1").click().run()
    run(a)
    assert other_store.answers(aid)["2.1"].evidence == "制度文件\n会议纪要\n培训记录"
    assert a.text_area(key="ev.2.1").value == "制度文件\n会议纪要\n培训记录"


def test_a_count_a_colleague_saved_under_me_is_a_conflict(
    data_dir: Path, aid: int, other_store: Store
) -> None:
    a = _browser(data_dir, "item3", "张三")
    b = _browser(data_dir, "item3", "李强")
    b.number_input(key="ans.17.1").set_value(3).run()
    run(a)
    a.number_input(key="ans.17.1").set_value(5).run()
    run(a)
    assert other_store.answers(aid)["17.1"].value == 3
    assert "李强" in _warnings(a)
    a.button(key="mine.17.1").click().run()
    assert other_store.answers(aid)["17.1"].value == 5


def test_a_review_reason_a_colleague_saved_under_me_is_a_conflict(
    data_dir: Path, aid: int, other_store: Store, rubric: Rubric
) -> None:
    other_store.replace_answers(aid, all_yes(rubric, evidence="制度文件"), user="张三")
    a = _browser(data_dir, "panel-review", "王五")
    b = _browser(data_dir, "panel-review", "赵六")
    b.text_area(key="rv.reason.2.1").set_value("赵六的意见").run()
    run(a)
    a.text_area(key="rv.reason.2.1").set_value("王五的意见").run()
    run(a)
    assert other_store.reviews.verdicts(aid)["2.1"].verdict.reason == "赵六的意见"
    assert "赵六 在您编辑时保存了此项的评审意见" in _warnings(a)
    a.button(key="rv.merge.2.1").click().run()
    run(a)
    assert other_store.reviews.verdicts(aid)["2.1"].verdict.reason == "赵六的意见\n王五的意见"


# ---- A: verdicts take the answers' path ----------------------------------------------------


def test_a_verdict_made_while_the_database_is_away_is_journaled_and_saved_later(
    data_dir: Path,
    aid: int,
    other_store: Store,
    rubric: Rubric,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other_store.replace_answers(aid, all_yes(rubric, evidence="制度文件"), user="张三")
    app = _browser(data_dir, "panel-review", "王五")
    real_save = Reviews.save_verdict

    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("数据库连接失败")

    monkeypatch.setattr(Reviews, "save_verdict", down)
    app.button_group(key="rv.ans.2.1").set_value("no").run()
    run(app)
    assert list((data_dir / "journal" / "pending").glob("*.json"))
    assert app.button_group(key="rv.ans.2.1").value == "no"  # the page shows what was done
    monkeypatch.setattr(Reviews, "save_verdict", real_save)
    assert wait_until(lambda: not list((data_dir / "journal" / "pending").glob("*.json")))
    saved = other_store.reviews.verdicts(aid)["2.1"]
    assert (saved.verdict.value, saved.updated_by) == ("no", "王五")


# ---- C: a 部分符合 without points is kept, and shown as incomplete -------------------------


def test_partial_without_points_is_kept_as_incomplete(
    data_dir: Path, aid: int, other_store: Store
) -> None:
    app = goto(start(data_dir), "item1")
    answer(app, "1.1", "yes")
    assert sidebar_total(app) == "2 / 100"
    answer(app, "1.1", "partial")
    saved = other_store.answers(aid)["1.1"]
    assert (saved.value, saved.points) == ("partial", None)
    assert sidebar_total(app) == "0 / 100"
    assert "未完成：请选择分数" in " ".join(m.value for m in app.main.markdown)
    assert "未评" in indicator_flags(app, 1)
    again = goto(start(data_dir), "item1")  # F5
    assert again.button_group(key="ans.1.1").value == "partial"
    assert "未完成：请选择分数" in " ".join(m.value for m in again.main.markdown)
    assert sidebar_total(again) == "0 / 100"


# ---- E: read-only means read-only on screen -----------------------------------------------


@pytest.mark.parametrize(
    ("role", "writes"),
    [
        (REVIEWER, False),
        (FILLER, True),
        (ADMIN, True),
    ],
)
def test_only_a_role_that_may_write_gets_controls_that_save(
    role: str, writes: bool, data_dir: Path, monkeypatch: pytest.MonkeyPatch, other_store: Store
) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    add_account(other_store, "管理员", ADMIN)
    if role != ADMIN:
        add_account(other_store, "某人", role, unit="甲局")
    other_store.create_assessment("甲局", "第一次自评")
    at = goto(login("管理员" if role == ADMIN else "某人"), "item1")
    open_evidence(at, "1.1")
    controls = [at.button_group(key="ans.1.1"), at.text_area(key="ev.1.1")]
    assert all(c.disabled is not writes for c in controls)
    said = " ".join(i.value for i in at.info)
    assert ("只读" in said) is not writes
    if not writes:
        assert "评估组" in said
        assert not [u for u in at.get("file_uploader")]


def test_a_trainer_sees_what_the_store_lets_them_do(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, other_store: Store
) -> None:
    """The screen follows the store's own scope (ScopedStore.can_write), whatever it is."""
    from jiguan.store.scoped import ScopedStore

    monkeypatch.setenv("JIGUAN_MODE", "shared")
    add_account(other_store, "管理员", ADMIN)
    add_account(other_store, "培训师", TRAINER, unit="甲局")
    info = other_store.create_assessment("甲局", "第一次自评")
    at = goto(login("培训师"), "item1")
    caller = sess(at).account
    writes = ScopedStore(other_store, caller).can_write(info)
    assert at.button_group(key="ans.1.1").disabled is not writes
    assert ("只读" in " ".join(i.value for i in at.info)) is not writes


def test_partial_without_points_is_incomplete_everywhere(rubric: Rubric, store: Store) -> None:
    """The one engine scores it as 未评; the CSV writes and reads it back as it is, 状态 未完成;
    the store keeps it (a verdict likewise)."""
    from jiguan.review import Verdict
    from jiguan.scoring import score
    from jiguan.sheet import export_rows, read_sheet, write_sheet

    sheet = {"1.1": Answer("partial", evidence="纪要"), "2.1": Answer("yes", evidence="文件")}
    result = score(rubric, sheet)
    assert result.total == 2 and result.answered == 1
    assert "unanswered" in result.indicators[1].flags
    row = next(r for r in export_rows(rubric, sheet) if r["criterion_id"] == "1.1")
    assert (row["answer"], row["points"], row["状态"]) == ("partial", None, "未完成：请选择分数")
    assert read_sheet(write_sheet(rubric, sheet), rubric)["1.1"] == Answer("partial", None, "纪要")
    aid = store.create_assessment("甲局", "第一次自评").id
    saved = store.save_answer(aid, "1.1", Answer("partial"), expected_version=0, user="甲")
    assert (saved.answer.value, saved.answer.points) == ("partial", None)
    verdict = store.reviews.save_verdict(
        aid, "1.1", Verdict("partial"), expected_version=0, user="王"
    )
    assert not verdict.verdict.reviewed


def test_signed_out_in_shared_mode_sees_no_control(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, other_store: Store
) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    add_account(other_store, "管理员", ADMIN)
    other_store.create_assessment("甲局", "第一次自评")
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    at.session_state["goto"] = "item1"
    at.run()
    assert not [w for w in at.button_group if w.key == "ans.1.1"]
    assert [w for w in at.text_input if w.key == "login.name"]


def test_standalone_mode_writes_without_a_read_only_line(data_dir: Path, aid: int) -> None:
    app = goto(start(data_dir), "item1")
    assert not app.button_group(key="ans.1.1").disabled
    assert "只读" not in " ".join(i.value for i in app.info)
