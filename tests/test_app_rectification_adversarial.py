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
from tests.app_support import add_account, goto, login, run

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
