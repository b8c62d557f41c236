"""Browser-test support: the app served by `streamlit run app.py` on a free port, Chromium
through playwright, and helpers to read the page. Registered as a pytest plugin in conftest."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.process import NotHealthy, free_port, start_streamlit, stop, wait_healthy
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


# The app root's test attributes (Streamlit's own end-to-end tests wait on them): a click that
# asks for a rerun turns the script state to rerunRequested/running until the run is done.
_IDLE = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " return !!app && app.dataset.testScriptState === 'notRunning'"
    " && app.dataset.testConnectionState === 'CONNECTED'; }"
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
