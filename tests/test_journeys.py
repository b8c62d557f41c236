"""The journey suite (issue 20): people using the product together, in Chromium, through the
project's nginx in front of two app processes on PostgreSQL (共享模式).

An administrator signs in for the first time and creates accounts; a 填报人 starts the unit's
self-evaluation and fills a section while two colleagues edit the same indicator, uploads ten
files in quick succession and downloads every document and the evidence ZIP; a 评估组 member
reviews and finalises; a trainer opens a workshop that five trainees join; and every role tries
what it must not do. Each step asserts what the person sees and what the database holds.
Screenshots go to artifacts/screenshots/journey_*.png.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from deploy.cluster import NGINX, Cluster
from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER, TRAINER
from jiguan.rubric import Rubric
from jiguan.scoring import all_yes
from jiguan.store import Store
from jiguan.store.logins import COOKIE
from jiguan.training import PROFILE_WORKSHOP
from tests.app_support import wait_until
from tests.browser_support import TIMEOUT, VIEWPORT, _settle
from tests.conftest import require_service
from tests.store_support import pg_schema_url
from tests.test_browser_uploads import evidence_files, pick_quickly

pytestmark = pytest.mark.browser
FIRST = "初始密码0123456789"
READY = "新的密码0123456789"
UNIT, OTHER_UNIT = "甲局", "乙局"
TRAINEES = ("学员一", "学员二", "学员三", "学员四", "学员五")


@pytest.fixture
def served(tmp_path: Path, rubric: Rubric) -> Iterator[tuple[Cluster, Store]]:
    require_service(os.path.exists(NGINX), "nginx", "apt-get install -y nginx-light")
    with pg_schema_url() as url:
        env = {"JIGUAN_DATABASE_URL": url, "JIGUAN_DATA_DIR": str(tmp_path / "data")}
        store = Store(url, rubric, files_dir=tmp_path / "data" / "files")
        store.migrate()
        store.users.add("管理员", ADMIN, FIRST, by=COMMAND_LINE)
        cluster = Cluster(2, env=env, run_dir=tmp_path / "run")
        try:
            yield cluster.start(), store
        finally:
            cluster.stop()
            store.close()


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    path = artifacts_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Person:
    """One person in their own browser context, signed in through the login form."""

    def __init__(self, browser, base: str, shots: Path, name: str) -> None:
        self.base, self.shots, self.name = base, shots, name
        self.context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(TIMEOUT)
        self.page = self.context.new_page()

    def sign_in(self, password: str, *, first: bool = False) -> Person:
        page = self.page
        page.goto(self.base)
        page.get_by_label("用户名").fill(self.name)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        if first:  # the password an administrator gave must be changed first
            page.get_by_text("首次登录").wait_for()
            page.get_by_label("原密码").fill(password)
            page.get_by_label(re.compile("^新密码")).fill(READY)
            page.get_by_label("再输入一次新密码").fill(READY)
            page.get_by_role("button", name="修改密码").click()
        page.get_by_text(f"已登录：{self.name}").wait_for()
        deadline = time.monotonic() + TIMEOUT / 1000  # the login cookie, for the next goto
        while not [c for c in self.context.cookies() if c["name"] == COOKIE]:
            assert time.monotonic() < deadline, "no login cookie"
            time.sleep(0.1)
        _settle(page)
        return self

    def open(self, path: str, heading: str | None = None) -> Person:
        self.page.goto(f"{self.base}/{path}")
        if heading:
            self.page.get_by_role("heading", level=1, name=heading).wait_for()
        _settle(self.page)
        return self

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"journey_{name}.png"))

    def sees(self, text: str | re.Pattern[str]) -> None:
        try:
            self.page.get_by_text(text).first.wait_for()
        except Exception:
            self.shot(f"not_seen_{self.name}")  # what they saw instead
            raise

    def fetch(self, label: str) -> bytes:
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name=label).first.click()
        return download.value.path().read_bytes()

    def close(self) -> None:
        self.context.close()


def _create_account(admin: Person, name: str, role_label: str, unit: str) -> None:
    page = admin.page
    if not page.get_by_label("角色").is_visible():
        page.get_by_text("新建账户", exact=True).click()
    page.get_by_label("用户名", exact=True).last.type(name)
    page.get_by_role("radiogroup", name="角色").get_by_text(role_label, exact=True).click()
    page.get_by_label("单位（填报人、评估组）").fill(unit)
    page.get_by_label(re.compile("初始密码")).fill(FIRST)
    page.get_by_role("button", name="新建", exact=True).click()
    admin.sees(f"已新建账户「{name}」")
    _settle(page)


def _account(store: Store, name: str, role: str, unit: str | None = None) -> None:
    users = store.users
    info = users.add(name, role, FIRST, unit=unit, by=COMMAND_LINE)
    users.change_password(info.id, FIRST, READY)


def test_a_unit_its_panel_and_a_workshop_through_the_served_cluster(
    served: tuple[Cluster, Store], browser, shots: Path, tmp_path: Path
) -> None:
    cluster, store = served
    base = cluster.url
    rubric = store.rubric
    users = store.users

    # -- the administrator: first sign-in, then the accounts ----------------------------------
    admin = Person(browser, base, shots, "管理员").sign_in(FIRST, first=True)
    admin.open("accounts", "账户与单位")
    _create_account(admin, "填报人甲", "填报人", UNIT)
    _create_account(admin, "评估组甲", "评估组", UNIT)
    admin.shot("admin_accounts")
    roles = {u.name: u.role for u in users.list()}
    assert roles == {"管理员": ADMIN, "填报人甲": FILLER, "评估组甲": REVIEWER}
    for name in ("同事乙", "同事丙"):
        _account(store, name, FILLER, UNIT)
    _account(store, "乙局填报", FILLER, OTHER_UNIT)
    _account(store, "王老师", TRAINER)
    foreign = store.create_assessment(OTHER_UNIT, "乙局的自评")

    # -- the 填报人 starts the unit's self-evaluation and fills section 一 ------------------
    filler = Person(browser, base, shots, "填报人甲").sign_in(FIRST, first=True)
    filler.page.get_by_placeholder("例如：某某市机关事务管理局").fill(UNIT)
    filler.page.get_by_role("button", name="开始自评").click()
    filler.sees("当前自评")
    (mine,) = [a for a in store.list_assessments() if a.unit_name == UNIT]
    aid = mine.id
    item = rubric.items[0]
    ids = [c.id for content in item.contents for ind in content.indicators for c in ind.criteria]
    filler.open(f"item1?a={aid}", "一、组织管理")
    radios = filler.page.get_by_role("radio", name="符合", exact=True)
    for n in range(len(ids)):
        radios.nth(n).click()
        _settle(filler.page)
    filler.shot("filler_section")
    # The last click's value goes out a moment after it (React Aria): wait for the save.
    assert wait_until(
        lambda: (
            {cid: a.value for cid, a in store.answers(aid).items() if cid in ids}
            == dict.fromkeys(ids, "yes")
        )
    )

    # -- two colleagues edit the same indicator -----------------------------------------------
    last = ids[-1]
    colleagues = [Person(browser, base, shots, n).sign_in(READY) for n in ("同事乙", "同事丙")]
    for person, word, value in zip(colleagues, ("不符合", "符合"), ("no", "yes"), strict=True):
        person.open(f"item1?a={aid}", "一、组织管理")
        person.page.get_by_role("radio", name=word, exact=True).nth(len(ids) - 1).click()
        # The control sends its value a moment after the click (React Aria), so the page can
        # look idle before the run has begun: wait for the save itself.
        assert wait_until(lambda value=value: store.answers(aid)[last].value == value)
        _settle(person.page)
    assert store.answers(aid)[last].value == "yes"
    authors = [e.changed_by for e in store.history(aid, last) if e.event == "answer"]
    assert authors[-3:] == ["填报人甲", "同事乙", "同事丙"]
    colleagues[0].sees(re.compile("同事丙 .*更新"))  # 乙 is told who changed it after them
    colleagues[0].shot("colleague_notice")

    # -- ten files in quick succession, then every document and the ZIP -----------------------
    files = evidence_files(tmp_path / "evidence", "佐证", 10)
    filler.open(f"item1?a={aid}", "一、组织管理")
    filler.page.get_by_text("佐证材料与备注").first.click()
    filler.page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.wait_for(
        state="attached"
    )
    pick_quickly(filler.page, files)
    filler.sees("已上传 10 个文件")
    filler.shot("filler_uploads")
    stored = {f.filename: store.read_file(f.id) for f in store.list_files(aid, ids[0])}
    assert stored == {p.name: p.read_bytes() for p in files}

    filler.open(f"import-export?a={aid}", "导入导出")
    sheet = filler.fetch("下载答题表（CSV）").decode("utf-8-sig")
    assert {row["评分项编号"] for row in csv.DictReader(io.StringIO(sheet))} >= set(ids)
    word = zipfile.ZipFile(io.BytesIO(filler.fetch("Word 评估表（附件2）")))
    assert UNIT in word.read("word/document.xml").decode()
    assert load_workbook(io.BytesIO(filler.fetch("Excel 自评工作簿"))).sheetnames
    assert filler.fetch("PDF 自评摘要").startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(filler.fetch("下载佐证材料汇编（ZIP）"))) as package:
        inside = {n: package.read(n) for n in package.namelist()}
    for path in files:  # the package names each file after its criterion; the bytes are kept
        (found,) = [n for n in inside if path.stem in n and n.endswith(".png")]
        assert inside[found] == path.read_bytes()
    filler.shot("filler_downloads")

    # -- the 评估组 member reviews and finalises ------------------------------------------------
    # (the rest of the sheet as the unit would import it: a review judges every criterion)
    rest = {cid: a for cid, a in all_yes(rubric, evidence="制度文件").items() if cid not in ids}
    store.replace_answers(aid, {**store.answers(aid), **rest}, user="填报人甲")
    panel = Person(browser, base, shots, "评估组甲").sign_in(FIRST, first=True)
    panel.open(f"panel-review?a={aid}", "评审录入")
    panel.page.get_by_label("评估组成员（姓名，用顿号分隔）").fill("评估组甲、评估组乙")
    panel.page.get_by_label("评估日期").fill("2026-12-01")
    panel.page.get_by_label("评估日期").press("Tab")
    _settle(panel.page)
    panel.page.get_by_role("button", name="未评定的评分项按单位自评填入").click()
    _settle(panel.page)
    panel.page.get_by_role("button", name="定稿", exact=True).click()  # asks first (a popover)
    panel.sees("确认定稿")
    _settle(panel.page)  # the run the held 定稿 click started (connection.js) is over
    panel.page.get_by_role("button", name="确认定稿", exact=True).click()
    panel.sees(re.compile("定稿，以下内容只读"))
    panel.shot("panel_final")
    review = store.reviews.get(aid)
    assert review is not None and review.final
    assert len(store.reviews.verdicts(aid)) == len(rubric.criteria)

    # -- a trainer's workshop with five trainees ----------------------------------------------
    trainer = Person(browser, base, shots, "王老师").sign_in(READY)
    trainer.open("workshops", "培训班管理")
    trainer.page.get_by_label("培训班名称").fill("南京班")
    trainer.page.get_by_role("button", name="开设培训班").click()
    trainer.sees("进行中")  # the code is the system's (K7M-Q2X-9HT), read off the page
    shown = trainer.page.locator('[data-testid="stMain"]').inner_text()
    (code,) = set(re.findall(r"\b[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}\b", shown))
    for name in TRAINEES:
        trainee = Person(browser, base, shots, name)
        trainee.page.goto(base)
        trainee.page.get_by_label("培训班代码").fill(code)
        trainee.page.get_by_label("您的姓名").fill(name)
        trainee.page.get_by_role("button", name="加入培训班").click()
        trainee.page.get_by_role("button", name="载入示例单位，开始练习").click()
        # (「学员：…」 is on the page before the practice too: wait for the practice itself)
        trainee.page.get_by_role("button", name="交卷并查看答案").wait_for()
        _settle(trainee.page)
        trainee.sees(re.compile(f"学员：{name}"))
        trainee.page.get_by_role("button", name="交卷并查看答案").click()  # the room counts
        trainee.page.get_by_role("button", name="确定交卷").click()  # handed-in practices
        trainee.sees("与答案不一致的指标：答案的理由")
        _settle(trainee.page)
        if name == TRAINEES[0]:  # a trainee cannot open the unit's self-evaluation
            trainee.shot("trainee_practice")
            trainee.open(f"?a={aid}")
            trainee.sees(re.compile("无权访问"))
            assert UNIT not in trainee.page.locator("body").inner_text()
        trainee.close()
    practices = [a for a in store.list_assessments() if a.profile.get(PROFILE_WORKSHOP) == code]
    assert len(practices) == len(TRAINEES)
    trainer.open("workshop-room", "培训班结果")
    trainer.shot("trainer_room")
    rows = list(csv.DictReader(io.StringIO(trainer.fetch("下载 CSV").decode("utf-8-sig"))))
    assert len(rows) == len(TRAINEES)
    assert not [n for n in TRAINEES if n in str(rows)]  # the export is anonymous

    # -- what each role must not do ------------------------------------------------------------
    for wanted in (str(foreign.id), "abc", "2147483648", "-1"):
        filler.open(f"?a={wanted}")
        filler.sees(re.compile("无权访问"))
        assert "乙局的自评" not in filler.page.locator("body").inner_text()
    # A page outside the role's menu does not exist for it (Streamlit says so, in English:
    # left for now) and nothing of it is drawn.
    filler.open("accounts")
    filler.shot("filler_refused")
    assert filler.page.get_by_role("heading", name="账户与单位").count() == 0
    assert "乙局填报" not in filler.page.locator("body").inner_text()
    trainer.open("audit-log")
    assert trainer.page.get_by_role("heading", name="审计日志").count() == 0
    before = store.load_answers(aid)
    panel.open(f"item1?a={aid}", "一、组织管理")
    try:  # the panel may see the unit's answers, never change them
        panel.page.get_by_role("radio", name="不符合", exact=True).first.click(timeout=3000)
        _settle(panel.page)
    except Exception:
        pass
    assert store.load_answers(aid) == before
    assert store.load_answers(foreign.id) == {}

    # -- the administrator sees every export in the audit log, none failed --------------------
    log = [(e.actor, e.action) for e in users.audit_log()]
    for action in ("导出答题表", "导出佐证材料汇编", "导出培训班结果（CSV）"):
        assert any(a == action for _, a in log), action
    assert not [a for _, a in log if a.endswith("失败") and a.startswith("导出")]
    admin.open("audit-log", "审计日志")  # (the table is drawn on a canvas: the rows are
    admin.shot("admin_audit")  # asserted in the database above)
