"""One Store and one journal replayer per server process, shared by the lifespan and the pages;
a malformed journal file is moved aside once, audited and shown to an administrator
(issue 20.9)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan import runtime
from jiguan.accounts import ADMIN, COMMAND_LINE
from jiguan.journal import Journal
from jiguan.replay import BAD_ACTION
from jiguan.web import lifespan
from pages.common import state
from tests.app_support import HARNESS

PASSWORD = "一个足够长的密码123"
READY = "另一个足够长的密码456"


def _replayers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "jiguan-journal" and t.is_alive()]


def test_the_lifespan_and_the_pages_share_one_store_and_one_replayer(data_dir: Path) -> None:
    runtime.close()  # what earlier tests of this process left
    assert _replayers() == []

    async def serve() -> tuple[object, object]:
        async with lifespan(object()):
            served = runtime.held()
            at = await asyncio.to_thread(lambda: AppTest.from_file(HARNESS, default_timeout=60))
            await asyncio.to_thread(at.run)
            assert not at.exception, at.exception
            assert len(_replayers()) == 1
            return served, state.saving()

    served, pages = asyncio.run(serve())
    assert pages is served  # the pages' store, journal and replayer are the lifespan's
    assert _replayers() == []  # stopped at the lifespan's end


def _bad_file(journal_dir: Path) -> Path:
    pending = journal_dir / "pending"
    pending.mkdir(parents=True, exist_ok=True)
    path = pending / "00000000000000000001-1-000001.json"
    path.write_text("{ 这不是 JSON", encoding="utf-8")
    return path


def test_a_malformed_journal_file_is_moved_aside_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = _bad_file(tmp_path)
    seen: list[tuple[str, str]] = []
    journal = Journal(tmp_path, on_bad=lambda name, reason: seen.append((name, reason)))
    with caplog.at_level(logging.WARNING, logger="jiguan.journal"):
        for _ in range(3):
            assert journal.pending() == []
    assert not bad.exists()
    assert [p.name for p in journal.bad()] == [f"pending-{bad.name}"]  # where it was found
    assert [name for name, _ in seen] == [f"pending-{bad.name}"]  # once, not at every look
    assert len(caplog.records) == 1 and caplog.records[0].exc_info is None
    assert Journal(tmp_path).pending() == []  # another process finds nothing left


def test_a_malformed_journal_file_is_audited_and_shown_to_the_administrator(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.close()
    bad = _bad_file(data_dir / "journal")
    store = runtime.store()
    deadline = time.monotonic() + 15
    while not store.users.audit_log(action=BAD_ACTION) and time.monotonic() < deadline:
        time.sleep(0.2)
    (entry,) = store.users.audit_log(action=BAD_ACTION)
    assert bad.name in entry.target

    monkeypatch.setenv("JIGUAN_MODE", "shared")
    users = store.users
    admin = users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    users.change_password(admin.id, PASSWORD, READY)
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    at.text_input(key="login.name").set_value("管理员")
    at.text_input(key="login.password").set_value(READY)
    at.button(key="FormSubmitter:login-登录").click().run()
    at.session_state["goto"] = "audit-log"
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(w.value for w in at.warning)
    assert "journal/bad" in shown and "1 个" in shown
    runtime.close()
