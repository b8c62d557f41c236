"""共享模式 in a real Chromium (issue 13): login, lockout, a unit's user who cannot open, list or
change another unit's assessment (URL, guessed id, CSV import), a trainer who sees only their
own workshop, a trainee who joins with a code, exports audited with the browser's address; and
单机模式 listening on loopback only.
Screenshots go to artifacts/screenshots/accounts_*.png."""

from __future__ import annotations

import os
import re
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploy.process import free_port, start_streamlit, stop, wait_healthy
from jiguan.accounts import FILLER, REVIEWER, TRAINER
from jiguan.samples import load_samples
from jiguan.scoring import Answer, all_yes
from jiguan.sheet import write_sheet
from jiguan.store import Store
from jiguan.store.logins import COOKIE
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from tests.browser_support import (
    READY,
    TIMEOUT,
    AppServer,
    _open_top,
    _settle,
    make_account,
    open_page,
)
from tests.conftest import require_service
from tests.store_support import guessed_for_a_while

pytestmark = pytest.mark.browser


@pytest.fixture
def shared_server(shared_app: tuple[AppServer, Store]) -> AppServer:
    return shared_app[0]


@pytest.fixture
def store(shared_app: tuple[AppServer, Store]) -> Store:
    return shared_app[1]


def _login(page, name: str, password: str = READY, *, ok: bool = True) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    if ok:  # the form is gone once the page behind it has been drawn
        page.get_by_role("button", name="登录", exact=True).wait_for(state="detached")
    _settle(page)


def test_login_and_throttle(shared_server: AppServer, store: Store, browser, shots: Path) -> None:
    make_account(store, "甲填报", FILLER, "甲局")
    page = open_page(browser, shared_server.url)
    page.get_by_role("button", name="登录", exact=True).wait_for()
    page.screenshot(path=str(shots / "accounts_login.png"))
    _login(page, "甲填报", "错误的密码错误的密码", ok=False)
    page.get_by_text(re.compile("用户名或密码不正确")).wait_for()
    guessed_for_a_while(store, "甲填报")  # someone elsewhere: the name waits a minute
    _login(page, "甲填报", ok=False)  # the right password, but not yet
    page.get_by_text(re.compile("秒后再试")).wait_for()
    page.screenshot(path=str(shots / "accounts_throttled.png"))
    assert page.get_by_text("已登录：").count() == 0

    other = open_page(browser, shared_server.url)  # the wait holds in another browser too
    _login(other, "甲填报", ok=False)
    other.get_by_text(re.compile("秒后再试")).wait_for()
    make_account(store, "乙填报", FILLER, "乙局")
    _login(other, "乙填报")
    other.get_by_text(re.compile("已登录：乙填报（填报人）")).wait_for()
    other.screenshot(path=str(shots / "accounts_logged_in.png"))


