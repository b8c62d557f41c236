"""整改台账 under a determined or unlucky user (adversarial pass): what a user typed into an
item's form is never lost silently, even when the item can no longer be edited by the time
they press 保存."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER
from jiguan.rectification import DONE, UNIT_FIELDS, VERIFIED
from jiguan.scoring import Answer
from jiguan.store import RectificationConflict, Store
from tests.app_support import add_account, create, goto, login, run, sess, start

PASSWORD = "一个足够长的密码123"


def _texts(at: AppTest) -> str:
    return " ".join(
        e.value
        for kind in ("info", "success", "warning", "error", "markdown", "caption", "text", "code")
        for e in getattr(at, kind)
    )


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def test_text_typed_while_the_panel_verifies_is_still_shown(
    shared: None, other_store: Store
) -> None:
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    aid = other_store.create_assessment("甲局", "2026年").id
    other_store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="x")
    add_account(other_store, "甲", FILLER, "甲局")
    add_account(other_store, "审", REVIEWER, "甲局")
    filler = goto(login("甲"), "rectification")
    (item,) = other_store.rectification.items(aid)
    filler.selectbox(key=f"rect.{item.id}.status").set_value(DONE)
    filler.button(key=f"FormSubmitter:rect.form.{item.id}-保存").click()
    filler = run(filler)
    done = other_store.rectification.items(aid)[0]
    assert done.status == DONE
    # the filler starts writing a long 完成情况; meanwhile the panel verifies the item
    typed = "补充说明：第二批制度已于本月印发，附件见文号 2026-17"
    filler.text_area(key=f"rect.{item.id}.progress").set_value(typed)
    panel = goto(login("审"), "rectification")
    panel.button(key=f"rect.{item.id}.verify").click()
    run(panel)
    assert other_store.rectification.items(aid)[0].status == VERIFIED
    filler.button(key=f"FormSubmitter:rect.form.{item.id}-保存").click()
    filler = run(filler)
    assert other_store.rectification.items(aid)[0].progress == ""  # refused, as it should be
    texts = _texts(filler)
    assert "已由评估组核验" in texts
    assert typed in texts, "the unsaved text vanished with the form"


def test_panel_verifies_only_the_item_it_saw(data_dir: Path, other_store: Store) -> None:
    """核验 attests what the panel read: if the unit rewrote 完成情况 after the panel's page was
    drawn, 核验通过 from that page is refused (not merged like an edit of another field)."""
    aid = other_store.create_assessment("甲局", "2026年").id
    other_store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="x")
    other_store.rectification.sync(aid, user="x")
    (item,) = other_store.rectification.items(aid)
    seen = other_store.rectification.update(
        item.id,
        {"status": DONE, "progress": "已全部完成"},
        expected_version=item.version,
        user="甲",
        reviewer=False,
    )
    other_store.rectification.update(
        item.id,
        {"progress": "尚有一项制度未印发"},
        expected_version=seen.version,
        user="甲",
        reviewer=False,
    )
    with pytest.raises(RectificationConflict) as refused:
        other_store.rectification.update(
            item.id,
            {"status": VERIFIED},
            expected_version=seen.version,
            base={f: seen.field(f) for f in UNIT_FIELDS},
            user="审",
        )
    assert "完成情况" in str(refused.value)
    assert other_store.rectification.items(aid)[0].status == DONE


def test_taking_the_saved_text_of_one_field_keeps_my_other_fields(
    data_dir: Path, other_store: Store
) -> None:
    """A conflict on 整改措施 while I also changed 责任人: 「用已保存的」 settles 整改措施 only;
    the 责任人 I typed is still mine to save, not silently replaced."""
    at = create(start())
    aid = sess(at).aid
    other_store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="x")
    at = goto(at, "rectification")
    (item,) = other_store.rectification.items(aid)
    other_store.rectification.update(
        item.id, {"measures": "同事的措施"}, expected_version=item.version, user="同事"
    )
    at.text_area(key=f"rect.{item.id}.measures").set_value("我的措施")
    at.text_input(key=f"rect.{item.id}.owner").set_value("张三")
    at.button(key=f"FormSubmitter:rect.form.{item.id}-保存").click()
    at = run(at)
    assert "您的修改尚未保存" in _texts(at)
    at.button(key=f"rect.{item.id}.theirs").click()
    at = run(at)
    assert at.text_area(key=f"rect.{item.id}.measures").value == "同事的措施"
    saved = other_store.rectification.items(aid)[0]
    shown = at.text_input(key=f"rect.{item.id}.owner").value
    assert "张三" in (saved.owner, shown), "my 责任人 was replaced without a word"
