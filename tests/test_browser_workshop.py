"""A workshop in a real Chromium (issue 26): 演示模式 fits one screen per indicator at
1024×768 with the sample shown and follows a clicker's keys; several trainees join, one name
twice, hand in, a handed-in practice refuses edits, the projector view follows live, and
ending the workshop refuses the next click. Screenshots: artifacts/screenshots/workshop_*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiguan.accounts import COMMAND_LINE
from jiguan.rubric import load_rubric
from tests.browser_support import READY, TIMEOUT, _settle

pytestmark = pytest.mark.browser


def _context(browser, width: int = 1024, height: int = 768):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT)
    return context


_OVERFLOW = """() => {
  const body = document.querySelector('.st-key-present-body-sample');
  const main = document.querySelector('[data-testid="stMain"]');
  return {bottom: body.getBoundingClientRect().bottom, height: window.innerHeight,
          scroll: main ? main.scrollHeight - main.clientHeight : 0};
}"""


def _heading(page, ind_id: int) -> None:
    try:
        page.get_by_role("heading", level=1, name=re.compile(rf"^指标 {ind_id}\s")).wait_for()
    except Exception:
        page.screenshot(path=f"artifacts/screenshots/workshop_present_lost_{ind_id}.png")
        raise
    _settle(page)


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=["1024x768", "1920x1080"])
def test_the_presentation_fits_every_indicator_and_follows_the_clicker(
    server: str, browser, shots: Path, size: tuple[int, int]
) -> None:
    rubric = load_rubric()
    page = _context(browser, *size).new_page()
    page.goto(server)
    _settle(page)
    page.get_by_text("培训与比较", exact=True).click()
    page.get_by_role("menuitem", name="演示模式").click()
    _heading(page, 1)
    assert not page.locator('header[data-testid="stHeader"]').is_visible()  # full screen
    page.get_by_text("示例单位", exact=True).click()
    page.get_by_text("按「下一条」（或翻页器）显示答案").wait_for()
    _settle(page)
    too_tall = []
    for ind_id in rubric.indicator_by_id:
        _heading(page, ind_id)
        assert page.get_by_text("答案：").count() == 0  # the unit's claim first
        page.keyboard.press("PageDown")  # a clicker: reveal the key
        page.get_by_text(re.compile(r"^答案：")).first.wait_for()
        _settle(page)
        box = page.evaluate(_OVERFLOW)
        if box["bottom"] > box["height"] or box["scroll"] > 0:
            too_tall.append((ind_id, round(box["bottom"]), box["scroll"]))
            page.screenshot(path=str(shots / f"workshop_present_too_tall_{ind_id}_{size[0]}.png"))
        if ind_id in (1, 17, 36):
            page.screenshot(path=str(shots / f"workshop_present_{ind_id}_{size[0]}x{size[1]}.png"))
        if ind_id != 38:
            page.keyboard.press("ArrowRight" if ind_id % 2 else "Space")
    assert too_tall == []
    assert "ind=38" in page.url
    page.reload()  # the place is in the url
    _heading(page, 38)
    page.keyboard.press("PageUp")
    _heading(page, 37)
    page.context.close()


CODE = "NJ-2026"


@pytest.fixture
def room_server(tmp_path: Path):
    """共享模式 with an administrator, a trainer 王老师 and an open workshop NJ-2026."""
    from datetime import UTC, datetime, timedelta

    from jiguan.store import Store
    from tests.browser_support import CHROMIUM, PASSWORD, AppServer, make_account
    from tests.conftest import require_service

    require_service(Path(CHROMIUM).exists(), "Chromium", "apt-get install -y chromium")
    data = tmp_path / "data"
    data.mkdir()
    store = Store(f"sqlite:///{data / 'jiguan.db'}", load_rubric(), files_dir=data / "files")
    store.migrate()
    users = store.users
    users.add("管理员", "admin", PASSWORD, by=COMMAND_LINE)
    trainer = make_account(store, "王老师", "trainer")
    store.workshops.open(trainer.caller(), CODE, "南京班", datetime.now(UTC) + timedelta(days=1))
    server = AppServer(data, tmp_path / "server.log", env={"JIGUAN_MODE": "shared"})
    server.start()
    yield server, store, trainer.caller()
    server.stop()
    store.close()


def _join(browser, url: str, name: str):
    page = _context(browser, 1280, 800).new_page()
    page.goto(url)
    _settle(page)
    page.get_by_label("培训班代码").fill(CODE)
    page.get_by_label("您的姓名").fill(name)
    page.get_by_role("button", name="加入培训班").click()
    page.get_by_text(re.compile(f"已登录：{name}|已有学员使用姓名")).first.wait_for()
    _settle(page)
    return page


def _top(page, title: str) -> None:
    page.locator('[data-testid="stTopNavLink"]').filter(has_text=title).first.click()
    _settle(page)


def test_a_workshop_with_several_trainees(room_server, browser, shots: Path) -> None:
    server, store, trainer = room_server
    # the trainer's projector view, open all along
    screen = _context(browser, 1280, 800).new_page()
    screen.goto(server.url)
    _settle(screen)
    screen.get_by_label("用户名").fill("王老师")
    screen.get_by_label("密码").fill(READY)
    screen.get_by_role("button", name="登录").click()
    screen.get_by_text(re.compile("已登录：王老师")).wait_for()
    _settle(screen)
    screen.get_by_text("培训与比较", exact=True).click()
    screen.get_by_role("menuitem", name="投影视图").click()
    _settle(screen)
    screen.screenshot(path=str(shots / "workshop_screen_start_1280x800.png"))
    screen.get_by_role("heading", level=1, name=re.compile("培训班")).wait_for()
    _settle(screen)

    first = _join(browser, server.url, "张三")
    first.get_by_role("heading", level=1, name="示例练习").wait_for()
    second = _join(browser, server.url, "李四")
    twin = _join(browser, server.url, "张三")  # another 张三: asked, not let in silently
    twin.get_by_text("本培训班已有学员使用姓名「张三」").wait_for()
    twin.screenshot(path=str(shots / "workshop_same_name_1280x800.png"))
    twin.get_by_role("button", name="换一个名字").click()
    _settle(twin)
    twin.get_by_label("您的姓名").fill("张三（二组）")
    twin.get_by_role("button", name="加入培训班").click()
    twin.get_by_role("heading", level=1, name="示例练习").wait_for()

    for page in (first, second):
        page.get_by_role("button", name="载入示例单位，开始练习").click()
        page.get_by_role("button", name="交卷并查看答案").wait_for()
        page.get_by_role("link", name="去评分").click()
        page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
        _settle(page)
        page.get_by_role("radio", name="符合", exact=True).first.click()
        _settle(page)
    _top(first, "示例练习")
    first.get_by_role("button", name="交卷并查看答案").click()
    first.get_by_text("交卷后不能再修改。确定交卷吗？", exact=False).wait_for()
    first.screenshot(path=str(shots / "workshop_hand_in_confirm_1280x800.png"))
    first.get_by_role("button", name="确定交卷").click()
    first.get_by_text("与答案不一致的指标：答案的理由").wait_for()
    _settle(first)

    # handed in: read-only on screen (disabled controls), with the one reason why
    first.get_by_role("link", name=re.compile("一、组织管理")).first.click()
    first.get_by_text(re.compile("只读：已交卷")).wait_for()
    _settle(first)
    assert first.get_by_role("radio", name="不符合", exact=True).first.is_disabled()
    assert first.get_by_text(re.compile("只读：")).count() == 1
    first.screenshot(path=str(shots / "workshop_handed_in_refused_1280x800.png"))
    (mine,) = [a for a in store.list_assessments() if a.profile.get("学员") == "张三"]
    assert store.answers(mine.id)["1.1"].value == "yes"

    # the projector follows without a reload
    screen.get_by_text(re.compile(r"^1 / 2$")).wait_for(timeout=20_000)
    _settle(screen)
    screen.screenshot(path=str(shots / "workshop_screen_live_1280x800.png"))
    assert "张三" not in screen.locator('[data-testid="stMain"]').inner_text()

    # the trainer ends the workshop: the next click of a trainee is refused, in those words

    (theirs,) = [a for a in store.list_assessments() if a.profile.get("学员") == "李四"]
    before = store.answers(theirs.id)
    store.workshops.close(trainer, CODE)
    second.get_by_role("radio", name="不符合", exact=True).nth(1).click()
    second.get_by_text(re.compile("培训班已结束")).first.wait_for()
    _settle(second)
    second.screenshot(path=str(shots / "workshop_ended_1280x800.png"))
    assert store.answers(theirs.id) == before  # the click after 结束培训班 saved nothing
    for page in (screen, first, second, twin):
        page.context.close()
