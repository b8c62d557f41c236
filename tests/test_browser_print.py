"""Printing (issue 27): 汇总 and 评审对照 print on A4 with the page's content only and no table
cut at the right edge. Chromium's own PDF printing (page.pdf) with print media; the PDFs are
kept under artifacts/print/ to look at."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from jiguan.review import Verdict
from jiguan.scoring import all_yes
from tests.browser_support import TIMEOUT, UNIT, AppServer, _settle, served_store

pytestmark = pytest.mark.browser

A4_WIDTH_PT = 595.0
EXPECTED = {"results": "按评估内容", "review-comparison": "2.1符合不符合"}  # a table's cell
# Tables (and their cells) wider than the printed page, or the sidebar printed at all.
_CUT = """() => {
  const width = document.documentElement.clientWidth;
  const cut = [...document.querySelectorAll('[data-testid="stTable"] table, .stDataFrame')]
    .filter(t => t.getBoundingClientRect().right > width + 1 || t.scrollWidth > t.clientWidth + 1)
    .map(t => t.innerText.slice(0, 40));
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const shown = sidebar && getComputedStyle(sidebar).display !== 'none';
  return {cut, sidebar: Boolean(shown)};
}"""


def _seed(app_server: AppServer) -> int:
    store = served_store(app_server)
    rubric = store.rubric
    aid = store.create_assessment(UNIT, "第一次自评").id
    store.replace_answers(aid, all_yes(rubric, evidence="制度文件"), user="测试")
    store.reviews.adopt_claims(aid, user="评估组")
    version = store.reviews.verdicts(aid)["2.1"].version
    verdict = Verdict("no", reason="未见正式文件")
    store.reviews.save_verdict(aid, "2.1", verdict, expected_version=version, user="评估组")
    store.close()
    return aid


@pytest.mark.parametrize("url_path", ["results", "review-comparison"])
def test_prints_on_a4_without_cut_tables(
    browser, app_server: AppServer, artifacts_dir: Path, url_path: str
) -> None:
    aid = _seed(app_server)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{app_server.url}/{url_path}?a={aid}")
    page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT)
    _settle(page)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    _settle(page)
    page.wait_for_function(  # drawn again for the new width: no placeholders left
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"
        " && document.querySelectorAll('[data-testid=\"stTable\"] td').length > 0",
        timeout=TIMEOUT,
    )
    time.sleep(1.0)
    state = page.evaluate(_CUT)
    assert state == {"cut": [], "sidebar": False}
    out = artifacts_dir / "print"
    out.mkdir(exist_ok=True)
    pdf = out / f"{url_path}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    reader = PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 8
    assert all(abs(float(p.mediabox.width) - A4_WIDTH_PT) < 2 for p in reader.pages)
    text = "".join(p.extract_text() for p in reader.pages)
    assert "当前填写人" not in text  # the sidebar is not printed
    assert EXPECTED[url_path] in "".join(text.split()), text[:500]  # a narrow cell wraps


def test_the_rectification_ledger_prints_on_a4(
    browser, app_server: AppServer, artifacts_dir: Path
) -> None:
    """整改台账 (issue 23, 27.6): the items with their 扣分理由 and what the unit wrote, no
    sidebar, no buttons, A4; each item's box kept on one page where it fits."""
    aid = _seed(app_server)
    store = served_store(app_server)
    store.reviews.update_details(
        aid, user="评估组", reviewers="王五、赵六", review_date="2026-12-01"
    )
    store.reviews.finalise(aid, user="评估组")
    store.rectification.sync(aid, user="测试")
    item = store.rectification.items(aid)[0]
    store.rectification.update(
        item.id,
        {"measures": "印发领导小组成员分工的正式文件", "department": "办公室"},
        expected_version=item.version,
        user="测试",
    )
    store.close()
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{app_server.url}/rectification?a={aid}")
    page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT)
    _settle(page)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    _settle(page)
    time.sleep(1.0)
    assert page.evaluate(_CUT) == {"cut": [], "sidebar": False}
    out = artifacts_dir / "print"
    out.mkdir(exist_ok=True)
    pdf = out / "rectification.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    reader = PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 4
    assert all(abs(float(p.mediabox.width) - A4_WIDTH_PT) < 2 for p in reader.pages)
    # NFKC: the PDF's font maps some characters to Kangxi radicals (⽂ for 文)
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    text = "".join(text.split())
    assert "正式文件" in text and "印发领导小组成员分工的正式文件" in text, text
    for absent in ("下载整改台账", "保存", "当前填写人"):  # no buttons, no sidebar
        assert absent not in text, absent
