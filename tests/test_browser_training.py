"""The trainer's pages in a real Chromium at projector sizes (1024×768 and 1920×1080).
Screenshots go to artifacts/screenshots/training_*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiguan.rubric import load_rubric
from jiguan.samples import load_samples
from jiguan.training import PROFILE_SAMPLE, PROFILE_SUBMITTED, PROFILE_TRAINEE, PROFILE_WORKSHOP
from tests.browser_support import TIMEOUT, AppServer, _settle, served_store

pytestmark = pytest.mark.browser

SIZES = {"1024x768": {"width": 1024, "height": 768}, "1920x1080": {"width": 1920, "height": 1080}}
WORKSHOP = "2026-12 南京培训班"


def _page(browser, size: str, server: str, title: str):
    """A new browser session on one of the training pages, reached through the top menu (a
    deep link as a session's first request gets Streamlit's "Page not found" notice, see
    docs/design.md)."""
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(server)
    _settle(page)
    _open(page, title)
    return page


def _open(page, title: str) -> None:
    page.get_by_text("培训与比较", exact=True).click()
    page.get_by_role("menuitem", name=title).click()
    page.get_by_role("heading", level=1).first.wait_for()
    _settle(page)


def _fits_width(page) -> bool:
    """Nothing is cut at the right edge: the page does not scroll sideways."""
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain] *')].every("
        "el => el.getBoundingClientRect().right <= window.innerWidth + 1)"
    )


def _font_px(locator) -> float:
    return locator.first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")


def test_trainer_browses_and_presents(server: str, browser, shots: Path) -> None:
    for size in SIZES:
        page = _page(browser, size, server, "评估指引")
        page.get_by_role("heading", level=1, name="评估指引").wait_for()
        expect(page.get_by_text("显示 38 / 38 个指标")).to_be_visible()
        page.screenshot(path=str(shots / f"training_guide_{size}.png"))
        page.get_by_label("全文搜索").fill("集中培训")
        page.get_by_label("全文搜索").press("Enter")
        page.get_by_text("显示 1 / 38 个指标").wait_for()
        _settle(page)
        page.screenshot(path=str(shots / f"training_guide_search_{size}.png"))

        _open(page, "演示模式")
        page.get_by_role("heading", level=1, name=re.compile("指标 1")).wait_for()
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        page.screenshot(path=str(shots / f"training_present_{size}.png"))
        text = page.get_by_text("明确了标准化试点领导机构及职责")
        assert _font_px(text) >= 26  # readable from the back of a room
        page.get_by_label("跳到评估项目").click()
        page.get_by_role("option", name="三、标准体系与标准制定").click()
        page.get_by_role("heading", level=1, name=re.compile("指标 13")).wait_for()
        for _ in range(4):
            page.get_by_role("button", name="下一条").click()
            _settle(page)
        page.get_by_role("heading", level=1, name=re.compile("指标 17")).wait_for()
        page.get_by_text("示例单位", exact=True).click()
        page.get_by_text("按「下一条」（或翻页器）显示答案").wait_for()
        page.get_by_role("button", name="下一条").click()  # the key on the next click
        page.get_by_text(re.compile("答案：10 分")).wait_for()
        _settle(page)
        assert _fits_width(page)
        page.screenshot(path=str(shots / f"training_present_sample_{size}.png"))
        page.context.close()


def test_presenter_clicking_quickly_moves_once_per_click(server: str, browser) -> None:
    """A presenter's clicker pressed several times in a row: every press moves one indicator,
    although each click reaches the server before the page's address shows the last move."""
    page = _page(browser, "1024x768", server, "演示模式")
    page.get_by_role("heading", level=1, name=re.compile("指标 1")).wait_for()
    for _ in range(5):
        page.get_by_role("button", name="下一条").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^指标 6\s"))).to_be_visible()
    for _ in range(3):
        page.keyboard.press("PageDown")
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^指标 9\s"))).to_be_visible()
    _settle(page)
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^指标 9\s"))).to_be_visible()
    assert page.url.endswith("ind=9")  # a reload stays here
    page.reload()
    page.get_by_role("heading", level=1, name=re.compile(r"^指标 9\s")).wait_for()
    page.context.close()