def test_unit_a_cannot_open_list_or_change_unit_b(
    shared_server: AppServer, store: Store, browser, shots: Path, tmp_path: Path
) -> None:
    rubric = store.rubric
    make_account(store, "甲填报", FILLER, "甲局")
    mine = store.create_assessment("甲局", "甲的第一次自评")
    theirs = store.create_assessment("乙局", "乙的秘密自评")
    store.replace_answers(theirs.id, {"1.1": Answer("no")}, user="乙")
    before = store.load_answers(theirs.id)

    page = open_page(browser, f"{shared_server.url}/?a={theirs.id}")
    _login(page, "甲填报")
    page.get_by_text(re.compile("无权访问")).first.wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "accounts_foreign_link.png"))
    body = page.locator("body").inner_text()
    assert "乙局" not in body and "乙的秘密自评" not in body

    guessed = open_page(browser, f"{shared_server.url}/?a={theirs.id + 100}")
    _login(guessed, "甲填报")
    guessed.get_by_text(re.compile("无权访问")).first.wait_for()
    denied = guessed.get_by_text(re.compile("无权访问")).first.inner_text()
    assert denied == page.get_by_text(re.compile("无权访问")).first.inner_text()

    # after the refused link, a CSV imported on 导入导出 lands in 甲局's own assessment only
    csv_path = tmp_path / "all_yes.csv"
    csv_path.write_bytes(write_sheet(rubric, all_yes(rubric, evidence="文件")))
    _open_top(page, "导入导出")
    body = page.locator("body").inner_text()
    assert "乙的秘密自评" not in body and "乙局" not in body
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path))
    confirm = page.get_by_role("button", name="确认导入")
    confirm.wait_for()
    confirm.click()
    _settle(page)
    page.screenshot(path=str(shots / "accounts_import_own_unit.png"))
    assert store.load_answers(theirs.id) == before
    assert len(store.answers(mine.id)) == len(rubric.criteria)
    log = store.users.audit_log(action="导入答题表")
    assert [(e.actor, e.target.split()[0]) for e in log] == [("甲填报", f"#{mine.id}")]
    with page.expect_download() as download:  # an export is audited when the file is built
        page.get_by_role("button", name="下载答题表（CSV）").click()
    assert download.value.suggested_filename.endswith(".csv")
    log = store.users.audit_log(action="导出答题表")
    assert [(e.actor, e.target.split()[0]) for e in log] == [("甲填报", f"#{mine.id}")]


def test_trainer_sees_only_their_workshop_and_a_trainee_joins(
    shared_server: AppServer, store: Store, browser, shots: Path
) -> None:
    workshops = store.workshops
    until = datetime.now(UTC) + timedelta(days=1)
    for trainer, code in (("王老师", "NJ-2026"), ("李老师", "SH-2026")):
        caller = make_account(store, trainer, TRAINER).caller()
        workshops.open(caller, code, f"{code} 班", until)
    sample = load_samples(store.rubric)[0]
    for code, trainee in (("NJ-2026", "南京学员甲"), ("SH-2026", "上海学员乙")):
        profile = {PROFILE_SAMPLE: sample.id, PROFILE_WORKSHOP: code, PROFILE_TRAINEE: trainee}
        store.create_assessment(f"【示例】{sample.unit}", f"练习 · {trainee}", profile=profile)

    page = open_page(browser, shared_server.url)
    _login(page, "王老师")
    page.get_by_text("培训与比较", exact=True).click()
    page.get_by_role("menuitem", name="培训班结果").click()
    page.get_by_role("heading", level=1, name="培训班结果").wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "accounts_trainer_room.png"))
    body = page.locator("body").inner_text()
    assert "SH-2026" not in body and "上海学员乙" not in body
    page.get_by_label("培训班代码").click()
    page.get_by_role("option").first.wait_for()
    assert page.get_by_role("option").all_inner_texts() == ["NJ-2026"]
    page.keyboard.press("Escape")

    trainee = open_page(browser, shared_server.url)
    trainee.get_by_label("培训班代码").fill("NJ-2026")
    trainee.get_by_label("您的姓名").fill("南京学员丙")
    trainee.get_by_role("button", name="加入培训班").click()
    _settle(trainee)
    trainee.get_by_text(re.compile("已登录：南京学员丙（学员）")).wait_for()
    trainee.get_by_role("heading", level=1, name="示例练习").wait_for()  # a trainee's start
    top = trainee.locator('[data-testid="stTopNavLink"]').all_inner_texts()
    assert [t.split()[-1] for t in top] == ["示例练习", "评估指引"], top  # and 评估项目's items
    assert trainee.get_by_text("培训与比较", exact=True).count() == 0
    assert trainee.get_by_text(re.compile("Page not found|找不到")).count() == 0
    trainee.screenshot(path=str(shots / "accounts_trainee_start.png"))
    trainee.get_by_role("button", name="载入示例单位，开始练习").click()
    _settle(trainee)
    trainee.screenshot(path=str(shots / "accounts_trainee_practice.png"))
    body = trainee.locator("body").inner_text()
    assert "南京学员甲" not in body and "上海学员乙" not in body
    mine = [a for a in store.list_assessments() if a.profile.get(PROFILE_TRAINEE) == "南京学员丙"]
    assert [a.profile[PROFILE_WORKSHOP] for a in mine] == ["NJ-2026"]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (Linux /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def _other_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_standalone_mode_listens_on_loopback_only(tmp_path: Path) -> None:
    """`make run` with the project's own config (.streamlit/config.toml), no address given."""
    port = free_port()
    env = dict(os.environ, JIGUAN_DATA_DIR=str(tmp_path / "data"))
    env.pop("JIGUAN_MODE", None)
    env.pop("JIGUAN_DATABASE_URL", None)
    log = tmp_path / "server.log"
    proc = start_streamlit(port, log, env=env, address=None)  # the config file's address
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log, timeout=60)
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
        other = _other_address()
        require_service(
            other is not None,
            "a network address besides loopback (to try reaching the server from it)",
            "an IPv4 route out of the machine (any interface with a non-127 address)",
        )
        assert other is not None
        with pytest.raises(OSError), socket.create_connection((other, port), timeout=3):
            pass
    finally:
        stop(proc)


