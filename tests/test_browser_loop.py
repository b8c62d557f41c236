"""The whole loop of issue 23 in 共享模式 in a real Chromium: the unit submits (提交自评) and its
pages turn read-only → the 评估组 sees 已提交 on 总览 and reviews the submitted snapshot →
退回修改 (refused without a reason) → the unit edits and resubmits → verdicts and 定稿 →
整改台账 (one item per indicator that lost points; 已完成, then 已核验) → 复制为下一轮 →
历轮进展 shows the points regained. Screenshots go to artifacts/screenshots/loop_*.png."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from jiguan.accounts import FILLER, REVIEWER
from jiguan.rectification import DONE, VERIFIED
from jiguan.review import Verdict
from jiguan.scoring import Answer, all_yes
from jiguan.store import Store
from tests.browser_support import TIMEOUT, _open_top, _settle, _shot, make_account, signed_in_page

pytestmark = pytest.mark.browser
UNIT = "甲局"


def _open_review_menu(page, title: str) -> None:
    page.get_by_text("正式评估", exact=True).click()
    page.get_by_role("menuitem", name=title).click()
    page.get_by_role("heading", level=1, name=title).wait_for()
    _settle(page)


def _open_item(page, title: str) -> None:
    page.get_by_text("评估项目", exact=True).click()
    page.get_by_role("menuitem", name=title).click()
    page.get_by_role("heading", level=1, name=re.compile(title)).wait_for()
    _settle(page)


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    return box.locator('[data-testid="stMetricValue"]').first.inner_text()


def _eventually(check, what: str) -> None:
    """A click's save reaches the store with the script run it starts: poll briefly for it."""
    deadline = time.monotonic() + TIMEOUT / 1000
    while not check():
        assert time.monotonic() < deadline, f"not saved: {what}"
        time.sleep(0.2)


def _round_one(store: Store) -> int:
    """甲局's first round, mostly answered: 2.1 not yet assessed, 1.1 claimed without 佐证."""
    aid = store.create_assessment(UNIT, "第一轮").id
    sheet = all_yes(store.rubric, evidence="制度文件")
    del sheet["2.1"]
    sheet["1.1"] = Answer(sheet["1.1"].value)
    store.replace_answers(aid, sheet, user="甲填报")
    return aid


