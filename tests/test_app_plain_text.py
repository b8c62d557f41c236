"""User-typed text is shown as plain text on every page: markdown, HTML and LaTeX put into
every field (unit, round, profile, evidence, note, file name, 当前填写人, the panel's reasons
and site notes, the conflict box; and on the administrator's pages
of 共享模式 user names, unit names, workshop codes and names, trainees' names, audit targets
and details) come back inert (issue 13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, TRAINER, Caller
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.samples import load_samples
from jiguan.scoring import Answer
from jiguan.store import Store
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from pages.common import routes
from tests.app_support import goto, start

PAYLOAD = "![x](http://evil.example/t.png)**粗**<img src=x>$x^2$:red[红]"
# What any of those turns into when markdown, HTML or LaTeX is interpreted: the raw forms
# must never reach a markdown body unescaped.
# (An escaped "\\<img" is inert: hence the look-behind.)
RAW = re.compile(r"!\[x\]\(|\*\*粗\*\*|(?<!\\)<img|\$x\^2\$|:red\[")
PDF = b"%PDF-1.7\n%%EOF\n"


def _bodies(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "error",
        "warning",
        "info",
        "success",
        "toast",
    ):
        out += [str(e.value) for e in at.get(kind)]
    out += [str(e.label) for e in at.get("expander")]
    out += [str(e.label) for e in at.button]
    return out


@pytest.fixture
def hostile(other_store: Store, rubric: Rubric) -> int:
    info = other_store.create_assessment(
        "局" + PAYLOAD,
        "轮" + PAYLOAD,
        profile={"填表人": "人" + PAYLOAD, "联系方式": "电" + PAYLOAD, "评估日期": PAYLOAD},
    )
    for cid in list(rubric.criteria)[:6]:
        criterion = rubric.criteria[cid]
        value = 3 if criterion.kind == "count" else "yes"
        other_store.save_answer(
            info.id,
            cid,
            Answer(value, evidence="证" + PAYLOAD, note="注" + PAYLOAD),
            expected_version=0,
            user="名" + PAYLOAD,
        )
        other_store.add_file(info.id, cid, "文件" + PAYLOAD + ".pdf", PDF, user="名" + PAYLOAD)
        if criterion.kind != "count":  # the panel's reasons and site notes (正式评估 pages)
            verdict = Verdict("no", None, "理" + PAYLOAD, "场" + PAYLOAD)
            other_store.reviews.save_verdict(
                info.id, cid, verdict, expected_version=0, user="审" + PAYLOAD
            )
    other_store.duplicate_assessment(info.id, "二轮" + PAYLOAD, user="名" + PAYLOAD)
    return info.id


def test_every_page_shows_user_text_as_plain_text(
    data_dir: Path, hostile: int, rubric: Rubric
) -> None:
    at = start()
    routes_shown = (*routes.MAIN_ROUTES, *routes.REVIEW_ROUTES, *routes.TRAINING_ROUTES)
    url_paths = [r.url_path for r in routes_shown]
    url_paths += [routes.item_url(i) for i in range(len(rubric.items))]
    seen_payload = False
    for url_path in url_paths:
        goto(at, url_path)
        for body in _bodies(at):
            assert not RAW.search(body), (url_path, body)
            seen_payload |= "evil" in body
    assert seen_payload  # the text was shown somewhere, escaped


PASSWORD = "一个足够长的密码123"
READY = "另一个足够长的密码456"


def _shown_as_text(at: AppTest) -> str:
    """What plain-text elements show (st.text, table cells, select options): never markdown."""
    out = [str(e.value) for e in at.get("text")]
    out += [frame.value.to_csv() for frame in at.dataframe]
    out += [o for box in at.selectbox for o in box.options]
    return "\n".join(out)


@pytest.fixture
def hostile_accounts(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, other_store: Store, rubric: Rubric
) -> dict[str, str]:
    """共享模式 with an administrator, a unit's user, a trainer, a workshop, a trainee who
    joined it and audit entries, every name and text of them holding the payload."""
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    users = other_store.users
    admin = users.add("管" + PAYLOAD, ADMIN, PASSWORD, by=COMMAND_LINE)
    users.change_password(admin.id, PASSWORD, READY)
    filler = users.add("填" + PAYLOAD, FILLER, PASSWORD, unit="局" + PAYLOAD, by=COMMAND_LINE)
    users.assign(filler.id, "乙局" + PAYLOAD, by=admin.caller("10.0.0.1"))
    trainer = users.add("师" + PAYLOAD, TRAINER, PASSWORD, by=COMMAND_LINE).caller("10.0.0.2")
    code = "班" + PAYLOAD
    workshops = other_store.workshops
    workshops.open(trainer, code, "名" + PAYLOAD, datetime.now(UTC) + timedelta(days=1))
    trainee = workshops.join(code, "学员" + PAYLOAD, "10.0.0.3")
    sample = load_samples(rubric)[0]
    profile = {PROFILE_SAMPLE: sample.id, PROFILE_WORKSHOP: code, PROFILE_TRAINEE: trainee.name}
    practice = other_store.create_assessment(
        f"【示例】{sample.unit}", f"练习 · {trainee.name}", profile=profile
    )
    other_store.replace_answers(practice.id, dict(sample.sheet), user=trainee.name)
    users.record(Caller("人" + PAYLOAD, "none"), "登录失败", "人" + PAYLOAD, "详" + PAYLOAD)
    users.record(admin.caller(), "导出答题表", "对象" + PAYLOAD, "详情" + PAYLOAD)
    return {"admin": admin.name, "filler": filler.name, "filler_id": filler.id, "code": code}


def test_administrator_pages_show_user_text_as_plain_text(hostile_accounts: dict) -> None:
    at = start()
    at.text_input(key="login.name").set_value(hostile_accounts["admin"])
    at.text_input(key="login.password").set_value(READY)
    at.button(key="FormSubmitter:login-登录").click().run()
    assert not at.exception, at.exception
    assert not [w for w in at.text_input if w.key == "login.name"]  # logged in

    def check(url_path: str, *shown: str) -> None:
        for body in _bodies(at):
            assert not RAW.search(body), (url_path, body)
        plain_text = _shown_as_text(at) + "\n".join(_bodies(at)).replace("\\", "")
        for text in shown:  # the hostile text was drawn, inert
            assert text + PAYLOAD in plain_text, (url_path, text)

    goto(at, "accounts")
    check("accounts", "管", "填", "局", "乙局", "师")
    at.selectbox(key="admin.pick").set_value(hostile_accounts["filler"]).run()
    assert not at.exception, at.exception
    check("accounts", "填", "局", "乙局")
    at.button(key=f"admin.disable.{hostile_accounts['filler_id']}").click().run()
    assert not at.exception, at.exception
    assert any("已停用账户" in m.value for m in at.success)
    check("accounts", "填")  # the message naming the account
    goto(at, "audit-log")
    check("audit-log", "管", "人", "详", "对象", "详情", "学员", "班")
    goto(at, "workshops")
    check("workshops", "班", "名", "师")
    goto(at, "workshop-room")
    check("workshop-room", "班")
    at.checkbox(key="workshop.confirm").check().run()
    at.button(key="workshop.reset").click().run()
    assert not at.exception, at.exception
    assert any("已清除培训班" in m.value for m in at.success)
    check("workshop-room", "班")  # the message naming the workshop
    goto(at, "workshops")
    (close,) = [b for b in at.button if (b.key or "").startswith("ws.close.")]
    close.click().run()
    assert not at.exception, at.exception
    assert any("已结束" in m.value for m in at.success)
    check("workshops", "班")  # the message naming the workshop


def test_a_trainee_sees_their_own_name_as_plain_text(hostile_accounts: dict) -> None:
    at = start()
    at.text_input(key="join.code").set_value(hostile_accounts["code"])
    at.text_input(key="join.name").set_value("学员" + PAYLOAD)
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception

    def check(where: str) -> None:
        bodies = _bodies(at)
        for body in bodies:
            assert not RAW.search(body), (where, body)
        assert "学员" + PAYLOAD in "\n".join(bodies).replace("\\", ""), where

    goto(at, "practise")  # the trainee's first page is a redirect AppTest does not follow
    check("示例练习, practising")  # rejoining opens the practice the fixture made for this name
    for url_path in ("criteria-guide", routes.item_url(0)):
        goto(at, url_path)
        check(url_path)


def test_the_conflict_box_names_the_other_person_as_plain_text(
    data_dir: Path, other_store: Store
) -> None:
    """A 当前填写人 of ``![p](http://…)`` saved while I typed: the conflict box names them
    without making my browser fetch anything."""
    from tests.app_support import answer, create, open_evidence, run, sess

    at = create(start(data_dir))
    goto(at, "item1")
    aid = sess(at).aid
    answer(at, "1.1", "yes")
    open_evidence(at, "1.1")
    other_store.save_answer(
        aid, "1.1", Answer("yes", evidence="别人的"), expected_version=1, user="名" + PAYLOAD
    )
    at.text_area(key="ev.1.1").set_value("我的佐证").run()
    run(at)
    assert "mine.1.1" in [b.key for b in at.button]  # the conflict box is drawn
    for body in _bodies(at):
        assert not RAW.search(body), body
