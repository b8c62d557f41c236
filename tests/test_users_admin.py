"""The administrator's account operations (jiguan.store.users): role changes, disabling,
units, and the audit log's filters and CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER, AccountError
from jiguan.store import Store
from jiguan.store.audit import audit_csv
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store
PASSWORD = "一个足够长的密码123"


def test_role_changes_disabling_and_units_are_audited(store: Store) -> None:
    users = store.users
    admin = users.add("管", ADMIN, PASSWORD, by=COMMAND_LINE).caller("10.1.2.3")
    filler = users.add("甲", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE)
    assert users.set_role(filler.id, REVIEWER, by=admin).role == REVIEWER
    assert users.assign(filler.id, "乙局", by=admin).units == ("乙局", "甲局")
    assert users.unassign(filler.id, "甲局", by=admin).units == ("乙局",)
    assert users.set_disabled(filler.id, True, by=admin).disabled
    with pytest.raises(AccountError, match="用户名或密码不正确"):
        users.login("甲", PASSWORD)
    users.set_disabled(filler.id, False, by=admin)
    with pytest.raises(AccountError, match="最后一个可用的管理员"):
        users.set_role(admin.user_id, FILLER, by=admin)
    with pytest.raises(AccountError, match="最后一个可用的管理员"):
        users.set_disabled(admin.user_id, True, by=admin)
    log = users.audit_log(actor="管")
    assert [e.action for e in log] == [
        "启用账户",
        "停用账户",
        "取消分配单位",
        "分配单位",
        "修改角色",
    ]
    assert log[-1].detail == "填报人 → 评估组" and log[-1].address == "10.1.2.3"
    assert [e.action for e in users.audit_log(action="修改角色")] == ["修改角色"]
    assert [e.target for e in users.audit_log(text="乙局")] == ["甲"]
    assert users.audit_log(text="%") == []  # a wildcard is a plain character


def test_audit_csv_is_plain_text_for_a_spreadsheet(store: Store) -> None:
    users = store.users
    admin = users.add("管", ADMIN, PASSWORD, by=COMMAND_LINE).caller()
    users.record(admin, "导出", '=HYPERLINK("http://x")', "@SUM(1)")
    data = audit_csv(users.audit_log())
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "账户", "操作", "对象", "详情", "地址"]
    assert rows[1][3] == '\'=HYPERLINK("http://x")' and rows[1][4] == "'@SUM(1)"
