"""Who is calling: roles, passwords (argon2), lockout and session expiry (issue 13).

Plain values and rules; the tables are in `jiguan.store.users`, the scope each role has in
`jiguan.store.scoped`. Nothing here imports streamlit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from jiguan.errors import StoreError
from jiguan.limits import MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS

ADMIN, FILLER, REVIEWER, TRAINER, LOCAL = "admin", "filler", "reviewer", "trainer", "local"
TRAINEE = "trainee"  # joined a workshop with its code: no account, practice only
ROLE_LABELS = {ADMIN: "管理员", FILLER: "填报人", REVIEWER: "评估组", TRAINER: "培训师"}
CALLER_LABELS = {**ROLE_LABELS, TRAINEE: "学员"}

SESSION_IDLE = timedelta(hours=2)  # no activity: log in again
SESSION_MAX = timedelta(hours=12)  # a working day, however active

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AccountError(StoreError):
    """A Chinese message for the person at the login or account form."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a store call is made for. ``LOCAL_CALLER`` in 单机模式 may do everything."""

    name: str
    role: str
    user_id: int | None = None
    address: str = ""
    workshop: str = ""  # a TRAINEE's workshop code (the practice profile key 培训班)

    @property
    def all_powerful(self) -> bool:
        return self.role in (ADMIN, LOCAL)


LOCAL_CALLER = Caller("本机用户", LOCAL)
# `python -m jiguan user …` runs on the server, as whoever may open its database: all-powerful,
# explicitly (the domain checks every other caller's role itself).
COMMAND_LINE = Caller("命令行", LOCAL)
LOOPBACK_ADDRESS = "127.0.0.1"  # what the audit log says for a client on this machine


def _ip(text: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip()) if isinstance(text, str) else None
    except ValueError:
        return None


def client_address(
    peer: object, real_ip: Sequence[str] = (), forwarded_for: Sequence[str] = ()
) -> str:
    """The address an audit entry records for a browser's connection.

    Args:
        peer: the connection's own address as Streamlit reports it (``st.context.ip_address``),
            None for a loopback client; anything that is not an IP address counts as local.
        real_ip: the ``X-Real-IP`` header values; our nginx (deploy/) sets it to the browser's
            address, replacing whatever the browser sent.
        forwarded_for: the ``X-Forwarded-For`` header values; a proxy appends the address it
            saw, so only the last hop is its own word.

    Returns:
        ``peer`` when it is a network address. A local peer is this machine or our proxy: then
        the address the proxy reports (``X-Real-IP``, else the last hop of
        ``X-Forwarded-For``), else ``LOOPBACK_ADDRESS``. The headers are believed only from a
        local peer: anyone who connects directly can send them.
    """
    address = _ip(peer)
    if address is not None and not address.is_loopback:
        return str(address)
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for reported in (real_ip[-1:], hops[-1:]):
        address = _ip(reported[0]) if reported else None
        if address is not None:
            return str(address)
    return LOOPBACK_ADDRESS


def check_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise AccountError("用户名不能为空")
    if len(name) > MAX_NAME_CHARS:
        raise AccountError(f"用户名过长：最多 {MAX_NAME_CHARS} 个字")
    if any(ord(ch) < 32 for ch in name):
        raise AccountError("用户名含有控制字符")
    return name


def check_role(role: str) -> str:
    if role not in ROLE_LABELS:
        raise AccountError(f"没有「{role}」这一角色，可选：{'、'.join(ROLE_LABELS)}")
    return role


def check_password(password: str, name: str = "") -> str:
    """Refuse a password too short, too long or equal to the user name."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"密码至少 {MIN_PASSWORD_CHARS} 个字符")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码最多 {MAX_PASSWORD_CHARS} 个字符")
    if name and password.strip().lower() == name.strip().lower():
        raise AccountError("密码不能与用户名相同")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or damaged hash."""
    if not stored_hash or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_expired(logged_in: datetime, last_seen: datetime, now: datetime) -> bool:
    return now - last_seen > SESSION_IDLE or now - logged_in > SESSION_MAX
