"""Optional sign-in through an identity provider (pages/common/oidc.py, `st.login`), tested as
far as it can be without a provider: the buttons follow `.streamlit/secrets.toml`'s [auth]
section, the provider's identity maps only to an account an administrator opened (both
backends), and the CLI opens password-less accounts for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, AccountError
from jiguan.rubric import load_rubric
from jiguan.store import Store
from tests import store_support
from tests.app_support import HARNESS
from tests.test_cli import run

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store
PASSWORD = "一个足够长的密码123"
PROVIDER = {
    "client_id": "jiguan",
    "client_secret": "secret",
    "server_metadata_url": "https://sso.example.gov.cn/.well-known/openid-configuration",
}
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "a-long-random-secret-for-the-identity-cookie",
}


def _login_page(monkeypatch: pytest.MonkeyPatch, other_store: Store, auth: dict | None) -> AppTest:
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    at = AppTest.from_file(HARNESS, default_timeout=60)
    if auth is not None:
        at.secrets["auth"] = auth
    at.run()
    assert not at.exception, at.exception
    return at


def _oidc_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("oidc.")]


def test_no_provider_configured_no_button(
    monkeypatch: pytest.MonkeyPatch, other_store: Store, data_dir: Path
) -> None:
    at = _login_page(monkeypatch, other_store, None)
    assert [w for w in at.text_input if w.key == "login.name"]  # the password login is there
    assert _oidc_buttons(at) == []


def test_one_provider_one_button(
    monkeypatch: pytest.MonkeyPatch, other_store: Store, data_dir: Path
) -> None:
    at = _login_page(monkeypatch, other_store, {**AUTH, **PROVIDER})
    assert _oidc_buttons(at) == ["使用统一身份认证登录"]
    assert [w for w in at.text_input if w.key == "login.name"]  # beside, not instead


def test_named_providers_one_button_each(
    monkeypatch: pytest.MonkeyPatch, other_store: Store, data_dir: Path
) -> None:
    at = _login_page(monkeypatch, other_store, {**AUTH, "省政务": PROVIDER, "本局": PROVIDER})
    assert sorted(_oidc_buttons(at)) == sorted(
        ["使用统一身份认证登录（省政务）", "使用统一身份认证登录（本局）"]
    )


def test_the_provider_identity_needs_an_account(store: Store) -> None:
    users = store.users
    admin = users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    sso = users.add("zhang.san@jgj.example.gov.cn", FILLER, None, unit="甲局", by=COMMAND_LINE)
    assert not sso.must_change  # no password to change
    assert users.oidc_login(" zhang.san@jgj.example.gov.cn ").id == sso.id
    with pytest.raises(AccountError, match="未在本系统开通"):
        users.oidc_login("管理员")  # a password account (an administrator's!) never signs in so
    with pytest.raises(AccountError, match="未在本系统开通"):
        users.oidc_login("li.si@jgj.example.gov.cn")  # known to the provider only
    with pytest.raises(AccountError, match="用户名或密码不正确"):
        users.login("zhang.san@jgj.example.gov.cn", "")  # no password, no password login
    users.set_disabled(sso.id, True, by=admin.caller())
    with pytest.raises(AccountError, match="已停用"):
        users.oidc_login("zhang.san@jgj.example.gov.cn")


def test_cli_opens_an_account_for_the_provider(tmp_path: Path) -> None:
    env = {"JIGUAN_DATA_DIR": str(tmp_path)}
    code, out, err = run("user", "add", "--oidc", "--unit", "甲局", "wang@jgj.example", env=env)
    assert code == 0, err
    assert "用统一身份认证登录" in out
    db = Store(f"sqlite:///{tmp_path / 'jiguan.db'}", load_rubric(), files_dir=tmp_path / "f")
    try:
        info = db.users.oidc_login("wang@jgj.example")
        assert (info.role, info.units, info.must_change) == (FILLER, ("甲局",), False)
    finally:
        db.close()


def test_the_button_hands_over_to_st_login_and_a_bad_config_is_told_in_chinese(
    monkeypatch: pytest.MonkeyPatch, other_store: Store, data_dir: Path
) -> None:
    """The click calls `st.login`, which re-reads `.streamlit/secrets.toml` from disk. AppTest's
    secrets are not a file, so Streamlit refuses here exactly as it does for an incomplete file
    on a server: the page says so in Chinese, names the file and keys, and stays usable."""
    at = _login_page(monkeypatch, other_store, {**AUTH, **PROVIDER})
    next(b for b in at.button if b.key == "oidc.（默认）").click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "统一身份认证的配置不完整" in errors and "secrets.toml" in errors
    assert [w for w in at.text_input if w.key == "login.name"]
