"""End to end in a real Chromium: answer, watch the sidebar, download the CSV, load it into a
fresh session. Leaves a 1366×768 screenshot of every page in artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiguan import PROJECT_ROOT
from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
UNIT = "某某市机关事务管理局"
TIMEOUT = 20_000  # ms

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run app.py` on a free port with its own data directory; restartable."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        env = dict(os.environ, JIGUAN_DATA_DIR=str(self.data_dir))
        env.pop("JIGUAN_DATABASE_URL", None)
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1)
                return self.url
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("streamlit did not start: " + self.log_path.read_text())
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as in a crash or a power cut of the process."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    require_service(os.path.exists(CHROMIUM), "Chromium", "apt-get install -y chromium")
    srv = AppServer(tmp_path / "data", tmp_path / "server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server(app_server: AppServer) -> str:
    return app_server.url


@pytest.fixture
def browser() -> Iterator[object]:
    require_service(os.path.exists(CHROMIUM), "Chromium", "apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished running (no spinner / "Running..." status)."""
    page.wait_for_load_state("networkidle")
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=TIMEOUT)
    time.sleep(0.4)


TOTAL = '[data-testid="stSidebar"] [data-testid="stMetricValue"]'


def _total(page) -> str:
    return page.locator(TOTAL).first.inner_text()


def _wait_total(page, text: str) -> float:
    start = time.monotonic()
    page.locator('[data-testid="stSidebar"] [data-testid="stMetricValue"]').first.filter(
        has_text=re.compile(rf"^{re.escape(text)}$")
    ).wait_for(timeout=TIMEOUT)
    return time.monotonic() - start


def _shot(page, shots: Path, name: str, *, below: tuple[str, ...] = ()) -> None:
    """Screenshot the page as it opens, then once scrolled to each heading in ``below``
    (Streamlit scrolls its main area itself, so a full-page screenshot shows no more)."""
    _settle(page)
    page.screenshot(path=str(shots / f"{name}.png"))
    for n, heading in enumerate(below, start=1):
        page.get_by_text(heading, exact=True).first.evaluate(
            "el => el.scrollIntoView({block: 'start'})"
        )
        time.sleep(0.6)
        page.screenshot(path=str(shots / f"{name}_{n}.png"))


def _open_sidebar_link(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=re.compile(name)).click()
    page.get_by_role("heading", level=1, name=re.compile(name)).wait_for(timeout=TIMEOUT)


def _open_top(page, title: str) -> None:
    page.locator('[data-testid="stTopNavLink"]').filter(has_text=title).first.click()
    page.get_by_role("heading", level=1, name=title).wait_for(timeout=TIMEOUT)


