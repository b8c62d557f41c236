"""Driving the app with AppTest (public API only): start, open a page, answer, read back.

After a click answer the app reruns only some fragments, and AppTest's tree then holds just
what they drew; helpers that read the page run it in full first, as a browser would show it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan import PROJECT_ROOT
from jiguan.accounts import COMMAND_LINE
from jiguan.rubric import Rubric
from jiguan.store import Store, database_url, default_files_dir
from pages.common.session import KEY, Session

HARNESS = str(PROJECT_ROOT / "tests" / "harness_app.py")
UNIT = "某某市机关事务管理局"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGUAN_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def other_store(data_dir: Path, rubric: Rubric) -> Store:
    """A second connection to the app's database: a colleague, or the test's own eyes."""
    store = Store(database_url(), rubric, files_dir=default_files_dir())
    store.migrate()
    yield store
    store.close()


def start(data_dir: Path | None = None) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def sess(at: AppTest) -> Session:
    return at.session_state[KEY]


def create(at: AppTest, unit: str = UNIT) -> AppTest:
    at.text_input(key="new.unit").set_value(unit)
    at.button(key="FormSubmitter:new-开始自评").click().run()
    assert not at.exception, at.exception
    assert sess(at).aid is not None
    return at


def goto(at: AppTest, url_path: str) -> AppTest:
    """Open a page by its url path, as a link does."""
    at.session_state["goto"] = url_path
    at.run()
    assert not at.exception, at.exception
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def answer(at: AppTest, cid: str, value: object, *, points: float | None = None) -> AppTest:
    """Answer one criterion the way a user does, then show the whole page again."""
    kind = "number_input" if isinstance(value, int) or value is None else "button_group"
    if f"ans.{cid}" not in [w.key for w in getattr(at, kind)]:
        run(at)
    getattr(at, kind)(key=f"ans.{cid}").set_value(value).run()
    assert not at.exception, at.exception
    if points is not None:
        run(at)
        at.button_group(key=f"pts.{cid}").set_value(points).run()
        assert not at.exception, at.exception
    return run(at)


def open_evidence(at: AppTest, cid: str) -> AppTest:
    """Open a criterion's 佐证材料与备注 block (drawn only while open), as a click does."""
    at.session_state[f"open.{cid}"] = True
    return run(at)


def sidebar_total(at: AppTest) -> str:
    return at.sidebar.metric[0].value


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def flagged_count(at: AppTest) -> int:
    m = re.search(r"待处理指标 (\d+) 个", sidebar_text(at))
    return int(m.group(1)) if m else 0


def indicator_score(at: AppTest, ind_id: int) -> str:
    values = [md.value for md in at.main.markdown]
    start_at = next(i for i, v in enumerate(values) if v.startswith(f"**指标 {ind_id}**"))
    for v in values[start_at + 1 :]:
        m = re.fullmatch(r"#### (.+) 分", v.replace("\u00a0", " "))
        if m:
            return m.group(1)
    raise AssertionError(f"no score shown for indicator {ind_id}")


def indicator_flags(at: AppTest, ind_id: int) -> str:
    """The badge line under an indicator's text: its 评估方式 and its flags (the tool's
    evidence hint, in small print, follows it)."""
    values = [md.value for md in at.main.markdown]
    head = next(v for v in values if v.startswith(f"**指标 {ind_id}**"))
    return [line for line in head.split("\n") if not line.startswith(":small[")][-1]


def item_metric(at: AppTest) -> str:
    return next(m.value for m in at.main.metric if m.label == "本项得分")


def wait_until(condition, seconds: float = 15.0) -> bool:
    """Wait for something another thread does (the journal's replayer), polling."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


ACCOUNT_PASSWORD = "另一个足够长的密码456"


def add_account(store: Store, name: str, role: str, unit: str | None = None) -> int:
    """An account (共享模式) that has changed its first password to ``ACCOUNT_PASSWORD``."""
    users = store.users
    info = users.add(name, role, "一个足够长的密码123", unit=unit, by=COMMAND_LINE)
    users.change_password(info.id, "一个足够长的密码123", ACCOUNT_PASSWORD)
    return info.id


def login(name: str) -> AppTest:
    """A fresh browser session signed in as ``name`` (see `add_account`)."""
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    at.text_input(key="login.name").set_value(name)
    at.text_input(key="login.password").set_value(ACCOUNT_PASSWORD)
    at.button(key="FormSubmitter:login-登录").click().run()
    assert not at.exception, at.exception
    account = sess(at).account  # signed in: what the caller checks is that account's view
    assert account is not None and account.name == name, [e.value for e in at.error]
    assert not [w for w in at.text_input if w.key == "login.name"]
    return at
