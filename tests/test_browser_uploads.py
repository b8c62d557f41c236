"""Every evidence upload is kept, however fast files are picked (issue 20.2): one after another
as soon as the previous file's name appears, several at once, and a refused one among them
says why in Chinese. Screenshots go to artifacts/screenshots/uploads_*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import TIMEOUT, UNIT, VIEWPORT, AppServer, _settle, served_store

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n"
QUICK = 12  # picked one after another
AT_ONCE = 5  # picked together


def evidence_files(folder: Path, stem: str, n: int) -> list[Path]:
    """``n`` small PNG files of different content."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(1, n + 1):
        path = folder / f"{stem}{i:02d}.png"
        path.write_bytes(PNG + f"{stem} {i}".encode() * 20)
        paths.append(path)
    return paths


def pick_quickly(page, paths: list[Path]) -> None:
    """Pick each file as soon as the previous file's name is on the page (not waiting for the
    app to finish its run), as a user picking one file after another does."""
    for path in paths:
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
        page.get_by_text(path.name).first.wait_for(state="attached")


def test_uploads_in_quick_succession_are_all_kept(
    app_server: AppServer, browser, tmp_path: Path, shots: Path
) -> None:
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
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.wait_for(state="attached")

    quick = evidence_files(tmp_path / "quick", "佐证", QUICK)
    pick_quickly(page, quick)
    together = evidence_files(tmp_path / "together", "照片", AT_ONCE)
    bad = tmp_path / "说明.txt"
    bad.write_text("不是可上传的类型")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        [str(p) for p in together] + [str(bad)]
    )
    page.get_by_text(re.compile("「说明.txt」未上传")).wait_for()
    total = QUICK + AT_ONCE
    page.get_by_text(f"已上传 {total} 个文件").wait_for(timeout=30_000)
    _settle(page)
    page.screenshot(path=str(shots / "uploads_quick.png"))
    page.locator('[data-testid="stFileUploader"]').first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "uploads_quick_uploader.png"))

    store = served_store(app_server)
    try:
        (info,) = store.list_assessments()
        stored = sorted(f.filename for f in store.list_files(info.id, "1.1"))
    finally:
        store.close()
    assert stored == sorted(p.name for p in quick + together)
    # The page says how many were stored, and why one was not.
    assert page.get_by_text(re.compile(r"已保存 \d+ 个文件")).count() >= 1
