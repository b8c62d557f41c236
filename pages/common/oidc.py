"""Optional sign-in through the organisation's identity provider (OIDC), with Streamlit's own
`st.login` (issue 13).

Configured as Streamlit documents it, in ``.streamlit/secrets.toml``: an ``[auth]`` section with
``redirect_uri`` (the app's address + ``/oauth2callback``), ``cookie_secret``, and either
``client_id``/``client_secret``/``server_metadata_url`` (one provider) or one ``[auth.NAME]``
section per provider. Without it nothing here shows and nothing is fetched.

The provider only vouches for who the person is. What they may do comes from an account of the
same name (the e-mail, unless the provider says it is unverified, else the user name, else the
subject id), which an administrator opens for the provider first: `python -m jiguan user add
--oidc NAME` (an account without a password; accounts with a password never sign in this way).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.errors import StreamlitAuthError

SINGLE = "（默认）"  # the provider of a top-level [auth] section


def providers() -> list[str]:
    """The configured providers: `SINGLE` for a top-level one, else the [auth.NAME] names."""
    try:
        auth = st.secrets["auth"]
    except (KeyError, FileNotFoundError):
        return []
    if not isinstance(auth, Mapping):
        return []
    named = [k for k, v in auth.items() if isinstance(v, Mapping)]
    return [SINGLE, *named] if "client_id" in auth else named


def identity() -> str | None:
    """The e-mail or user name the provider reported for this browser (None: not signed in)."""
    if not providers() or not st.user.get("is_logged_in", False):
        return None
    for claim in ("email", "preferred_username", "sub"):
        if claim == "email" and st.user.get("email_verified") is False:
            continue  # the provider itself says it has not checked this address
        value = st.user.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def login_buttons() -> None:
    """「使用统一身份认证登录」, one per configured provider."""
    for name in providers():
        label = "使用统一身份认证登录" + ("" if name == SINGLE else f"（{name}）")
        if st.button(label, key=f"oidc.{name}", icon=":material/badge:"):
            try:
                st.login(None if name == SINGLE else name)
            except StreamlitAuthError as exc:  # Streamlit checks the file, and says so in English
                st.error(
                    "统一身份认证的配置不完整，请管理员检查 `.streamlit/secrets.toml` 的"
                    " [auth] 部分"
                    f"（redirect_uri、cookie_secret、client_id、client_secret、server_metadata_url）。"
                    f"详细信息：{' '.join(str(exc).split())}",
                    icon=":material/settings:",
                )


def logout() -> None:
    """Also end the provider's sign-in in this browser (Streamlit's identity cookie)."""
    if providers() and st.user.get("is_logged_in", False):
        st.logout()
