"""Every download on every page, for every role that may have it, in 单机模式 and 共享模式
(issue 20.3): each file is built within the caller's scope when the button is pressed, its
content is what the page promised, and in 共享模式 the audit log records it as a success.
Screenshots go to artifacts/screenshots/downloads_*.png."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Error as PlaywrightError

from jiguan.accounts import COMMAND_LINE, FILLER, REVIEWER, TRAINER
from jiguan.samples import load_samples
from jiguan.scoring import all_yes
from jiguan.store import Store
from jiguan.training import PROFILE_SAMPLE, PROFILE_SUBMITTED, PROFILE_TRAINEE, PROFILE_WORKSHOP
from tests.browser_support import AppServer, _settle, make_account, open_page, signed_in_page

pytestmark = pytest.mark.browser
UNIT = "甲局"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
EVIDENCE_FILES = {"领导小组通知.pdf": PDF, "会议现场.png": PNG}
REPORTS = ("Word 评估表（附件2）", "Excel 自评工作簿", "PDF 自评摘要")


def _unit(store: Store) -> int:
    """甲局's assessment: every criterion answered, two evidence files on 1.1."""
    info = store.create_assessment(UNIT, "第一次自评")
    store.replace_answers(info.id, all_yes(store.rubric, evidence="制度文件"), user="甲")
    for name, data in EVIDENCE_FILES.items():
        store.add_file(info.id, "1.1", name, data, user="甲")
    return info.id


def _page(browser, url: str, name: str | None = None):
    """Downloads accepted; signed in as ``name`` when one is given."""
    if name is None:
        return open_page(browser, url, accept_downloads=True)
    return signed_in_page(browser, url, name, accept_downloads=True)


