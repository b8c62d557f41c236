"""定稿 → 整改台账 → the unit marks an item 已完成 → the 评估组 verifies it (已核验), in
共享模式 in a real Chromium; the overdue flag on 首页; the Excel 整改台账 downloaded and
audited. Screenshots go to artifacts/screenshots/rectification_*.png."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from jiguan.accounts import FILLER, REVIEWER
from jiguan.format import today
from jiguan.rectification import DONE, VERIFIED
from jiguan.review import Verdict
from jiguan.scoring import all_yes
from jiguan.store import Store
from tests.browser_support import _settle, make_account, signed_in_page

pytestmark = pytest.mark.browser
UNIT = "甲局"


def _open_ledger(page) -> None:
    page.get_by_text("正式评估", exact=True).click()
    page.get_by_role("menuitem", name="整改台账").click()
    page.get_by_role("heading", level=1, name="整改台账").wait_for()
    _settle(page)


def _finalised(store: Store) -> int:
    """甲局's assessment, every criterion claimed; the panel refuses 2.1 and finalises."""
    rubric = store.rubric
    aid = store.create_assessment(UNIT, "2026年").id
    claims = all_yes(rubric, evidence="制度文件")
    store.replace_answers(aid, claims, user="甲")
    verdicts = {cid: Verdict(a.value, a.points) for cid, a in claims.items()}
    verdicts["2.1"] = Verdict("no", None, "未见以正式文件明确的负责人分工")
    store.reviews.update_details(aid, user="审", reviewers="王五、赵六", review_date="2026-12-01")
    store.reviews.replace_verdicts(aid, verdicts, user="审")
    store.reviews.finalise(aid, user="审")
    return aid


def test_finalised_review_to_verified_item(shared_app, browser, shots: Path) -> None:
    srv, store = shared_app
    aid = _finalised(store)
    make_account(store, "甲填报", FILLER, UNIT)
    make_account(store, "甲评估", REVIEWER, UNIT)

    unit = signed_in_page(browser, srv.url, "甲填报", accept_downloads=True)
    _open_ledger(unit)
    (item,) = store.rectification.items(aid)
    assert item.indicator_id == 2 and item.source == "panel"
    box = unit.locator(f".st-key-rect-item-{item.id}")
    box.get_by_text("未见以正式文件明确的负责人分工").wait_for()
    box.get_by_label("整改措施").fill("印发领导小组成员分工的正式文件")
    box.get_by_label("责任部门").fill("办公室")
    box.get_by_label("责任人").fill("张三")
    past = today() - timedelta(days=1)
    # Streamlit's date field has a segment per part (year, month, day): type into the first
    box.get_by_role("spinbutton", name="year, 完成时限").click()
    unit.keyboard.type(past.strftime("%Y%m%d"))
    box.get_by_role("button", name="保存").click()
    _settle(unit)
    unit.get_by_text(re.compile("早于今天")).wait_for()
    unit.screenshot(path=str(shots / "rectification_past_due.png"))
    unit.get_by_role("button", name="确认完成时限并保存").click()
    _settle(unit)
    unit.get_by_text(re.compile("1 项已过完成时限")).wait_for()
    unit.screenshot(path=str(shots / "rectification_overdue.png"))
    saved = store.rectification.items(aid)[0]
    assert (saved.owner, saved.due_date) == ("张三", past)

    # overdue on 首页
    unit.goto(f"{srv.url}/?a={aid}")
    _settle(unit)
    unit.get_by_text(re.compile("逾期整改事项 1 项")).first.wait_for()
    unit.screenshot(path=str(shots / "rectification_home_flag.png"))

    # 已完成
    _open_ledger(unit)
    box = unit.locator(f".st-key-rect-item-{item.id}")
    box.get_by_label("完成情况").fill("已印发《关于调整领导小组成员分工的通知》")
    box.get_by_label("状态").click()
    unit.get_by_role("option", name="已完成").click()
    box.get_by_role("button", name="保存").click()
    _settle(unit)
    box.get_by_text("已保存").wait_for()
    assert store.rectification.items(aid)[0].status == DONE
    unit.screenshot(path=str(shots / "rectification_done.png"))

    # the Excel 整改台账, audited
    with unit.expect_download() as download:
        unit.get_by_role("button", name="下载整改台账（Excel）").click()
    ws = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    column = {cell.value: cell.column for cell in ws[1]}  # by header: columns may be added
    assert ws.cell(2, column["指标"]).value.startswith("指标 2")
    assert ws.cell(2, column["状态"]).value == "已完成"
    assert ("甲填报", "导出整改台账（Excel）") in {
        (e.actor, e.action) for e in store.users.audit_log()
    }

    # the 评估组 verifies
    panel = signed_in_page(browser, srv.url, "甲评估", accept_downloads=True)
    panel.goto(f"{srv.url}/rectification?a={aid}")
    panel.get_by_role("heading", level=1, name="整改台账").wait_for()
    _settle(panel)
    assert panel.get_by_label("整改措施").count() == 0  # the panel does not fill the unit's part
    panel.get_by_role("button", name="核验通过（已核验）").click()
    _settle(panel)
    panel.get_by_text(re.compile("指标 2：已核验")).wait_for()
    panel.screenshot(path=str(shots / "rectification_verified.png"))
    checked = store.rectification.items(aid)[0]
    assert checked.status == VERIFIED and checked.verified_by == "甲评估"