def test_administrator_pages(shared_server: AppServer, store: Store, browser, shots: Path) -> None:
    users = store.users
    make_account(store, "甲填报", FILLER, "甲局")
    page = open_page(browser, shared_server.url)
    _login(page, "管理员")
    page.get_by_text("管理", exact=True).click()
    page.get_by_role("menuitem", name="账户与单位").click()
    page.get_by_role("heading", level=1, name="账户与单位").wait_for()
    page.get_by_label("选择账户").click()
    page.get_by_role("option", name="甲填报").click()
    page.get_by_role("button", name="保存角色").wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "accounts_admin_users.png"))
    page.get_by_text("管理", exact=True).click()
    page.get_by_role("menuitem", name="审计日志").click()
    page.get_by_role("heading", level=1, name="审计日志").wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "accounts_admin_audit.png"))
    with page.expect_download() as download:
        page.get_by_role("button", name="导出审计日志（CSV）").click()
    assert "登录" in download.value.path().read_bytes().decode("utf-8-sig")
    assert [e.actor for e in users.audit_log(action="导出审计日志")] == ["管理员"]


def _login_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def test_a_login_survives_a_reload_and_a_server_restart(
    shared_server: AppServer, store: Store, browser, shots: Path
) -> None:
    """The login is kept in the database and named by an HttpOnly cookie: a reload, a new tab
    and a restarted server process find it; 退出登录 ends it everywhere."""
    make_account(store, "甲填报", FILLER, "甲局")
    page = open_page(browser, shared_server.url)
    _login(page, "甲填报")
    page.get_by_text("已登录：甲填报").wait_for()
    deadline = time.monotonic() + TIMEOUT / 1000
    while _login_cookie(page) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    cookie = _login_cookie(page)
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find(COOKIE) == -1  # no script can read it

    shared_server.kill()  # as in a crash: nothing of the session survives in memory
    shared_server.start()
    page.reload()
    _settle(page)
    page.get_by_text("已登录：甲填报").wait_for()
    assert page.get_by_role("button", name="登录", exact=True).count() == 0
    page.get_by_role("button", name="退出登录").wait_for()
    page.get_by_role("button", name="开始自评").wait_for()
    page.screenshot(path=str(shots / "accounts_after_restart.png"))

    tab = page.context.new_page()  # the same browser, another tab: signed in too
    tab.goto(shared_server.url)
    _settle(tab)
    tab.get_by_text("已登录：甲填报").wait_for()

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for()
    deadline = time.monotonic() + TIMEOUT / 1000
    while _login_cookie(page) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _login_cookie(page) is None
    page.reload()
    _settle(page)
    page.get_by_role("button", name="登录", exact=True).wait_for()


def _download(page, label: str) -> None:
    with page.expect_download() as download:
        page.get_by_role("button", name=label).click()
    assert download.value.path().stat().st_size > 0


