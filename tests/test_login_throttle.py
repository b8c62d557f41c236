"""Sign-in throttling (issue 21): an atomic count of attempts that concurrent requests cannot
bypass, a progressive delay that an attacker cannot turn against the account's owner, the
same answer for known and unknown names, an unlock command; the same throttle on 修改密码 and
workshop join codes, and join codes of at least 40 bits."""

from __future__ import annotations

import math
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from jiguan import accounts
from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, TRAINER, AccountError
from jiguan.store import Store, StoreError, StoreUnavailable
from jiguan.store.workshops import CODE_ALPHABET, JOIN_REFUSED
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store
PASSWORD = "一个足够长的密码123"
WRONG = "错误的密码错误的密码"
WRONG_ANSWER = "用户名或密码不正确"


def _batch(store: Store, attempts: list[tuple[str, str, str]]) -> list[str]:
    """Every (name, password, address) at once, one thread each; what each got back."""
    start = threading.Barrier(len(attempts))
    answers: list[str] = [""] * len(attempts)

    def attempt(i: int, name: str, password: str, address: str) -> None:
        users = store.users
        start.wait()
        try:
            users.login(name, password, **({"address": address} if address else {}))
            answers[i] = "signed in"
        except StoreUnavailable:  # a machine too loaded to answer in time: still refused
            answers[i] = "busy"
        except StoreError as exc:  # AccountError
            answers[i] = str(exc)

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_wrong_passwords_are_all_counted(store: Store) -> None:
    """20 wrong passwords at once: only the free attempts are checked at all, the rest are
    told to wait; the right password at the same moment does not sign in."""
    store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    began = datetime.now(UTC)
    answers = _batch(store, [("管理员", WRONG, "")] * 20)
    assert Counter(answers)[WRONG_ANSWER] <= 5, answers
    assert all(a in (WRONG_ANSWER, "busy") or "秒后再试" in a for a in answers), answers
    with pytest.raises(AccountError, match="秒后再试"):  # all 20 counted: a wait is due
        store.users.login("管理员", PASSWORD, at=began + timedelta(milliseconds=500))


def test_a_batch_of_guesses_with_the_right_one_signs_in_only_within_the_free_attempts(
    store: Store,
) -> None:
    store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    answers = _batch(store, [("管理员", WRONG, "")] * 29 + [("管理员", PASSWORD, "")])
    assert Counter(answers)[WRONG_ANSWER] + answers.count("signed in") <= 5, answers


def test_an_attacker_cannot_lock_the_owner_out(store: Store) -> None:
    """An attacker at 10.6.6.6 guesses the administrator's password, a guess every 10 minutes:
    that address then waits longer and longer; the owner at their own desk waits at most a
    minute, never 15."""
    users = store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    at = datetime.now(UTC)
    for _ in range(12):
        at += timedelta(minutes=10)
        with pytest.raises(AccountError, match=WRONG_ANSWER):
            users.login("管理员", WRONG, address="10.6.6.6", at=at)
    at += timedelta(seconds=1)
    with pytest.raises(AccountError, match="秒后再试") as attacker:
        users.login("管理员", PASSWORD, address="10.6.6.6", at=at)
    assert _seconds(attacker.value) > 60
    with pytest.raises(AccountError, match="秒后再试") as owner:
        users.login("管理员", PASSWORD, address="10.1.1.1", at=at)
    assert _seconds(owner.value) <= 60
    at += timedelta(seconds=60)
    assert users.login("管理员", PASSWORD, address="10.1.1.1", at=at).name == "管理员"
    with pytest.raises(AccountError, match="秒后再试"):  # the attacker still waits
        users.login("管理员", PASSWORD, address="10.6.6.6", at=at)


def _seconds(exc: BaseException) -> int:
    return int("".join(c for c in str(exc) if c.isdigit()))


