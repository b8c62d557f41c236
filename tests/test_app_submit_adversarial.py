"""提交自评 under an unlucky user (adversarial pass): evidence typed in a tab that has not yet
noticed a colleague's submission is refused, and never dropped silently."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from jiguan.store import Store
from jiguan.text import fingerprint
from tests.app_support import create, goto, open_evidence, run, sess, start


def _texts(at: AppTest) -> str:
    return " ".join(
        e.value
        for kind in ("info", "success", "warning", "error", "markdown", "caption", "text", "code")
        for e in getattr(at, kind)
    ) + " ".join(t.value or "" for t in [*at.text_area, *at.text_input])


def _submitted_meanwhile(other_store: Store, page: str, cid: str) -> tuple[AppTest, int]:
    """A tab on ``page`` with ``cid``'s evidence block open; a colleague submits from another
    browser before this tab's poll has seen it."""
    at = create(start())
    aid = sess(at).aid
    at = open_evidence(goto(at, page), cid)
    other_store.submissions.submit(aid, user="同事", filled_by="同事", leader="局长")
    return at, aid


def test_evidence_typed_after_a_colleague_submitted_is_kept(
    data_dir: Path, other_store: Store
) -> None:
    at, aid = _submitted_meanwhile(other_store, "item1", "1.1")
    typed = "《标准化试点工作方案》（某机关发〔2026〕3号）第二至五页"
    at.text_area(key="ev.1.1").set_value(typed)
    at = run(at)
    assert (
        other_store.answers(aid).get("1.1") is None or not other_store.answers(aid)["1.1"].evidence
    )
    texts = _texts(at)
    assert "未能保存" in texts
    assert typed in texts, "the typed evidence vanished"


def test_evidence_and_note_typed_in_one_run_after_a_submission_are_both_given_back(
    data_dir: Path, other_store: Store
) -> None:
    """Both fields of one criterion arrive in the same rerun (the user left the second field
    while the first one's run was still going). The first refusal resets the criterion's
    fields; the second field's text must be given back too, not skipped as already handled."""
    at, aid = _submitted_meanwhile(other_store, "item1", "1.1")
    evidence = "《标准化试点工作方案》第二至五页"
    note = "方案已由局长办公会审议通过"
    at.text_area(key="ev.1.1").set_value(evidence)
    at.text_input(key="note.1.1").set_value(note)
    at = run(at)
    saved = other_store.answers(aid).get("1.1")
    assert saved is None or (saved.evidence, saved.note) == ("", "")
    texts = _texts(at)
    assert "未能保存" in texts
    assert evidence in texts, "the typed evidence vanished"
    assert note in texts, "the typed note vanished"


def _given_back(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def test_text_given_back_is_shown_exactly_as_typed_under_its_fields_name(
    data_dir: Path, other_store: Store
) -> None:
    """Entities, markup and indentation come back as typed (a block to copy, not markdown)."""
    at, aid = _submitted_meanwhile(other_store, "item1", "1.1")
    typed = "A&amp;B &lt;文号&gt; **粗**\n    缩进的第二行"
    at.text_input(key="note.1.1").set_value(typed)
    at = run(at)
    assert _given_back(at) == [typed]
    assert other_store.answers(aid).get("1.1") is None
    assert "备注" in [c.value for c in at.caption]
    assert not any("。。" in e.value for e in at.error)


def test_a_typed_count_refused_with_the_evidence_is_given_back(
    data_dir: Path, other_store: Store
) -> None:
    at, aid = _submitted_meanwhile(other_store, "item3", "17.1")
    at.number_input(key="ans.17.1").set_value(7)
    at.text_area(key="ev.17.1").set_value("七项标准的清单")
    at = run(at)
    assert sorted(_given_back(at)) == ["7", "七项标准的清单"]
    assert other_store.answers(aid).get("17.1") is None
    assert {"数量", "佐证材料"} <= {c.value for c in at.caption}


def test_text_refused_as_the_user_leaves_is_given_back_on_the_page_they_land_on(
    data_dir: Path, other_store: Store
) -> None:
    """The evidence's blur and a sidebar link in the same run: the refusal is said on the next
    page, with the text, until the user closes it; back on the item it is there too."""
    at, aid = _submitted_meanwhile(other_store, "item1", "1.1")
    at.text_area(key="ev.1.1").set_value("离开前输入的佐证")
    at = goto(at, "item2")
    assert other_store.answers(aid).get("1.1") is None
    assert _given_back(at) == ["离开前输入的佐证"]
    assert any("在「一、组织管理」评分项 1.1" in m.value for m in at.markdown)
    at = goto(at, "item1")
    assert _given_back(at) == ["离开前输入的佐证"]
    at.button(key="close-given-back.1.1").click()
    at = run(at)
    assert _given_back(at) == []


def _heard(at: AppTest) -> dict[str, str]:
    """The typed values the server tells the page it heard (pages/js/drafts.js)."""
    for element in at.html:
        found = re.search(r'data-heard="([^"]*)"', element.value)
        if found:
            return json.loads(html.unescape(found.group(1)))
    raise AssertionError("no data-heard on the page")


def test_the_page_is_told_which_typed_values_were_heard_saved_or_given_back(
    data_dir: Path, other_store: Store
) -> None:
    """drafts.js drops a sent draft only once the server heard its value; a value that never
    reaches a callback is shown by the page itself. Heard: a saved value, and both texts of
    a refusal (given back by the server, so the page must not show them a second time)."""
    at = open_evidence(goto(create(start()), "item1"), "1.1")
    at.text_area(key="ev.1.1").set_value("已保存的佐证")
    at = run(at)
    assert _heard(at) == {"st-key-ev-1-1": fingerprint("已保存的佐证")}

    at, _ = _submitted_meanwhile(other_store, "item1", "1.1")
    at.text_area(key="ev.1.1").set_value("证据甲")
    at.text_input(key="note.1.1").set_value("备注乙")
    at = run(at)
    heard = _heard(at)
    assert heard["st-key-ev-1-1"] == fingerprint("证据甲")
    assert heard["st-key-note-1-1"] == fingerprint("备注乙")


def test_fingerprints_are_crc32_of_the_utf8() -> None:
    """The page computes the same (drafts.js): CRC-32's check value, and texts that differ
    by one character (outside the BMP too) differ."""
    assert fingerprint("") == "0"
    assert fingerprint("123456789") == "cbf43926"
    assert fingerprint("\U00020000") != fingerprint("\u4e00")
    assert len({fingerprint(t) for t in ("备注", "备注乙", "佐证", "")}) == 4
