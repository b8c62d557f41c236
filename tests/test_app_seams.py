"""Where two features meet (issue 20): bad ?a= ids, trainee names, the downloads of 共享模式."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, TRAINER
from jiguan.store import Store
from jiguan.store.scoped import DENIED
from tests.app_support import HARNESS, sess
from tests.store_support import pg_schema_url

PASSWORD = "一个足够长的密码123"
BAD_IDS = ["2147483648", "abc", "-1", "99999999999999999999", "0", "1e3"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    if request.param == "sqlite":
        yield
        return
    with pg_schema_url() as url:
        monkeypatch.setenv("JIGUAN_DATABASE_URL", url)
        yield


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _login(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login.name").set_value(name)
    at.text_input(key="login.password").set_value(password)
    at.button(key="FormSubmitter:login-登录").click().run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


@pytest.mark.parametrize("wanted", BAD_IDS)
def test_a_bad_id_in_standalone_mode_reads_like_a_missing_one(backend: None, wanted: str) -> None:
    at = _open({"a": wanted})
    assert not at.exception, at.exception
    missing = _open({"a": "999"})
    assert _errors(at) == _errors(missing)
    assert sess(at).aid is None
    assert [w for w in at.text_input if w.key == "new.unit"]  # 首页, as for any unknown id


@pytest.mark.parametrize("wanted", BAD_IDS)
def test_a_bad_id_in_shared_mode_is_refused_like_a_foreign_one(
    backend: None, wanted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    at0 = _open()  # migrates the database
    assert not at0.exception, at0.exception
    store = Store.from_environment(_rubric())
    try:
        users = store.users
        users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
        filler = users.add("甲填报", FILLER, "临时的密码临时的密码", unit="甲局", by=COMMAND_LINE)
        users.change_password(filler.id, "临时的密码临时的密码", PASSWORD)
    finally:
        store.close()
    at = _login(_open({"a": wanted}), "甲填报")
    assert not at.exception, at.exception
    assert DENIED in _errors(at)
    assert sess(at).aid is None


def _rubric():
    from jiguan.runtime import rubric

    return rubric()


@pytest.mark.parametrize("length", [96, 100])
def test_a_trainee_name_too_long_for_a_practice_is_refused_at_join(
    length: int, data_dir: Path, other_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    users = other_store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    trainer = users.add("培训师", TRAINER, PASSWORD, by=COMMAND_LINE)
    other_store.workshops.open(
        trainer.caller(), "CODE1234", "一期", datetime.now(UTC) + timedelta(days=1)
    )
    at = _open()
    at.text_input(key="join.code").set_value("CODE1234")
    at.text_input(key="join.name").set_value("名" * length)
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception
    assert sess(at).account is None
    assert "姓名过长" in _errors(at) and "最多" in _errors(at)