def test_unknown_and_known_names_get_the_same_answers_and_the_same_work(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown name, a known one, throttled or not: the same answers, and every attempt
    pays one password verification (argon2), so neither the words nor the time tell whether
    the name exists. Counted, not timed: a timing ratio flaked on a loaded machine."""
    users = store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    verified: list[str | None] = []
    real_verify = accounts.verify_password

    def counting_verify(stored_hash: str | None, password: str) -> bool:
        verified.append(stored_hash)
        return real_verify(stored_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting_verify)

    def answers(name: str, address: str) -> tuple[list[str], int]:
        out, at = [], datetime.now(UTC)
        before = len(verified)
        for _ in range(8):
            try:  # all at one moment: the answers do not depend on how fast this machine is
                users.login(name, WRONG, address=address, at=at)
            except AccountError as exc:
                out.append("".join(c for c in str(exc) if not c.isdigit()))
        return out, len(verified) - before

    known, known_work = answers("管理员", "10.2.0.1")
    unknown, unknown_work = answers("没有这个人", "10.2.0.2")
    assert known == unknown
    assert any("秒后再试" in a for a in known)  # the throttled answers are among them
    assert known_work == unknown_work == 8  # a throttled answer still costs a verify
    assert all(h for h in verified)  # an unknown name is verified against a real hash


def test_user_unlock_clears_the_delay(store: Store, db_url: str, monkeypatch) -> None:
    from jiguan.cli import main

    users = store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    for _ in range(8):
        with pytest.raises(AccountError):
            users.login("管理员", WRONG, address="10.3.3.3")
    monkeypatch.setenv("JIGUAN_DATABASE_URL", db_url)
    assert main(["user", "unlock", "管理员"]) == 0
    assert users.login("管理员", PASSWORD, address="10.3.3.3").name == "管理员"
    assert main(["user", "unlock", "没有这个人"]) == 2
    assert [e.action for e in users.audit_log(action="解除登录限制")] == ["解除登录限制"]


def test_password_change_guesses_are_throttled_and_audited(store: Store) -> None:
    users = store.users
    info = users.add("甲填报", FILLER, PASSWORD, by=COMMAND_LINE)
    answers, at = [], datetime.now(UTC)
    for _ in range(7):
        try:
            users.change_password(info.id, WRONG, "新的足够长的密码789", address="10.4.4.4", at=at)
        except AccountError as exc:
            answers.append(str(exc))
    assert answers[:5] == ["原密码不正确"] * 5
    assert all("秒后再试" in a for a in answers[5:])
    failures = users.audit_log(action="修改密码失败")
    assert len(failures) == 7 and {e.address for e in failures} == {"10.4.4.4"}
    with pytest.raises(AccountError, match="秒后再试"):  # not even the right old password now
        users.change_password(info.id, PASSWORD, "新的足够长的密码789", address="10.4.4.4", at=at)
    assert users.login("甲填报", PASSWORD, address="10.5.5.5").name == "甲填报"  # unchanged


def test_workshop_codes_are_long_typeable_and_guesses_are_throttled(store: Store) -> None:
    trainer = store.users.add("王老师", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    until = datetime.now(UTC) + timedelta(days=1)
    workshops = store.workshops
    codes = {workshops.open(trainer, None, f"班{n}", until).code for n in range(20)}
    assert len(codes) == 20
    for code in codes:
        bare = code.replace("-", "")
        assert len(bare) * math.log2(len(CODE_ALPHABET)) >= 40
        assert not set(bare) & set("0O1IL")
    code = sorted(codes)[0]
    typed = code.lower().replace("-", " ")  # as a trainee types it from the projector
    assert workshops.join(typed, "小王", "10.7.7.7").workshop == code
    old = workshops.open(trainer, "NJ-2026", "旧式代码", until)  # chosen codes keep working
    assert workshops.join(old.code, "小李", "10.7.7.7").workshop == "NJ-2026"
    refusals, at = [], datetime.now(UTC)
    for n in range(25):
        try:
            workshops.join(f"猜-{n}", "猜的人", "10.8.8.8", at=at)
        except AccountError as exc:
            refusals.append(str(exc))
    assert refusals[:20] == [JOIN_REFUSED] * 20
    assert all("秒后再试" in r for r in refusals[20:])
    with pytest.raises(AccountError, match="秒后再试"):  # that address waits, even with a code
        workshops.join(code, "猜的人", "10.8.8.8", at=at)
    assert workshops.join(code, "小张", "10.9.9.9").name == "小张"  # others do not
