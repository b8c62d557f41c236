"""Printing (issue 27): 汇总 and 评审对照 print on A4 with the page's content only and no table
cut at the right edge. Chromium's own PDF printing (page.pdf) with print media; the PDFs are
kept under artifacts/print/ to look at."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from jiguan.review import Verdict
from jiguan.rubric import load_rubric
from jiguan.scoring import all_yes
from jiguan.store import Store, database_url
from tests.browser_support import TIMEOUT, UNIT, AppServer, _settle

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
    data = app_server.data_dir
    rubric = load_rubric()
    store = Store(database_url(data), rubric, files_dir=data / "files")
    store.migrate()
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
