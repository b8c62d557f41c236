"""总览 in the app: 单机模式 lists every assessment on this machine (not practices); in 共享模式
an administrator sees every unit, an 评估组 member only the units assigned; the filters, the
workbook and opening an assessment from its row."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, REVIEWER
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from tests.app_support import add_account, goto, login, sess, start

PASSWORD = "一个足够长的密码123"
NEW_PASSWORD = "另一个足够长的密码456"


def _units(store: Store, rubric: Rubric) -> dict[str, int]:
    first = next(iter(rubric.criteria))
    aids = {}
    for unit in ("甲局", "乙局", "丙局"):
        aid = store.create_assessment(unit, "2026年").id
        store.save_answer(aid, first, Answer("yes"), expected_version=0, user="x")
        aids[unit] = aid
    practice = {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "WS", PROFILE_TRAINEE: "小王"}
    store.create_assessment("示例单位", "练习 · 小王", profile=practice)
    store.reviews.start(aids["乙局"], user="审")
    return aids


def _table_units(at: AppTest) -> list[str]:
    frame = at.dataframe(key="overview.table").value
    return list(frame["单位"])


def test_standalone_lists_every_assessment_but_practices(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    _units(other_store, rubric)
    at = goto(start(), "overview")
    assert sorted(_table_units(at)) == ["丙局", "乙局", "甲局"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "自评中": "2",
        "已提交": "0",
        "退回修改": "0",
        "评审中": "1",
        "已定稿": "0",
        "整改中": "0",
        "整改完成": "0",
    }
    at.button_group(key="overview.status").set_value(["评审中"]).run()
    assert _table_units(at) == ["乙局"]
    at.button_group(key="overview.status").set_value(["自评中", "评审中", "已定稿"])
    at.text_input(key="overview.find").set_value("丙").run()
    assert _table_units(at) == ["丙局"]
    download = at.get("download_button")[0]
    assert download.proto.label == "下载总览（Excel）"


def test_workbook_lists_the_rows_shown(data_dir: Path, other_store: Store, rubric: Rubric) -> None:
    from jiguan.overview import overview_rows, overview_workbook

    _units(other_store, rubric)
    infos = [i for i in other_store.list_assessments() if not i.profile.get(PROFILE_SAMPLE)]
    rows = overview_rows(rubric, infos, other_store.sheets([i.id for i in infos]))
    sheet = openpyxl.load_workbook(io.BytesIO(overview_workbook(rows))).active
    assert sorted(sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)) == [
        "丙局",
        "乙局",
        "甲局",
    ]


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def _login(store: Store, name: str, role: str, unit: str | None = None) -> AppTest:
    add_account(store, name, role, unit)
    return login(name)


def test_shared_scope_administrator_and_panel(
    shared: None, other_store: Store, rubric: Rubric
) -> None:
    _units(other_store, rubric)
    admin = goto(_login(other_store, "管理员", ADMIN), "overview")
    assert sorted(_table_units(admin)) == ["丙局", "乙局", "甲局"]
    panel = goto(_login(other_store, "乙审", REVIEWER, unit="乙局"), "overview")
    assert _table_units(panel) == ["乙局"]


def test_open_an_assessment_from_its_row(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    aids = _units(other_store, rubric)
    at = goto(start(), "overview")
    units = _table_units(at)
    # AppTest cannot click a dataframe row: the selection is set as the browser would send it
    at.session_state["overview.table"] = {
        "selection": {"rows": [units.index("乙局")], "columns": [], "cells": []}
    }
    at.run()
    at.button(key="overview.open").click().run()
    assert not at.exception, at.exception
    assert sess(at).aid == aids["乙局"]
