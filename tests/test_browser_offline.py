"""Offline intranet and Chinese refusals, in Chromium: every request outside the app is blocked
and none may be attempted; the icon, Material icons and fonts still render; a refused upload
is explained in Chinese (Streamlit's own refusal is English)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import TIMEOUT, UNIT, VIEWPORT, AppServer, _settle

pytestmark = pytest.mark.browser

_LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")


def _blocking_context(browser, attempted: list[str]):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(TIMEOUT)

    def route(r) -> None:
        url = r.request.url
        if _LOCAL.match(url) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            attempted.append(url)
            r.abort()

    context.route("**/*", route)
    return context


def _nothing_broken(page) -> None:
    images = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
    )
    assert not images, f"broken images: {images}"
    fonts = page.evaluate("() => [...document.fonts].filter(f => f.status === 'error')"
                          ".map(f => f.family)")  # fmt: skip
    assert not fonts, f"fonts that failed to load: {fonts}"
    assert page.evaluate("() => document.fonts.check('24px \"Material Symbols Rounded\"')")
    # An icon whose font is missing shows its name ("arrow_forward") as wide text.
    widths = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stIconMaterial\"]')]"
        ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect().width)"
    )
    assert widths and max(widths) < 40, widths


def test_the_app_works_with_no_internet(app_server: AppServer, browser) -> None:
    attempted: list[str] = []
    context = _blocking_context(browser, attempted)
    page = context.new_page()
    page.goto(app_server.url)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    _settle(page)
    icon = page.evaluate("() => document.querySelector('link[rel~=\"icon\"]').href")
    assert _LOCAL.match(icon), icon
    served = page.request.get(icon)
    assert served.ok and served.headers["content-type"].startswith("image/")
    _nothing_broken(page)
    for title in ("汇总", "佐证检查"):
        page.locator('[data-testid="stTopNavLink"]').filter(has_text=title).first.click()
        page.get_by_role("heading", level=1, name=title).wait_for()
        _settle(page)
        _nothing_broken(page)
    page.goto(f"{app_server.url}/item1?{page.url.split('?', 1)[1]}")
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    page.get_by_role("radio", name="符合", exact=True).first.click()
    _settle(page)
    _nothing_broken(page)
    context.close()
    assert attempted == [], f"requests outside the app: {attempted}"


def test_refused_uploads_are_explained_in_chinese(
    app_server: AppServer, browser, tmp_path: Path
) -> None:
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ" + b"\x00" * 200)
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(TIMEOUT)
    page.goto(app_server.url)
    page.get_by_label("承担单位").fill(UNIT)
    page.get_by_role("button", name="开始自评").click()
    page.get_by_text("当前自评").wait_for()
    query = page.url.split("?", 1)[1]

    page.goto(f"{app_server.url}/item1?{query}")
    page.get_by_role("heading", level=1, name="一、组织管理").wait_for()
    page.locator('[data-testid="stExpander"] summary').first.click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(exe))
    page.get_by_text(re.compile("「setup.exe」未上传")).wait_for()
    assert page.get_by_text(re.compile("not allowed")).count() == 0

    page.goto(f"{app_server.url}/import-export?{query}")
    page.get_by_role("heading", level=1, name="导入导出").wait_for()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(exe))
    page.get_by_text(re.compile("「setup.exe」不是可接受的文件类型")).wait_for()
    assert page.get_by_text(re.compile("not allowed")).count() == 0
    page.close()
