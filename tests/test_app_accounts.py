"""共享模式 through the app: no administrator, login, lockout, forced password change, and a
unit's user who cannot reach another unit's assessment by ?a= (issue 13)."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan import PROJECT_ROOT
from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER
from jiguan.store import Store
from tests.app_support import ACCOUNT_PASSWORD, HARNESS, add_account, answer, goto, sess
from tests.store_support import guessed_for_a_while

PASSWORD = "一个足够长的密码123"
NEW_PASSWORD = "另一个足够长的密码456"


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login.name").set_value(name)
    at.text_input(key="login.password").set_value(password)
    at.button(key="FormSubmitter:login-登录").click().run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_make_run_binds_to_loopback_only() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


def test_standalone_mode_says_so_and_needs_no_login(data_dir: Path) -> None:
    at = _open()
    assert not at.exception
    assert any("单机模式" in c.value for c in at.caption)
    assert not [w for w in at.text_input if w.key == "login.name"]


def test_shared_mode_refuses_without_an_administrator(shared: None) -> None:
    at = _open()
    assert "尚无管理员账户" in _errors(at)
    assert "python -m jiguan user add --admin" in _errors(at)
    assert not [w for w in at.text_input if w.key == "new.unit"]


def test_login_throttle_and_the_same_answer_for_unknown_names(
    shared: None, other_store: Store
) -> None:
    """A wrong name and a wrong password get the same words; after someone elsewhere guessed
    for a while, the owner is told to wait (at most a minute: never locked out), in seconds."""
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    at = _open()
    assert not [w for w in at.text_input if w.key == "new.unit"]  # nothing before login
    _login(at, "没有这个人", PASSWORD)
    assert "用户名或密码不正确" in _errors(at)
    _login(at, "管理员", "错误的密码错误的密码")
    assert "用户名或密码不正确" in _errors(at)
    guessed_for_a_while(other_store, "管理员")
    _login(at, "管理员", PASSWORD)
    assert "秒后再试" in _errors(at)
    assert 0 < int("".join(c for c in _errors(at) if c.isdigit())) <= 60
    assert sess(at).account is None
    actions = [e.action for e in other_store.users.audit_log()]
    assert actions.count("登录失败") == 3


def test_first_login_must_change_password(shared: None, other_store: Store) -> None:
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    at = _login(_open(), "管理员", PASSWORD)
    assert "须先修改密码" in " ".join(w.value for w in at.warning)
    at.text_input(key="pw.old").set_value(PASSWORD)
    at.text_input(key="pw.new").set_value(NEW_PASSWORD)
    at.text_input(key="pw.again").set_value(NEW_PASSWORD)
    at.button(key="FormSubmitter:password-修改密码").click().run()
    assert not at.exception
    assert [w for w in at.text_input if w.key == "new.unit"]  # 首页 now
    assert not [w for w in at.text_input if w.key == "user.input"]  # no 当前填写人
    at.button(key="logout").click().run()
    assert sess(at).account is None
    assert other_store.users.login("管理员", NEW_PASSWORD).must_change is False


def test_unit_a_cannot_open_unit_b_by_url(shared: None, other_store: Store) -> None:
    users = other_store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    filler = users.add("甲填报", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE)
    users.change_password(filler.id, PASSWORD, NEW_PASSWORD)
    mine = other_store.create_assessment("甲局", "第一次")
    theirs = other_store.create_assessment("乙局", "乙的自评")
    at = _login(_open({"a": str(theirs.id)}), "甲填报", NEW_PASSWORD)
    page = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.subheader))
    assert "乙" not in page
    assert "无权访问" in _errors(at)
    guessed = _login(_open({"a": "999"}), "甲填报", NEW_PASSWORD)
    assert _errors(guessed) == _errors(at)  # a missing id reads exactly like a foreign one
    assert sess(at).aid in (None, mine.id)
    assert sess(at).aid != theirs.id


def test_an_ended_login_reaches_the_open_page(
    shared: None, other_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disabling an account (or a password reset, a role change, a logout elsewhere) ends its
    logins in the database; an open page re-reads its login and asks to sign in again."""
    users = other_store.users
    admin = users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    who = users.add("甲填报", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE)
    users.change_password(who.id, PASSWORD, NEW_PASSWORD)
    at = _login(_open(), "甲填报", NEW_PASSWORD)
    assert sess(at).account is not None and sess(at).account.name == "甲填报"
    assert sess(at).login_id  # kept in the database for its cookie
    at.run()
    assert sess(at).account is not None  # within the recheck interval nothing is re-read

    users.set_disabled(who.id, True, by=admin.caller())
    monkeypatch.setattr("jiguan.store.LOGIN_RECHECK", timedelta(0))
    at.run()
    assert not at.exception
    assert sess(at).account is None
    assert [w for w in at.text_input if w.key == "login.name"]
    assert any("登录已失效" in i.value for i in at.info), [i.value for i in at.info]