def test_submit_review_return_rectify_next_round(shared_app, browser, shots: Path) -> None:
    srv, store = shared_app
    aid = _round_one(store)
    make_account(store, "甲填报", FILLER, UNIT)
    make_account(store, "甲评估", REVIEWER, UNIT)

    # 1. the unit submits: what is not ready, confirmed; 填表人 and 单位负责人
    unit = signed_in_page(browser, srv.url, "甲填报")
    _open_top(unit, "提交自评")
    _settle(unit)
    unit.get_by_text(re.compile(r"^未评：1 项")).wait_for()
    unit.get_by_text(re.compile(r"^缺佐证：1 项")).wait_for()
    unit.screenshot(path=str(shots / "loop_1_not_ready.png"))
    unit.get_by_label("填表人").fill("张三")
    unit.get_by_label("单位负责人").fill("李四")
    unit.get_by_role("button", name="提交自评").click()
    _settle(unit)
    unit.get_by_text("请先勾选确认：以上尚未就绪的项目按现状提交。").wait_for()
    assert store.submissions.latest(aid) is None
    unit.get_by_text(re.compile(r"^我已核对以上 \d+ 项")).click()
    unit.get_by_role("button", name="提交自评").click()
    _settle(unit)
    unit.get_by_text(re.compile("评估期间只读")).first.wait_for()
    unit.screenshot(path=str(shots / "loop_1_submitted.png"))
    first = store.submissions.latest(aid)
    assert (
        first is not None
        and first.standing
        and (first.filled_by, first.leader)
        == (
            "张三",
            "李四",
        )
    )
    # the item pages are read-only for the unit: a note, and every control disabled
    _open_item(unit, "一、组织管理")
    unit.get_by_text(re.compile("已于 .* 提交（第 1 次），评估期间只读")).wait_for()
    radios = unit.locator(".st-key-indicator-1").get_by_role("radio")
    radios.last.wait_for()
    assert radios.count() >= 3 and all(radios.nth(i).is_disabled() for i in range(radios.count()))
    unit.screenshot(path=str(shots / "loop_1_read_only.png"))

    # 2. the 评估组 sees 已提交 on 总览 and reviews the submitted snapshot
    panel = signed_in_page(browser, srv.url, "甲评估")
    _open_review_menu(panel, "总览")
    assert _metric(panel, "已提交") == "1"
    panel.screenshot(path=str(shots / "loop_2_overview.png"))
    panel.goto(f"{srv.url}/panel-review?a={aid}")
    panel.get_by_role("heading", level=1, name="评审录入").wait_for()
    _settle(panel)
    assert _metric(panel, "单位自评") == "98"  # the snapshot: all but 2.1 (2 分)
    panel.screenshot(path=str(shots / "loop_2_review_entry.png"))
    _open_review_menu(panel, "评审对照")
    panel.screenshot(path=str(shots / "loop_2_review_compare.png"))
    assert store.answers(aid) == first.answers  # the unit changed nothing meanwhile

    # 3. 退回修改: refused without a reason, then with one
    _open_top(panel, "提交自评")
    _settle(panel)
    panel.get_by_role("button", name="退回修改").click()
    _settle(panel)
    panel.get_by_text(re.compile("请填写退回修改的理由")).wait_for()
    assert store.submissions.latest(aid).standing
    panel.screenshot(path=str(shots / "loop_3_return_refused.png"))
    panel.get_by_label("退回理由（单位将看到）").fill("指标 7 的试点工作方案尚未印发，请如实评定")
    panel.get_by_role("button", name="退回修改").click()
    _settle(panel)
    panel.get_by_text(re.compile("被 甲评估 退回修改：指标 7")).wait_for()
    assert not store.submissions.latest(aid).standing

    # the unit sees the reason, edits one answer, resubmits
    unit.goto(f"{srv.url}/submit?a={aid}")
    unit.get_by_role("heading", level=1, name="提交自评").wait_for()
    _settle(unit)
    unit.get_by_text(re.compile("退回修改：指标 7 的试点工作方案尚未印发")).wait_for()
    unit.screenshot(path=str(shots / "loop_3_returned.png"))
    _open_item(unit, "二、工作机制")
    box = unit.locator(".st-key-indicator-7")
    box.get_by_role("radio", name="不符合", exact=True).click()
    _settle(unit)
    _eventually(lambda: store.answers(aid)["7.1"].value == "no", "7.1 不符合")
    _open_top(unit, "提交自评")
    _settle(unit)
    unit.get_by_text(re.compile(r"^我已核对以上 \d+ 项")).click()
    unit.get_by_role("button", name="提交自评").click()
    _settle(unit)
    unit.get_by_text(re.compile("提交（第 2 次")).first.wait_for()
    unit.screenshot(path=str(shots / "loop_3_resubmitted.png"))
    history = store.submissions.history(aid)
    assert [(h.number, h.standing) for h in history] == [(1, False), (2, True)]
    assert history[1].answers["7.1"].value == "no"

    # 4. verdicts: the bulk through the store (agreeing with the claims), 2.1 through the UI
    claims = history[1].answers
    store.reviews.update_details(
        aid, user="甲评估", reviewers="王五、赵六", review_date="2026-12-01"
    )
    store.reviews.replace_verdicts(
        aid,
        {cid: Verdict(a.value, a.points) for cid, a in claims.items()},
        user="甲评估",
    )
    panel.goto(f"{srv.url}/panel-review?a={aid}")
    panel.get_by_role("heading", level=1, name="评审录入").wait_for()
    _settle(panel)
    box = panel.locator(".st-key-rv-indicator-2")
    box.get_by_role("radio", name="不符合", exact=True).click()
    _settle(panel)
    reason = box.get_by_label(re.compile("评审意见"))
    reason.fill("未见主要负责人任领导小组组长的任职文件")
    reason.press("Control+Enter")
    _settle(panel)
    _eventually(lambda: store.reviews.verdicts(aid)["2.1"].verdict.reason != "", "2.1's reason")
    saved = store.reviews.verdicts(aid)["2.1"].verdict
    assert (saved.value, saved.reason) == ("no", "未见主要负责人任领导小组组长的任职文件")
    panel.get_by_role("button", name="定稿").click()  # the popover's confirmation
    panel.get_by_role("button", name="确认定稿").click()
    panel.get_by_text(re.compile("评审已定稿")).first.wait_for()
    _settle(panel)
    panel.screenshot(path=str(shots / "loop_4_finalised.png"))
    assert store.reviews.get(aid).final
    # 定稿 judged the standing submission: no 退回修改 now, but how to reopen
    _open_top(panel, "提交自评")
    _settle(panel)
    panel.get_by_text(re.compile("定稿，不能再退回修改")).wait_for()
    assert panel.get_by_label("退回理由（单位将看到）").count() == 0
    panel.screenshot(path=str(shots / "loop_4_no_return_after_final.png"))

    # 5. 整改台账: one item per indicator that lost points, prefilled
    _open_review_menu(unit, "整改台账")
    unit.get_by_text(re.compile("评审已于 .* 定稿，自评只读")).wait_for()  # no 退回修改 hint now
    items = {i.indicator_id: i for i in store.rectification.items(aid)}
    assert set(items) == {2, 7}
    assert (items[2].points_lost, items[7].points_lost) == (2.0, 1.0)
    box = unit.locator(f".st-key-rect-item-{items[2].id}")
    box.get_by_text("未见主要负责人任领导小组组长的任职文件").wait_for()
    box.get_by_text("失分 2 分").wait_for()
    unit.screenshot(path=str(shots / "loop_5_ledger.png"))
    box.get_by_label("整改措施").fill("印发主要负责人任领导小组组长的任职文件")
    box.get_by_label("责任部门").fill("办公室")
    box.get_by_label("责任人").fill("张三")
    box.get_by_label("完成情况").fill("已印发《关于调整试点工作领导小组的通知》")
    box.get_by_label(re.compile("^完成佐证")).fill("甲局发〔2026〕12号")
    box.get_by_label("状态").click()
    unit.get_by_role("option", name="已完成").click()
    box.get_by_role("button", name="保存").click()
    _settle(unit)
    box.get_by_text("已保存").wait_for()
    assert store.rectification.items(aid)[0].status == DONE
    unit.screenshot(path=str(shots / "loop_5_done.png"))
    panel.goto(f"{srv.url}/rectification?a={aid}")
    panel.get_by_role("heading", level=1, name="整改台账").wait_for()
    _settle(panel)
    panel.locator(f".st-key-rect-item-{items[2].id}").get_by_role(
        "button", name="核验通过（已核验）"
    ).click()
    _settle(panel)
    panel.get_by_text(re.compile("指标 2：已核验")).wait_for()
    panel.screenshot(path=str(shots / "loop_5_verified.png"))
    assert {i.indicator_id: i.status for i in store.rectification.items(aid)}[2] == VERIFIED

    # 6. 复制为下一轮 from 首页; the lost indicator answered in full in the new round
    unit.goto(srv.url)
    _settle(unit)
    unit.get_by_role("button", name="复制为下一轮").click()
    _settle(unit)
    unit.get_by_label("新一轮的名称").wait_for()
    assert unit.get_by_label("新一轮的名称").input_value() == "第二轮"
    unit.screenshot(path=str(shots / "loop_6_copy.png"))
    unit.get_by_role("button", name="复制", exact=True).click()
    _settle(unit)
    _eventually(
        lambda: any(a.round_name == "第二轮" for a in store.list_assessments()), "第二轮 copied"
    )
    _settle(unit)
    unit.get_by_text(re.compile("当前自评：第二轮")).wait_for()
    (second,) = [a for a in store.list_assessments() if a.round_name == "第二轮"]
    assert second.predecessor_id == aid
    _open_item(unit, "一、组织管理")
    unit.locator(".st-key-indicator-2").get_by_role("radio", name="符合", exact=True).click()
    _settle(unit)
    _eventually(lambda: "2.1" in store.answers(second.id), "2.1 in the new round")
    box = unit.locator(".st-key-indicator-2")
    box.locator('[data-testid="stExpander"] summary').click()
    _settle(unit)
    lines = box.get_by_label(re.compile("佐证材料（每行一条"))
    lines.fill("关于调整试点工作领导小组的通知（甲局发〔2026〕12号）")
    lines.press("Tab")
    _eventually(lambda: store.answers(second.id)["2.1"].evidence != "", "2.1's 佐证")
    _settle(unit)
    assert store.answers(second.id)["2.1"].value == "yes"
    unit.screenshot(path=str(shots / "loop_6_new_round.png"))
    _open_review_menu(unit, "历轮进展")
    unit.get_by_text(re.compile("第一轮（评估组定稿）")).first.wait_for()
    unit.get_by_text(re.compile("第二轮（单位自评）")).first.wait_for()
    unit.get_by_text(
        re.compile(
            "第一轮 → 第二轮（单位自评）：整改事项 2 项，其中 1 项在下一轮不再失分，挽回 2 分"
        )
    ).wait_for()
    _shot(unit, shots, "loop_6_progress", below=("整改成效",))