def test_answer_download_and_reload_in_fresh_session(
    server: str, browser, artifacts_dir: Path, tmp_path: Path
) -> None:
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(server)

    page.get_by_label("承担单位").fill(UNIT)
    _shot(page, shots, "00_首页_新建")
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    assert _total(page) == "0 / 100"
    filler = page.get_by_label("填表人").first
    filler.fill("张三")
    filler.press("Tab")
    _shot(page, shots, "01_首页")

    page.get_by_role("button", name=re.compile("开始填写")).click()
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    page.get_by_role("radio", name="符合", exact=True).first.click()
    latency = [_wait_total(page, "2 / 100")]
    page.get_by_role("radio", name="部分符合", exact=True).nth(1).click()
    latency.append(_wait_total(page, "3 / 100"))
    _shot(page, shots, "02_一、组织管理")

    page.get_by_role("button", name=re.compile("下一部分")).click()
    page.get_by_role("heading", level=1, name="二、工作机制").wait_for()
    _shot(page, shots, "03_二、工作机制")

    _open_sidebar_link(page, "三、标准体系与标准制定")
    count = page.get_by_label("数量（项）").first
    count.fill("1")
    count.press("Enter")
    latency.append(_wait_total(page, "9 / 100"))
    block = page.locator('[data-testid="stExpander"]').filter(has_text="17.1").first
    block.locator("summary").click()
    _shot(page, shots, "04_三、标准体系与标准制定")
    # Evidence typed and left by closing the block (the block then draws nothing) is saved.
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "缺佐证 3" in sidebar.inner_text()
    block.get_by_label(re.compile("佐证材料")).fill("某省地方标准 DB00/T 1-2025")
    block.locator("summary").click()
    sidebar.get_by_text("缺佐证 2").wait_for()
    block.locator("summary").click()
    _settle(page)
    evidence = block.get_by_label(re.compile("佐证材料"))
    assert evidence.input_value() == "某省地方标准 DB00/T 1-2025"

    rest = ["四、宣贯培训", "五、实施路径与监督", "六、评价改进", "七、实施效果"]
    for n, name in enumerate(rest):
        _open_sidebar_link(page, name)
        _shot(page, shots, f"{n + 5:02d}_{name}")

    _open_top(page, "汇总")
    _shot(page, shots, "09_汇总", below=("按评估内容", "提分空间：还能得分最多的指标"))
    _open_top(page, "佐证检查")
    _shot(page, shots, "10_佐证检查")
    _open_top(page, "导入导出")
    _shot(page, shots, "11_导入导出")

    with page.expect_download() as info:
        page.get_by_role("button", name="下载答题表（CSV）").click()
    download = info.value
    assert download.suggested_filename.startswith(f"自评_{UNIT}_")
    assert download.suggested_filename.endswith(".csv")
    csv_path = tmp_path / download.suggested_filename
    download.save_as(csv_path)
    assert "17.1" in csv_path.read_text(encoding="utf-8-sig")
    context.close()

    # A fresh browser session: a new round, empty, then the CSV loaded into it.
    fresh = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    fresh.set_default_timeout(TIMEOUT)
    page = fresh.new_page()
    page.goto(server)
    page.get_by_text("新建自评", exact=True).click()
    page.get_by_label("承担单位").last.fill(UNIT)
    page.get_by_label("自评名称（轮次）").last.fill("第二次自评")
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评：第二次自评").wait_for()
    assert _total(page) == "0 / 100"
    _open_top(page, "导入导出")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path))
    page.get_by_role("button", name="确认导入").wait_for()
    _shot(page, shots, "12_导入预览")
    assert page.get_by_text("0 → 9").count() >= 1
    page.get_by_role("button", name="确认导入").click()
    _wait_total(page, "9 / 100")
    _shot(page, shots, "13_导入完成")
    fresh.close()
    (artifacts_dir / "browser_latency.txt").write_text(
        "answer -> sidebar total updated (s): " + ", ".join(f"{x:.3f}" for x in latency) + "\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("path", "heading"),
    [("item3", "三、标准体系与标准制定"), ("results", "汇总"), ("import-export", "导入导出")],
)
def test_deep_link_is_first_request_of_a_fresh_server(
    server: str, browser, artifacts_dir: Path, tmp_path: Path, path: str, heading: str
) -> None:
    """A restarted server whose first visitor reloads a bookmarked page still runs app.py
    (router, sidebar) and shows that page, although Streamlit runs its legacy pages/-folder
    mode on a process's first script run."""
    from jiguan.rubric import load_rubric
    from jiguan.scoring import Answer
    from jiguan.store import Store, database_url

    rubric = load_rubric()
    data = tmp_path / "data"
    store = Store(database_url(data), rubric, files_dir=data / "files")
    store.migrate()
    aid = store.create_assessment(UNIT, "第一次自评").id
    store.save_answer(aid, "13.1", Answer("yes", evidence="体系表"), expected_version=0, user="t")
    store.close()

    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server}/{path}")
    page.get_by_role("heading", level=1, name=heading).wait_for(timeout=TIMEOUT)
    _wait_total(page, "2 / 100")  # the sidebar: app.py ran and loaded the saved answers
    page.screenshot(path=str(artifacts_dir / "screenshots" / f"deep_link_{path}.png"))
    page.close()


def test_server_killed_mid_edit_loses_nothing_shown_as_saved(
    app_server: AppServer, browser, artifacts_dir: Path
) -> None:
    """Answers and evidence the page showed as saved survive a SIGKILL of the server; the
    unit reopens the app after a restart and continues where it was."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT)
    page.goto(app_server.url)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    page.get_by_role("button", name=re.compile("开始填写")).click()
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    page.get_by_role("radio", name="符合", exact=True).first.click()
    _wait_total(page, "2 / 100")
    page.get_by_role("radio", name="符合", exact=True).nth(1).click()
    _wait_total(page, "4 / 100")
    _settle(page)
    page.close()

    app_server.kill()
    app_server.start()

    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{app_server.url}/item1")
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    _wait_total(page, "4 / 100")
    _settle(page)
    page.screenshot(path=str(artifacts_dir / "screenshots" / "after_restart_一、组织管理.png"))
    page.close()