def test_trainee_practises_and_sees_the_comparison(
    server: str,
    browser,
    shots: Path,
) -> None:
    page = _page(browser, "1024x768", server, "示例练习")
    page.get_by_label(re.compile("您的姓名")).fill("张三")
    page.get_by_label(re.compile("培训班代码")).fill(WORKSHOP)
    page.get_by_text(re.compile("乙县机关事务服务中心")).click()
    # Typed, an option picked and the button pressed at once: the practice is of the unit picked.
    page.get_by_role("button", name="载入示例单位，开始练习").click()
    page.get_by_role("button", name="交卷并查看答案").wait_for()
    _settle(page)
    expect(page.get_by_role("heading", name=re.compile("乙县机关事务服务中心"))).to_be_visible()
    page.screenshot(path=str(shots / "training_practice_start_1024x768.png"))

    page.get_by_role("link", name="去评分").click()
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    _settle(page)
    page.get_by_role("radio", name="符合", exact=True).first.click()
    page.locator('[data-testid="stSidebar"] [data-testid="stMetricValue"]').first.filter(
        has_text=re.compile(r"^2 / 100$")
    ).wait_for()
    _open(page, "示例练习")
    page.get_by_role("button", name="交卷并查看答案").click()
    page.get_by_role("button", name="确定交卷").click()  # 98 criteria left: asked first
    page.get_by_text("与答案不一致的指标：答案的理由").wait_for()
    _settle(page)
    # Auto-waiting: the list under the heading may still be arriving from the run that drew it.
    expect(page.get_by_text("我的总分")).to_be_visible()
    expect(page.get_by_text(re.compile(r"指标 17\s*我的 0 分 · 答案 5 分"))).to_be_visible()
    page.screenshot(path=str(shots / "training_practice_result_1024x768.png"))
    page.context.close()


def test_trainers_view_with_five_trainees(
    app_server: AppServer,
    browser,
    shots: Path,
) -> None:
    rubric = load_rubric()
    samples = {s.id: s for s in load_samples(rubric)}
    store = served_store(app_server)
    sheets = [
        ("strong", samples["strong"].key_sheet),
        ("strong", samples["strong"].sheet),
        ("middling", samples["middling"].sheet),
        ("weak", samples["weak"].sheet),
        ("weak", samples["weak"].key_sheet),
    ]
    for n, (sid, sheet) in enumerate(sheets, start=1):
        profile = {
            PROFILE_SAMPLE: sid,
            PROFILE_WORKSHOP: WORKSHOP,
            PROFILE_TRAINEE: f"学员{n}",
            PROFILE_SUBMITTED: "2026-12-01T10:00:00",
        }
        info = store.create_assessment(f"【示例】{samples[sid].unit}", f"练习 {n}", profile=profile)
        store.replace_answers(info.id, dict(sheet), user=f"学员{n}")
    store.close()
    for size in SIZES:
        page = _page(browser, size, app_server.url, "培训班结果")
        page.get_by_role("heading", level=1, name="培训班结果").wait_for()
        page.screenshot(path=str(shots / f"training_workshop_open_{size}.png"))
        page.get_by_text("5 / 5").wait_for()
        _settle(page)
        assert _fits_width(page)
        page.screenshot(path=str(shots / f"training_workshop_{size}.png"))
        page.get_by_text("各指标与答案相差（分）").evaluate(
            "el => el.scrollIntoView({block: 'start'})"
        )
        _settle(page)
        page.screenshot(path=str(shots / f"training_workshop_heatmap_{size}.png"))
        page.context.close()