def _fetch(page, label: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("button", name=label).first.click()
    data = download.value.path().read_bytes()
    assert data, label
    return data


def _check_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert not [n for n in names if "导出失败" in n], names
        for filename, content in EVIDENCE_FILES.items():
            (found,) = [n for n in names if n.endswith(filename)]
            assert zf.read(found) == content


def _check_unit_downloads(page, aid: int, url: str, shots: Path, who: str) -> None:
    """导入导出: the CSV, the three reports and the evidence ZIP; then an evidence file."""
    page.goto(f"{url}/import-export?a={aid}")
    page.get_by_role("heading", level=1, name="导入导出").wait_for()
    _settle(page)
    page.screenshot(path=str(shots / f"downloads_{who}_import_export.png"))
    assert "17.1" in _fetch(page, "下载答题表（CSV）").decode("utf-8-sig")
    word, excel, pdf = (_fetch(page, label) for label in REPORTS)
    assert zipfile.ZipFile(io.BytesIO(word)).read("word/document.xml").count(b"<w:tbl>") >= 1
    assert load_workbook(io.BytesIO(excel)).sheetnames
    assert pdf.startswith(b"%PDF")
    _check_zip(_fetch(page, "下载佐证材料汇编（ZIP）"))
    page.goto(f"{url}/item1?a={aid}")
    page.get_by_role("heading", level=1).first.wait_for()
    _settle(page)
    page.get_by_text("佐证材料与备注").first.click()
    page.get_by_text("领导小组通知.pdf").wait_for()
    _settle(page)
    page.screenshot(path=str(shots / f"downloads_{who}_evidence.png"))
    assert _fetch(page, "下载") in EVIDENCE_FILES.values()


def _check_blank_forms(page, url: str) -> None:
    page.goto(f"{url}/criteria-guide")
    page.get_by_role("heading", level=1, name="评估指引").wait_for()
    _settle(page)
    assert _fetch(page, "空白附件2（PDF）").startswith(b"%PDF")
    assert _fetch(page, "空白附件2（Word）").startswith(b"PK")


def _check_review_downloads(page, aid: int, url: str) -> None:
    page.goto(f"{url}/panel-review?a={aid}")
    page.get_by_role("heading", level=1, name="评审录入").wait_for()
    _settle(page)
    assert _fetch(page, "下载 Word（附件2 + 评估意见）").startswith(b"PK")
    assert load_workbook(io.BytesIO(_fetch(page, "下载 Excel 对照表"))).sheetnames
    assert "17.1" in _fetch(page, "下载 CSV（含评审列）").decode("utf-8-sig")


def _failures(store: Store) -> list[str]:
    return [f"{e.action} {e.detail}" for e in store.users.audit_log() if "失败" in e.action]


def test_every_download_in_shared_mode(
    shared_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    srv, store = shared_app
    aid = _unit(store)
    filler = make_account(store, "甲填报", FILLER, UNIT).id
    make_account(store, "评估组甲", REVIEWER, UNIT)
    trainer = make_account(store, "王老师", TRAINER).caller()
    store.workshops.open(trainer, "NJ-2026", "南京班", datetime.now(UTC) + timedelta(days=1))
    sample = load_samples(store.rubric)[0]
    profile = {  # handed in: the room's statistics count handed-in practices by default
        PROFILE_SAMPLE: sample.id,
        PROFILE_WORKSHOP: "NJ-2026",
        PROFILE_TRAINEE: "学员甲",
        PROFILE_SUBMITTED: "2026-12-01T10:00:00+08:00",
    }
    practice = store.create_assessment(f"【示例】{sample.unit}", "练习 · 学员甲", profile=profile)
    store.replace_answers(practice.id, dict(sample.key_sheet), user="学员甲")

    for name, who in (("甲填报", "filler"), ("管理员", "admin")):
        page = _page(browser, f"{srv.url}/?a={aid}", name)
        _check_unit_downloads(page, aid, srv.url, shots, who)
        _check_blank_forms(page, srv.url)
        page.context.close()
    actions = [(e.actor, e.action) for e in store.users.audit_log()]
    for name in ("甲填报", "管理员"):
        assert (name, "导出佐证材料汇编") in actions
        assert (name, "导出答题表") in actions
    assert _failures(store) == []

    # A file is built for the login as it is when the button is pressed, and a refusal is
    # audited as a failure, not as an export.
    page = _page(browser, f"{srv.url}/import-export?a={aid}", "甲填报")
    page.get_by_role("button", name="下载佐证材料汇编（ZIP）").wait_for()
    _settle(page)
    store.users.set_disabled(filler, True, by=COMMAND_LINE)
    # Disabling ends the account's logins: the file is built as a refusal, audited as a
    # failure, and the /media/ gate (jiguan.web) does not hand even that to an ended login.
    with pytest.raises(PlaywrightError):
        _fetch(page, "下载佐证材料汇编（ZIP）")
    page.context.close()
    deadline = time.monotonic() + 20
    while not _failures(store) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _failures(store) == ["导出佐证材料汇编失败 登录已失效，请重新登录后再下载"]
    assert store.users.audit_log()[0].action == "导出佐证材料汇编失败"
    store.users.set_disabled(filler, False, by=COMMAND_LINE)

    review = _page(browser, f"{srv.url}/?a={aid}", "评估组甲")
    _check_review_downloads(review, aid, srv.url)

    room = _page(browser, srv.url, "王老师")
    room.goto(f"{srv.url}/workshop-room")
    room.get_by_role("heading", level=1, name="培训班结果").wait_for()
    _settle(room)
    assert "学员" in _fetch(room, "下载 CSV").decode("utf-8-sig")
    assert load_workbook(io.BytesIO(_fetch(room, "下载 Excel"))).sheetnames

    admin = _page(browser, srv.url, "管理员")
    admin.goto(f"{srv.url}/audit-log")
    admin.get_by_role("heading", level=1, name="审计日志").wait_for()
    _settle(admin)
    assert "导出佐证材料汇编" in _fetch(admin, "导出审计日志（CSV）").decode("utf-8-sig")
    assert len(_failures(store)) == 1  # the one above


def test_every_download_in_standalone_mode(
    standalone_app: tuple[AppServer, Store], browser, shots: Path
) -> None:
    srv, store = standalone_app
    aid = _unit(store)
    page = _page(browser, f"{srv.url}/?a={aid}")
    _check_unit_downloads(page, aid, srv.url, shots, "standalone")
    _check_blank_forms(page, srv.url)
    _check_review_downloads(page, aid, srv.url)
