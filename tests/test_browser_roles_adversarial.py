"""共享模式, every role on the 整改台账 and 提交自评 pages in a real Chromium (adversarial pass):
the downloads work for whoever may read the ledger (the unit, its 评估组, the administrator)
— the Word report and an item's 完成佐证文件 included — and each is audited."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER
from jiguan.review import Verdict
from jiguan.rubric import load_rubric
from jiguan.scoring import Answer, all_yes
from jiguan.store import Store
from tests.browser_support import CHROMIUM, TIMEOUT, VIEWPORT, AppServer, _settle
from tests.conftest import require_service

pytestmark = pytest.mark.browser
PASSWORD = "一个足够长的密码123"
READY = "另一个足够长的密码456"
UNIT = "甲局"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[tuple[AppServer, Store]]:
    require_service(os.path.exists(CHROMIUM), "Chromium", "apt-get install -y chromium")
    srv = AppServer(tmp_path / "data", tmp_path / "server.log", env={"JIGUAN_MODE": "shared"})
    srv.start()
    store = Store(
        f"sqlite:///{(srv.data_dir / 'jiguan.db').as_posix()}",
        load_rubric(),
        files_dir=srv.data_dir / "files",
    )
    store.migrate()
    for name, role in (("管理员", ADMIN), ("甲", FILLER), ("审", REVIEWER)):
        info = store.users.add(
            name, role, PASSWORD, unit=None if role == ADMIN else UNIT, by=COMMAND_LINE
        )
        store.users.change_password(info.id, PASSWORD, READY)
    try:
        yield srv, store
    finally:
        store.close()
        srv.stop()


def _page(browser, url: str, name: str):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(url)
    _settle(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码", exact=True).fill(READY)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text(f"已登录：{name}").wait_for()
    _settle(page)
    return page


def test_every_reader_downloads_the_report_and_the_item_file(shared, browser) -> None:
    srv, store = shared
    rubric = store.rubric
    aid = store.create_assessment(UNIT, "2026年").id
    claims = all_yes(rubric, evidence="制度文件")
    store.replace_answers(aid, claims, user="甲")
    verdicts = {cid: Verdict(a.value, a.points) for cid, a in claims.items()}
    verdicts["2.1"] = Verdict("no", None, "未见正式分工文件")
    store.reviews.update_details(aid, user="审", reviewers="王五", review_date="2026-12-01")
    store.reviews.replace_verdicts(aid, verdicts, user="审")
    store.reviews.finalise(aid, user="审")
    store.rectification.sync(aid, user="甲")
    (item,) = store.rectification.items(aid)
    added = store.rectification.add_file(item.id, "分工文件.pdf", PDF, user="甲")
    for name in ("甲", "审", "管理员"):
        page = _page(browser, f"{srv.url}/rectification?a={aid}", name)
        page.get_by_role("heading", level=1, name="整改台账").wait_for()
        with page.expect_download() as word:
            page.get_by_role("button", name="下载整改情况报告（Word）").click()
        doc = Document(io.BytesIO(word.value.path().read_bytes()))
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        text = "\n".join([*(p.text for p in doc.paragraphs), *cells])
        assert "分工文件.pdf" in text, name
        with page.expect_download() as pdf:
            page.locator(f'[class*="st-key-rect-dl-{added.id}"] button').first.click()
        assert pdf.value.path().read_bytes() == PDF, name
        page.context.close()
    actions = [(e.actor, e.action) for e in store.users.audit_log()]
    for name in ("甲", "审", "管理员"):
        assert (name, "导出整改情况报告（Word）") in actions, actions[:12]
        assert (name, "下载整改佐证文件") in actions, actions[:12]


def test_another_units_account_gets_no_ledger_by_a_crafted_link(shared, browser) -> None:
    srv, store = shared
    aid = store.create_assessment(UNIT, "2026年").id
    store.save_answer(aid, "3.1", Answer("no"), expected_version=0, user="甲")
    store.rectification.sync(aid, user="甲")
    info = store.users.add("乙", FILLER, PASSWORD, unit="乙局", by=COMMAND_LINE)
    store.users.change_password(info.id, PASSWORD, READY)
    for path in ("rectification", "submit", "round-progress"):
        page = _page(browser, f"{srv.url}/{path}?a={aid}", "乙")
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "指标 3" not in body and "甲局" not in body, (path, body[:300])
        assert page.get_by_role("button", name="下载整改台账（Excel）").count() == 0
        page.context.close()
