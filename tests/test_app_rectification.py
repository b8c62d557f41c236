"""整改台账 in the app (issue 23 item 2): an item per indicator that lost points, filled in and
saved through its form; a 完成时限 in the past asks to confirm; a colleague's save of the same
field is a choice, not an overwrite; overdue items flagged on 首页, in the sidebar and the page;
in 共享模式 the unit fills, the assigned 评估组 verifies (read-only otherwise), another unit's
account never sees it; the downloads are audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER, TRAINER
from jiguan.format import today
from jiguan.rectification import DONE, IN_PROGRESS, VERIFIED
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from tests.app_support import add_account, create, goto, login, run, sess, sidebar_text, start

PASSWORD = "一个足够长的密码123"


def _texts(at: AppTest) -> str:
    return " ".join(
        e.value
        for kind in ("info", "success", "warning", "error", "markdown", "caption")
        for e in getattr(at, kind)
    )


def _lose(store: Store, aid: int, *cids: str) -> None:
    for cid in cids:
        store.save_answer(aid, cid, Answer("no"), expected_version=0, user="x")


def _save(at: AppTest, item_id: int) -> AppTest:
    at.button(key=f"FormSubmitter:rect.form.{item_id}-保存").click()
    return run(at)


def test_standalone_fill_confirm_conflict_and_flags(
    data_dir: Path, other_store: Store, rubric: Rubric
) -> None:
    at = create(start())
    aid = sess(at).aid
    _lose(other_store, aid, "3.1")
    at = goto(at, "rectification")
    assert at.title[0].value == "整改台账"
    (item,) = other_store.rectification.items(aid)
    assert item.indicator_id == 3 and "暂按本单位自评的失分" in _texts(at)
    assert "指标 3" in _texts(at)
    at.text_area(key=f"rect.{item.id}.measures").set_value("修订制度并印发")
    at.text_input(key=f"rect.{item.id}.owner").set_value("张三")
    past = today() - timedelta(days=2)
    at.date_input(key=f"rect.{item.id}.due_date").set_value(past)
    at = _save(at, item.id)
    assert "早于今天" in _texts(at)
    assert other_store.rectification.items(aid)[0].measures == ""  # nothing half-applied
    at.button(key=f"rect.{item.id}.confirm").click()
    at = run(at)
    saved = other_store.rectification.items(aid)[0]
    assert (saved.measures, saved.owner, saved.due_date) == ("修订制度并印发", "张三", past)
    assert "已保存" in _texts(at)
    # overdue: flagged on the page, in the sidebar and on 首页
    assert "1 项已过完成时限" in _texts(at)
    assert "逾期整改事项 1 项" in sidebar_text(at)
    home = goto(at, "")
    assert "逾期整改事项 1 项" in _texts(home)
    # a colleague changes 整改措施 meanwhile: my different text is not saved over theirs
    at = goto(home, "rectification")
    other_store.rectification.update(
        item.id, {"measures": "同事的措施"}, expected_version=saved.version, user="同事"
    )
    at.text_area(key=f"rect.{item.id}.measures").set_value("我的措施")
    at = _save(at, item.id)
    assert "您的修改尚未保存" in _texts(at)
    assert other_store.rectification.items(aid)[0].measures == "同事的措施"
    at.button(key=f"rect.{item.id}.mine").click()
    at = run(at)
    assert other_store.rectification.items(aid)[0].measures == "我的措施"
    # the status: 已完成, then (单机模式: whoever is at this machine acts as the panel) 已核验
    at.selectbox(key=f"rect.{item.id}.status").set_value(DONE)
    at = _save(at, item.id)
    assert other_store.rectification.items(aid)[0].status == DONE
    assert "逾期" not in sidebar_text(at)
    at.button(key=f"rect.{item.id}.verify").click()
    at = run(at)
    assert other_store.rectification.items(aid)[0].status == VERIFIED
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载整改台账（Excel）", "下载整改情况报告（Word）"]


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def test_shared_unit_fills_panel_verifies_others_do_not_see(
    shared: None, other_store: Store
) -> None:
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    aid = other_store.create_assessment("甲局", "2026年").id
    _lose(other_store, aid, "3.1")
    add_account(other_store, "甲", FILLER, "甲局")
    filler = goto(login("甲"), "rectification")
    assert sess(filler).aid == aid
    (item,) = other_store.rectification.items(aid)
    status = filler.selectbox(key=f"rect.{item.id}.status")
    assert VERIFIED not in status.options and "已核验" not in status.options
    status.set_value(IN_PROGRESS)
    filler = _save(filler, item.id)
    status = filler.selectbox(key=f"rect.{item.id}.status")
    status.set_value(DONE)
    filler = _save(filler, item.id)
    assert other_store.rectification.items(aid)[0].status == DONE
    assert not [b for b in filler.button if "核验" in b.label]
    add_account(other_store, "审", REVIEWER, "甲局")
    panel = goto(login("审"), "rectification")
    assert "评估组" in _texts(panel)
    assert not [t for t in panel.text_area if t.key and t.key.startswith("rect.")]  # read-only
    panel.button(key=f"rect.{item.id}.verify").click()
    panel = run(panel)
    checked = other_store.rectification.items(aid)[0]
    assert checked.status == VERIFIED and checked.verified_by == "审"
    assert "核验整改事项" in {e.action for e in other_store.users.audit_log()}
    # the unit cannot change a verified item: drawn read-only
    filler = goto(login("甲"), "rectification")
    assert not [t for t in filler.text_area if t.key and t.key.startswith("rect.")]
    # another unit's 评估组 never sees it
    add_account(other_store, "乙审", REVIEWER, "乙局")
    stranger = goto(login("乙审"), "rectification")
    assert sess(stranger).aid != aid
    assert "指标 3" not in _texts(stranger)


def test_who_has_it_in_the_menu(rubric: Rubric) -> None:
    from pages.common import routes

    def listed(role: str | None) -> bool:
        return any(
            r.url_path == "rectification" for s in routes.sections(rubric, role).values() for r in s
        )

    assert listed(None) and listed(FILLER) and listed(REVIEWER) and listed(ADMIN)
    assert not listed(TRAINER) and not listed("trainee")


def test_round_progress_shows_items_closed_and_points_regained(
    data_dir: Path, other_store: Store
) -> None:
    first = other_store.create_assessment("甲局", "第一轮")
    _lose(other_store, first.id, "3.1", "4.1")
    other_store.rectification.sync(first.id, user="x")
    second = other_store.duplicate_assessment(first.id, "第二轮", user="x")
    assert len(other_store.rectification.items(second.id)) == 2  # carried
    saved = other_store.load_answers(second.id)["3.1"]
    other_store.save_answer(
        second.id, "3.1", Answer("yes", evidence="制度"), expected_version=saved.version, user="x"
    )
    at = start()
    at.session_state["goto"] = "round-progress"
    at.query_params["a"] = str(second.id)
    at = run(at)
    assert sess(at).aid == second.id
    text = _texts(at)
    assert "整改成效" in text or any("整改成效" in h.value for h in at.subheader)
    assert "整改事项 2 项，其中 1 项在下一轮不再失分，挽回 2 分" in text
    assert "（单位自评）" in text


PNG = b"\x89PNG\r\n\x1a\n"


def _file_names(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if ":material/description:" in m.value)


def test_item_files_upload_remove_and_read_only_once_verified(
    data_dir: Path, other_store: Store
) -> None:
    """完成佐证文件 as answers' files: picked together or one after another they are all kept
    (issue 20's mechanism), a refused one says why in the answers' words, each can be
    downloaded and removed; once 已核验 they are read-only."""
    at = create(start())
    aid = sess(at).aid
    _lose(other_store, aid, "3.1")
    at = goto(at, "rectification")
    (item,) = other_store.rectification.items(aid)
    uploader = at.file_uploader(key=f"rect-upload-{item.id}")
    uploader.upload("甲.png", PNG + b"1", "image/png")
    uploader.upload("乙.png", PNG + b"2", "image/png")
    uploader.upload("丙.exe", b"MZ", "application/octet-stream").run()
    assert not at.exception
    at.file_uploader(key=f"rect-upload-{item.id}").upload("丁.png", PNG + b"4", "image/png").run()
    at = run(at)
    files = other_store.rectification.items(aid)[0].files
    assert sorted(f.filename for f in files) == ["丁.png", "乙.png", "甲.png"]
    assert any("已保存 3 个文件" in s.value for s in at.success)
    assert any("「丙\\.exe」未上传：不支持此类文件" in e.value for e in at.error)
    assert "完成佐证文件（3 个）" in _texts(at)
    assert "甲\\.png" in _file_names(at) or "甲.png" in _file_names(at)
    assert {f"rect.dl.{f.id}" for f in files} <= {b.key for b in at.get("download_button")}
    # nothing typed is lost: the form still works beside the files
    at.text_area(key=f"rect.{item.id}.measures").set_value("修订制度")
    at = _save(at, item.id)
    assert other_store.rectification.items(aid)[0].measures == "修订制度"
    assert len(other_store.rectification.items(aid)[0].files) == 3
    first = files[0]
    at.button(key=f"rect.rm.{first.id}").click()
    at = run(at)
    left = other_store.rectification.items(aid)[0]
    assert first.id not in {f.id for f in left.files} and len(left.files) == 2
    # 已完成 → 已核验 (单机模式 acts as the panel): the files are read-only, still listed
    at.selectbox(key=f"rect.{item.id}.status").set_value(DONE)
    at = _save(at, item.id)
    at.button(key=f"rect.{item.id}.verify").click()
    at = run(at)
    assert other_store.rectification.items(aid)[0].status == VERIFIED
    assert not [u for u in at.get("file_uploader") if u.key == f"rect-upload-{item.id}"]
    assert not [b for b in at.button if b.key and b.key.startswith("rect.rm.")]
    assert "已核验：完成佐证文件只读" in _texts(at)
    assert {f"rect.dl.{f.id}" for f in left.files} <= {b.key for b in at.get("download_button")}


def test_shared_panel_reads_item_files_but_cannot_upload(shared: None, other_store: Store) -> None:
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    aid = other_store.create_assessment("甲局", "2026年").id
    _lose(other_store, aid, "3.1")
    add_account(other_store, "甲", FILLER, "甲局")
    filler = goto(login("甲"), "rectification")
    (item,) = other_store.rectification.items(aid)
    filler.file_uploader(key=f"rect-upload-{item.id}").upload("照片.png", PNG, "image/png").run()
    filler = run(filler)
    (attached,) = other_store.rectification.items(aid)[0].files
    assert attached.uploaded_by == "甲"
    add_account(other_store, "审", REVIEWER, "甲局")
    panel = goto(login("审"), "rectification")
    assert not [u for u in panel.get("file_uploader") if u.key == f"rect-upload-{item.id}"]
    assert not [b for b in panel.button if b.key and b.key.startswith("rect.rm.")]
    assert f"rect.dl.{attached.id}" in {b.key for b in panel.get("download_button")}
    assert "完成佐证文件（1 个）" in _texts(panel)