def test_room_and_review_exports_are_audited(
    shared_server: AppServer, store: Store, browser
) -> None:
    """Each download is written to the audit log when the file is built, with who, what,
    which workshop or assessment, and the address (a browser on this machine: 127.0.0.1)."""
    users = store.users
    trainer = make_account(store, "王老师", TRAINER).caller()
    store.workshops.open(trainer, "NJ-2026", "南京班", datetime.now(UTC) + timedelta(days=1))
    sample = load_samples(store.rubric)[0]
    profile = {PROFILE_SAMPLE: sample.id, PROFILE_WORKSHOP: "NJ-2026", PROFILE_TRAINEE: "学员甲"}
    practice = store.create_assessment(f"【示例】{sample.unit}", "练习 · 学员甲", profile=profile)
    store.replace_answers(practice.id, dict(sample.key_sheet), user="学员甲")
    make_account(store, "评估组甲", REVIEWER, "甲局")
    unit = store.create_assessment("甲局", "第一次自评")
    store.replace_answers(unit.id, all_yes(store.rubric, evidence="制度文件"), user="甲")

    room = open_page(browser, shared_server.url)
    _login(room, "王老师")
    room.get_by_text("培训与比较", exact=True).click()
    room.get_by_role("menuitem", name="培训班结果").click()
    room.get_by_role("heading", level=1, name="培训班结果").wait_for()
    _settle(room)
    _download(room, "下载 CSV")
    _download(room, "下载 Excel")
    assert [(e.action, e.target, e.address) for e in users.audit_log(actor="王老师")][:2] == [
        ("导出培训班结果（Excel）", "NJ-2026", "127.0.0.1"),
        ("导出培训班结果（CSV）", "NJ-2026", "127.0.0.1"),
    ]

    review = open_page(browser, f"{shared_server.url}/?a={unit.id}")
    _login(review, "评估组甲")
    review.get_by_text("正式评估", exact=True).click()
    review.get_by_role("menuitem", name="评审录入").click()
    review.get_by_role("heading", level=1, name="评审录入").wait_for()
    _settle(review)
    for label in ("下载 Word", "下载 Excel 对照表", "下载 CSV（含评审列）"):
        _download(review, label)
    target = f"#{unit.id} 甲局 · 第一次自评"
    assert [(e.action, e.target, e.address) for e in users.audit_log(actor="评估组甲")][:3] == [
        ("导出评审答题表（CSV）", target, "127.0.0.1"),
        ("导出评审对照表（Excel）", target, "127.0.0.1"),
        ("导出评审文书（Word）", target, "127.0.0.1"),
    ]


def test_a_trainee_who_clicks_on_at_once_keeps_the_login_on_a_reload(
    shared_server: AppServer, store: Store, browser, shots: Path
) -> None:
    """A trainee joins and presses 「载入示例单位，开始练习」 the moment it shows, on a slow
    browser (the CI failure of the eighth session): the run that drew the script setting the
    login cookie was superseded before the page drew it, the cookie never came, and a reload
    landed on the sign-in page. Four trainees, each on a browser slowed 6×."""
    trainer = make_account(store, "王老师", TRAINER)
    code = "K7M-Q2X-9HT"
    store.workshops.open(trainer.caller(), code, "南京班", datetime.now(UTC) + timedelta(days=1))
    for n in range(4):
        name = f"学员{n + 1}"
        page = open_page(browser, shared_server.url)
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 6})
        page.get_by_label("培训班代码").fill(code)
        page.get_by_label("您的姓名").fill(name)
        page.get_by_role("button", name="加入培训班").click()
        page.get_by_role("button", name="载入示例单位，开始练习").click()
        page.get_by_role("button", name="交卷并查看答案").wait_for()
        _settle(page)
        deadline = time.monotonic() + 5
        while _login_cookie(page) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        page.reload()
        _settle(page)
        try:
            page.get_by_text(f"学员：{name}").first.wait_for()
        finally:
            page.screenshot(path=str(shots / "accounts_trainee_reload.png"))
        page.context.close()
