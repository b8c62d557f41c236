"""Issue 21 item 5, in Chromium: every page works under the Content-Security-Policy (no
`securitypolicyviolation`, no CSP message on the console, each page's heading drawn), in
单机模式 and signed in to 共享模式; every download still arrives; and in 共享模式 a download's
/media/ URL is refused to a request without that browser's cookies."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from jiguan.reports import BLANK_FORMATS, REPORT_FORMATS
from jiguan.rubric import load_rubric
from jiguan.store import Store
from pages.common.routes import TRAINING_ROUTES
from tests.browser_support import READY, TIMEOUT, UNIT, VIEWPORT, AppServer, _settle

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${(e.sample || '').slice(0, 80)}`));
"""
PAGES = [
    "",
    "results",
    "readiness",
    "import-export",
    *(f"item{n}" for n in range(1, len(load_rubric().items) + 1)),
    *(r.url_path for r in TRAINING_ROUTES),
    "panel-review",
    "review-comparison",
    "round-progress",
]
ADMIN_PAGES = ["accounts", "audit-log", "workshops"]


def _context(browser, problems: list[str]):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    context.add_init_script(WATCH)
    page = context.new_page()

    def console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return context, page


def _visit_every_page(page, base: str, query: str, paths: list[str], shots: Path, mode: str):
    seen: dict[str, list[str]] = {}
    for path in paths:
        page.goto(f"{base}/{path}?{query}")
        page.locator("h1").first.wait_for()
        if path.startswith("item"):  # the answer controls are drawn, not placeholders
            page.get_by_role("radio", name="符合", exact=True).first.wait_for()
        _settle(page)
        seen[path or "home"] = page.evaluate("window.__csp")
        if path in ("", "item1", "import-export", "accounts", "presentation"):
            page.screenshot(path=str(shots / f"csp_{mode}_{path or 'home'}.png"))
    assert {p: v for p, v in seen.items() if v} == {}


def _download(page, label: str):
    with page.expect_download() as download:
        page.get_by_role("button", name=label).click()
    assert download.value.path().stat().st_size > 0, label
    return download.value


def test_standalone_every_page_and_download_under_the_policy(
    app_server: AppServer, browser, shots: Path
) -> None:
    problems: list[str] = []
    context, page = _context(browser, problems)
    page.goto(app_server.url)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    query = page.url.split("?", 1)[1]
    _visit_every_page(page, app_server.url, query, PAGES, shots, "standalone")

    page.goto(f"{app_server.url}/import-export?{query}")
    page.get_by_role("heading", level=1, name="导入导出").wait_for()
    _settle(page)
    labels = ["下载答题表（CSV）", *(s.label for s in REPORT_FORMATS.values() if not s.ledger)]
    for label in [*labels, "下载佐证材料汇编（ZIP）"]:
        _download(page, label)
    page.goto(f"{app_server.url}/criteria-guide?{query}")
    page.locator("h1").first.wait_for()
    _settle(page)
    for spec in BLANK_FORMATS.values():
        _download(page, spec.label)
    assert page.evaluate("window.__csp") == []
    context.close()
    assert problems == []


def test_shared_every_page_under_the_policy_and_media_needs_the_cookie(
    shared_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    srv, store = shared_app
    aid = store.create_assessment(UNIT, "第一次自评").id
    problems: list[str] = []
    context, page = _context(browser, problems)
    page.goto(f"{srv.url}/?a={aid}")
    _settle(page)
    # Before the sign-in: the page icon (a /media/ image) and Streamlit's fonts (/static/media/)
    # are served; only downloads need the login.
    icon = page.evaluate("() => document.querySelector('link[rel~=\"icon\"]').href")
    assert "/media/" in icon and page.request.get(icon).ok
    failed = "() => [...document.fonts].filter(f => f.status === 'error').map(f => f.family)"
    assert page.evaluate(failed) == []
    page.get_by_label("用户名").fill("管理员")
    page.get_by_label("密码", exact=True).fill(READY)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="登录", exact=True).wait_for(state="detached")
    _settle(page)
    _visit_every_page(page, srv.url, f"a={aid}", PAGES + ADMIN_PAGES, shots, "shared")

    page.goto(f"{srv.url}/import-export?a={aid}")
    page.get_by_role("heading", level=1, name="导入导出").wait_for()
    _settle(page)
    download = _download(page, "下载答题表（CSV）")
    assert "/media/" in download.url
    # The same browser (its cookies) may read it again while Streamlit keeps it ...
    again = context.request.get(download.url)
    assert again.status == 200 and again.body() == download.path().read_bytes()
    # ... a request without them may not, even with the URL.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(download.url, timeout=30)
    assert refused.value.code == 403
    assert page.evaluate("window.__csp") == []
    context.close()
    assert problems == []
