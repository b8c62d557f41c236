"""Browser-test support: the app served by `streamlit run app.py` on a free port (单机模式, or
共享模式 with an administrator), a Store on the data it serves, Chromium through playwright,
accounts and sign-in, and helpers to read the page. Registered as a pytest plugin in conftest."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy.process import NotHealthy, free_port, start_streamlit, stop, wait_healthy
from jiguan.accounts import ADMIN, COMMAND_LINE
from jiguan.rubric import load_rubric
from jiguan.store import Store, UserInfo
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
PASSWORD = "一个足够长的密码123"  # an account's first password, given by the administrator
READY = "另一个足够长的密码456"  # the one it signs in with, once the first has been changed


class AppServer:
    """`streamlit run app.py` on a free port with its own data directory; restartable."""

    def __init__(self, data_dir: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.extra_env = env or {}
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        env = dict(os.environ, JIGUAN_DATA_DIR=str(self.data_dir))
        env.pop("JIGUAN_DATABASE_URL", None)
        env.update(self.extra_env)
        self.proc = start_streamlit(self.port, self.log_path, env=env)
        try:
            wait_healthy(self.url, self.proc, self.log_path, timeout=60)
        except NotHealthy as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        return self.url

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as in a crash or a power cut of the process."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        stop(self.proc)


@contextmanager
def stalled(app_server: AppServer) -> Iterator[None]:
    """The server process gets no CPU for a moment (SIGSTOP … SIGCONT), as on the loaded
    shared machine: what the browser sends meanwhile arrives at once when it runs again."""
    assert app_server.proc is not None
    os.kill(app_server.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(app_server.proc.pid, signal.SIGCONT)


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


def served_store(srv: AppServer) -> Store:
    """A Store on the data the app serves (its SQLite file and evidence files), migrated: what
    the test writes there the browser sees. The caller closes it."""
    store = Store(
        f"sqlite:///{(srv.data_dir / 'jiguan.db').as_posix()}",
        load_rubric(),
        files_dir=srv.data_dir / "files",
    )
    store.migrate()
    return store


def make_account(store: Store, name: str, role: str, unit: str | None = None) -> UserInfo:
    """An account that signs in with READY: made with PASSWORD, which it has already changed
    (the app asks a new account to change its first password before anything else)."""
    users = store.users
    info = users.add(name, role, PASSWORD, unit=unit, by=COMMAND_LINE)
    users.change_password(info.id, PASSWORD, READY)
    return users.get(info.id)


@pytest.fixture
def standalone_app(app_server: AppServer) -> Iterator[tuple[AppServer, Store]]:
    """The app in 单机模式 (`app_server`) and a Store on its data."""
    store = served_store(app_server)
    try:
        yield app_server, store
    finally:
        store.close()


@pytest.fixture
def shared_app(tmp_path: Path) -> Iterator[tuple[AppServer, Store]]:
    """The app in 共享模式, a Store on its data, and the administrator 管理员 (READY)."""
    require_service(os.path.exists(CHROMIUM), "Chromium", "apt-get install -y chromium")
    srv = AppServer(tmp_path / "data", tmp_path / "server.log", env={"JIGUAN_MODE": "shared"})
    srv.start()
    store = served_store(srv)
    make_account(store, "管理员", ADMIN)
    try:
        yield srv, store
    finally:
        store.close()
        srv.stop()


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    """artifacts/screenshots/, for the screenshots people look at."""
    path = artifacts_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser() -> Iterator[object]:
    require_service(os.path.exists(CHROMIUM), "Chromium", "apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# The app root's test attributes (Streamlit's own end-to-end tests wait on them): a click that
# asks for a rerun turns the script state to rerunRequested/running until the run is done; a
# click the page's click-hold script holds (pages/js/connection.js) has not even asked yet.
_IDLE = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " return !!app && app.dataset.testScriptState === 'notRunning'"
    " && app.dataset.testConnectionState === 'CONNECTED'"
    " && !(window.__jiguanHeld && window.__jiguanHeld()); }"
)

# Resolves once the element has stayed put for a few animation frames (a scroll has ended and
# what it brought into view has been laid out).
_STILL = """el => new Promise(resolve => {
    let last = null, same = 0;
    const tick = () => {
        const r = el.getBoundingClientRect(), now = `${r.top},${r.left},${r.height}`;
        same = now === last ? same + 1 : 0;
        last = now;
        if (same >= 5) resolve(true); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})"""


def _settle(page) -> None:
    """Wait until Streamlit has finished running: connected, no script run under way or asked
    for, no spinner / "Running..." status."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(_IDLE, timeout=TIMEOUT)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=TIMEOUT)
    page.wait_for_function(_IDLE, timeout=TIMEOUT)


def open_page(browser, url: str, **context_options):
    """A new browser context (its own cookies: another person) at ``url``, settled."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", **context_options)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(url)
    _settle(page)
    return page


def sign_in(page, name: str) -> None:
    """Sign in as ``name`` (an account of `make_account`) on the page's login form."""
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码", exact=True).fill(READY)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text(f"已登录：{name}").wait_for()
    _settle(page)


def signed_in_page(browser, url: str, name: str, **context_options):
    """`open_page`, then `sign_in` as ``name``."""
    page = open_page(browser, url, **context_options)
    sign_in(page, name)
    return page


def wait_still(locator) -> None:
    """Wait until ``locator``'s element has stopped moving (after a scroll)."""
    locator.evaluate(_STILL)


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
        target = page.get_by_text(heading, exact=True).first
        target.evaluate("el => el.scrollIntoView({block: 'start'})")
        wait_still(target)
        page.screenshot(path=str(shots / f"{name}_{n}.png"))


def _open_sidebar_link(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=re.compile(name)).click()
    page.get_by_role("heading", level=1, name=re.compile(name)).wait_for(timeout=TIMEOUT)


def _open_top(page, title: str) -> None:
    page.locator('[data-testid="stTopNavLink"]').filter(has_text=title).first.click()
    page.get_by_role("heading", level=1, name=title).wait_for(timeout=TIMEOUT)