def test_an_audit_entry_from_this_machine_names_its_address(
    shared: None, other_store: Store
) -> None:
    """Streamlit reports no address for a loopback client (nor under AppTest): the entry
    says 127.0.0.1 rather than nothing."""
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    _login(_open(), "管理员", PASSWORD)
    (entry,) = other_store.users.audit_log(action="登录")
    assert entry.address == "127.0.0.1"


def test_changing_the_password_from_the_sidebar_ends_the_other_logins(
    shared: None, other_store: Store
) -> None:
    """修改密码 in the sidebar (drawn only while opened): the new password works, this browser
    stays signed in, the account's other logins end."""
    users = other_store.users
    users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    who = users.add("甲填报", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE)
    users.change_password(who.id, PASSWORD, NEW_PASSWORD)
    elsewhere = other_store.logins.open(who.caller()).id
    at = _login(_open(), "甲填报", NEW_PASSWORD)
    assert not [w for w in at.text_input if w.key == "pw.old"]  # closed: not drawn
    at.session_state["pw.open"] = True
    at.run()
    third = "第三个足够长的密码789"
    at.text_input(key="pw.old").set_value(NEW_PASSWORD)
    at.text_input(key="pw.new").set_value(third)
    at.text_input(key="pw.again").set_value(third)
    at.button(key="FormSubmitter:password-修改密码").click().run()
    assert not at.exception, at.exception
    assert sess(at).account is not None and sess(at).account.name == "甲填报"
    assert other_store.logins.check(sess(at).login_id) is not None
    assert other_store.logins.check(elsewhere) is None
    assert users.login("甲填报", third).id == who.id


def test_a_disabled_account_stops_writing_from_the_page_it_is_on(
    shared: None, other_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers are saved in widget callbacks and fragment reruns, which do not pass the login
    gate: the store the page uses re-reads the login there too, so an account disabled while
    its page is open saves nothing more once the check is due."""
    users = other_store.users
    admin = users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    who = users.add("甲填报", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE)
    users.change_password(who.id, PASSWORD, NEW_PASSWORD)
    mine = other_store.create_assessment("甲局", "第一次")
    at = goto(_login(_open({"a": str(mine.id)}), "甲填报", NEW_PASSWORD), "item1")
    answer(at, "1.1", "yes")
    assert other_store.answers(mine.id)["1.1"].value == "yes"  # signed in: saved

    users.set_disabled(who.id, True, by=admin.caller())
    monkeypatch.setattr("jiguan.store.LOGIN_RECHECK", timedelta(0))
    at.button_group(key="ans.2.1").set_value("yes").run()
    assert not at.exception, at.exception
    assert "2.1" not in other_store.answers(mine.id)
    assert sess(at).account is None
    assert [w for w in at.text_input if w.key == "login.name"]
    assert any("刚才的修改没有保存" in i.value for i in at.info)  # not lost silently


def test_the_page_keeps_its_place_when_the_login_cookie_is_taken(
    shared: None, other_store: Store
) -> None:
    """The script that fetches the login cookie is drawn on each run until the server has set
    the cookie. Whether it is drawn or not, everything after it keeps its place: the page
    shifting by that one element had the browser rebuild the item page's open blocks in the
    middle of a run (a field the user was in, and the note beside it, replaced; seen on a busy
    server, where the cookie comes a few runs late)."""
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    add_account(other_store, "填报人甲", FILLER, unit="某某市机关事务管理局")
    at = _login(_open(), "填报人甲", ACCOUNT_PASSWORD)
    code = sess(at).cookie_code
    assert code, "a cookie is waiting to be taken"
    before = _layout(at)
    assert other_store.logins.bind_cookie(code) is not None
    at.run()
    assert not sess(at).cookie_code, "the cookie was taken"
    assert _layout(at) == before


def _layout(at: AppTest) -> tuple[int, int]:
    """How many elements the main area has, and where its title is."""
    kinds = [type(node).__name__ for node in at.main.children.values()]
    return len(kinds), kinds.index("Title")
