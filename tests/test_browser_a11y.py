"""Accessibility (issue 27): axe-core finds no serious or critical violation on any page.

axe-core is vendored (tests/vendor/axe-core, MPL-2.0) and injected by playwright, which
bypasses the page's Content-Security-Policy. Rules that fail only on Streamlit's own markup,
which this app cannot change, are excluded by name with the reason (README 已知限制).
Screenshots: artifacts/a11y/.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from jiguan import PROJECT_ROOT
from jiguan.accounts import ADMIN, FILLER, REVIEWER, TRAINEE, TRAINER
from jiguan.rubric import load_rubric
from jiguan.samples import load_samples
from jiguan.scoring import Answer
from jiguan.store import Store
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from pages.common import routes
from tests.browser_support import (
    READY,
    TIMEOUT,
    UNIT,
    AppServer,
    _settle,
    make_account,
    served_store,
)

pytestmark = pytest.mark.browser

AXE = PROJECT_ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
# Streamlit's own markup, which no option or CSS of ours can change (README 已知限制).
STREAMLIT_OWN: dict[str, str] = {}


def _seed(app_server: AppServer) -> int:
    store = served_store(app_server)
    aid = store.create_assessment(UNIT, "第一次自评").id
    for cid, a in {"1.1": Answer("yes"), "2.1": Answer("no"), "17.1": Answer(1)}.items():
        store.save_answer(aid, cid, a, expected_version=0, user="测试")
    store.close()
    return aid


def axe_violations(page) -> list[dict]:
    """Serious and critical violations found twice, a moment apart: Streamlit fades the
    elements of a running fragment (the sidebar's poll) for a moment, which is no defect."""
    page.add_script_tag(path=str(AXE))
    first = _axe_run(page)
    if not first:
        return first
    _settle(page)
    time.sleep(1.0)
    again = {(v["id"], n) for v in _axe_run(page) for n in v["nodes"]}
    kept = [{**v, "nodes": [n for n in v["nodes"] if (v["id"], n) in again]} for v in first]
    return [v for v in kept if v["nodes"]]


def _axe_run(page) -> list[dict]:
    # no element faded as stale by a fragment's rerun (the sidebar polls every 5 s); measured
    # anyway after 10 s: a real defect stays in both runs
    with contextlib.suppress(Exception):
        page.wait_for_function(
            "() => !document.querySelector('[data-stale=\"true\"]')", timeout=10_000
        )
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' | '
              + (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS and v["id"] not in STREAMLIT_OWN]


def _open(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT)
    _settle(page)
    time.sleep(0.5)


def test_every_page_has_no_serious_axe_violation(
    browser, app_server: AppServer, artifacts_dir: Path
) -> None:
    aid = _seed(app_server)
    rubric = load_rubric()
    shots = artifacts_dir / "a11y"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[dict]] = {}
    for section in routes.sections(rubric, None).values():
        for route in section:
            _open(page, f"{app_server.url}/{route.url_path}?a={aid}")
            name = route.url_path or "home"
            page.screenshot(path=str(shots / f"{name}.png"))
            violations = axe_violations(page)
            if violations:
                found[route.title] = violations
            if route.url_path == "item1":  # an evidence block opened: its fields and uploader
                page.get_by_text("佐证材料与备注").first.click()
                page.get_by_label(re.compile("^佐证材料（每行一条")).first.wait_for()
                _settle(page)
                page.screenshot(path=str(shots / "item1_evidence.png"))
                violations = axe_violations(page)
                if violations:
                    found[f"{route.title} 佐证材料与备注"] = violations
    context.close()
    (shots / "violations.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)[:6000]


CODE = "NJ-2026"


def _seed_shared(store: Store) -> dict[str, int]:
    """Every role of 共享模式 with something to show: 甲局's self-assessment with answers, a
    submission and a review under way; a trainer's open workshop with a trainee's practice."""
    (admin,) = [u for u in store.users.list() if u.name == "管理员"]  # shared_app's
    make_account(store, "甲填报", FILLER, "甲局")
    reviewer = make_account(store, "评估组甲", REVIEWER)
    store.users.assign(reviewer.id, "甲局", by=admin.caller())
    trainer = make_account(store, "王老师", TRAINER)
    aid = store.create_assessment("甲局", "第一次自评").id
    for cid, a in {"1.1": Answer("yes", evidence="通知"), "2.1": Answer("no")}.items():
        store.save_answer(aid, cid, a, expected_version=0, user="甲填报")
    store.reviews.start(aid, user="评估组甲")
    store.workshops.open(trainer.caller(), CODE, "南京班", datetime.now(UTC) + timedelta(days=1))
    sample = load_samples(store.rubric)[0]
    profile = {PROFILE_SAMPLE: sample.id, PROFILE_WORKSHOP: CODE, PROFILE_TRAINEE: "学员甲"}
    practice = store.create_assessment(f"【示例】{sample.unit}", "练习 · 学员甲", profile=profile)
    store.replace_answers(practice.id, sample.practice_sheet(store.rubric), user="学员甲")
    return {"unit": aid, "practice": practice.id}


def _login(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码", exact=True).fill(READY)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text(re.compile(f"已登录：{name}")).first.wait_for(timeout=TIMEOUT)
    _settle(page)


def _join(page, url: str, name: str) -> int:
    """A trainee joins and starts a practice; its id, from the url."""
    page.goto(url)
    page.get_by_label("培训班代码").fill(CODE)
    page.get_by_label("您的姓名").fill(name)
    page.get_by_role("button", name="加入培训班").click()
    page.get_by_text(re.compile(f"已登录：{name}")).first.wait_for(timeout=TIMEOUT)
    _settle(page)
    page.get_by_role("button", name="载入示例单位，开始练习").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('a')")
    _settle(page)
    return int(re.search(r"[?&]a=(\d+)", page.url).group(1))


ROLES = (ADMIN, FILLER, REVIEWER, TRAINER, TRAINEE, routes.SIGNED_OUT)
NAMES = {ADMIN: "管理员", FILLER: "甲填报", REVIEWER: "评估组甲", TRAINER: "王老师"}


def test_every_role_s_pages_have_no_serious_axe_violation(
    browser, shared_app: tuple[AppServer, Store], artifacts_dir: Path
) -> None:
    """共享模式: every page in the menu of each role (管理员, 填报人, 评估组, 培训师, 学员 and
    signed out), opened on an assessment that role works on."""
    srv, store = shared_app
    ids = _seed_shared(store)
    rubric = load_rubric()
    shots = artifacts_dir / "a11y"
    shots.mkdir(exist_ok=True)
    found: dict[str, list[dict]] = {}
    for role in ROLES:
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, bypass_csp=True, locale="zh-CN"
        )
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        aid = ids["practice"] if role == TRAINER else ids["unit"]
        if role == TRAINEE:
            aid = _join(page, srv.url, "学员乙")
        elif role != routes.SIGNED_OUT:
            _login(page, srv.url, NAMES[role])
        for section in routes.sections(rubric, role).values():
            for route in section:
                url = f"{srv.url}/{route.url_path}"
                name = f"{role}_{route.url_path or 'home'}"
                try:
                    if role == routes.SIGNED_OUT:
                        page.goto(url)
                        page.get_by_role("button", name=re.compile("^登录$")).wait_for()
                        _settle(page)
                    else:
                        _open(page, f"{url}?a={aid}")
                except PlaywrightError as exc:  # no h1: a refusal, not the page
                    page.screenshot(path=str(shots / f"{name}.png"))
                    found[f"{role} {route.title}"] = [{"id": "not-drawn", "help": str(exc)}]
                    continue
                page.screenshot(path=str(shots / f"{name}.png"))
                violations = axe_violations(page)
                if violations:
                    found[f"{role} {route.title}"] = violations
        context.close()
    (shots / "violations_shared.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)[:6000]
