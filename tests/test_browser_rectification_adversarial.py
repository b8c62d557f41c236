"""整改台账 in a real Chromium, as a quick user uses it (adversarial pass): text typed into an
item's form and then left by a link is not lost silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiguan.scoring import Answer
from jiguan.store import Store
from tests.browser_support import TIMEOUT, VIEWPORT, AppServer, _settle

pytestmark = pytest.mark.browser


def _ledger_open(srv: AppServer, store: Store, browser: object) -> tuple[object, int]:
    """甲局's assessment with 3.1 lost (one 整改事项), its 整改台账 open in a new page."""
    aid = store.create_assessment("甲局", "2026年").id
    store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="x")
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{srv.url}/rectification?a={aid}")
    _settle(page)
    return page, aid


def test_text_typed_in_an_item_then_a_link_clicked_is_not_lost(
    standalone_app: tuple[AppServer, Store], browser: object
) -> None:
    """Each 整改事项 is a form: typed text reaches the server only with 保存. Leaving by a link
    before that asks first (pages/js/unsaved_forms.js): 取消 stays with the text in place;
    确定 leaves, as the user chose."""
    srv, store = standalone_app
    page, aid = _ledger_open(srv, store, browser)
    measures = page.get_by_label("整改措施")
    measures.click()
    typed = "修订议事规则并于六月底前印发"
    measures.fill(typed)
    asked: list[str] = []
    home_link = page.locator('[data-testid="stTopNavLink"]').filter(has_text="首页").first

    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    home_link.click()
    page.wait_for_timeout(800)
    _settle(page)
    assert asked and "尚未提交" in asked[0]
    assert page.get_by_role("heading", level=1, name="整改台账").is_visible()
    assert measures.input_value() == typed  # still there: 取消 kept the user on the page

    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    home_link.click()
    page.get_by_role("heading", level=1, name="机关事务标准化试点 自评").wait_for()
    assert len(asked) == 2  # asked again, and left as the user chose
    assert store.rectification.items(aid)[0].measures != typed  # nothing saved unasked

    # Saved with 保存, the page leaves without a question.
    page.goto(f"{srv.url}/rectification?a={aid}")
    _settle(page)
    page.get_by_label("整改措施").fill(typed)
    page.get_by_role("button", name="保存").first.click()
    _settle(page)
    page.locator('[data-testid="stTopNavLink"]').filter(has_text="首页").first.click()
    page.get_by_role("heading", level=1, name="机关事务标准化试点 自评").wait_for()
    assert len(asked) == 2
    assert store.rectification.items(aid)[0].measures == typed


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_files_picked_one_after_another_bad_and_good(
    tmp_path: Path, standalone_app: tuple[AppServer, Store], browser: object
) -> None:
    """A renamed file is refused by name in Chinese; a good one picked right after it is stored;
    a second pick of the same good content is not stored twice."""
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="x")
    fake = tmp_path / "整改通知.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all" * 10)
    good = tmp_path / "印发文件.pdf"
    good.write_bytes(PDF)
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{srv.url}/rectification?a={aid}")
    _settle(page)
    drop = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    drop.set_input_files(str(fake))
    page.wait_for_timeout(150)  # a quick user: the next file before the first is stored
    drop.set_input_files(str(good))
    _settle(page)
    page.wait_for_timeout(500)
    _settle(page)
    drop.set_input_files(str(good))
    _settle(page)
    (item,) = store.rectification.items(aid)
    assert [f.filename for f in item.files] == ["印发文件.pdf"]
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "整改通知.pdf" in body and "Traceback" not in body


def test_typed_then_server_restarted_then_saved(
    standalone_app: tuple[AppServer, Store], browser: object
) -> None:
    """The server process dies while a user is typing in an item's form; once it is back, 保存
    saves what they typed."""
    srv, store = standalone_app
    page, aid = _ledger_open(srv, store, browser)
    typed = "重新修订车辆管理办法"
    page.get_by_label("整改措施").fill(typed)
    srv.kill()
    srv.start()
    page.wait_for_timeout(3000)
    _settle(page)
    page.get_by_label("责任人").fill("王五")
    page.get_by_role("button", name="保存").click()
    _settle(page)
    page.wait_for_timeout(500)
    _settle(page)
    (item,) = store.rectification.items(aid)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert (item.measures, item.owner) == (typed, "王五"), body[:600]


def test_a_file_picked_after_the_item_was_verified_is_said_refused(
    tmp_path: Path, standalone_app: tuple[AppServer, Store], browser: object
) -> None:
    """The page still shows the uploader (drawn before the 评估组 verified the item); the file
    picked there is refused, and the page says so, though the uploader is gone."""
    srv, store = standalone_app
    aid = store.create_assessment("甲局", "2026年").id
    store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="x")
    store.rectification.sync(aid, user="x")
    (item,) = store.rectification.items(aid)
    item = store.rectification.update(
        item.id, {"status": "done"}, expected_version=item.version, user="甲"
    )
    good = tmp_path / "印发文件.pdf"
    good.write_bytes(PDF)
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{srv.url}/rectification?a={aid}")
    _settle(page)
    store.rectification.update(
        item.id, {"status": "verified"}, expected_version=item.version, user="审"
    )
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(good))
    expect(page.get_by_text("已核验：完成佐证文件只读")).to_be_visible()
    assert store.rectification.items(aid)[0].files == ()
    expect(page.get_by_text("完成佐证文件不能再上传")).to_be_visible()


def test_a_colleagues_save_shows_on_an_open_ledger_and_keeps_what_is_typed(
    standalone_app: tuple[AppServer, Store], browser: object
) -> None:
    """Two people on one 整改台账: a colleague saves the item while this tab is typing its
    整改措施. Like the item pages, the open ledger hears of it by itself (the sidebar's poll),
    says so on the item, and the text being typed stays in the field, unsaved and unchanged."""
    srv, store = standalone_app
    page, aid = _ledger_open(srv, store, browser)
    typed = "修订议事规则并于六月底前印发"
    page.get_by_label("整改措施").fill(typed)
    item = store.rectification.items(aid)[0]
    store.rectification.update(
        item.id, {"owner": "王五"}, expected_version=item.version, user="同事"
    )
    expect(page.get_by_text("同事 已保存了新的内容")).to_be_visible(timeout=15_000)
    assert page.get_by_label("整改措施").input_value() == typed
    assert store.rectification.items(aid)[0].measures != typed
