"""整改台账 (issue 23 item 2) in the store, on both backends: one item per indicator that lost
points (the finalised review's, else the unit's own), prefilled; closed with a note, never
deleted, when the indicator no longer loses points; versioned edits merged field by field or
refused; a 完成时限 in the past needs confirming; only the 评估组 sets 已核验; 复制为下一轮 carries
the open items."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jiguan.accounts import COMMAND_LINE, FILLER, REVIEWER
from jiguan.format import today
from jiguan.rectification import (
    CLOSED_NOTE,
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    PANEL,
    SELF,
    VERIFIED,
    counts,
    lost_points,
)
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import PastDueDate, RectificationConflict, Store, StoreError
from jiguan.store.scoped import AccessDenied, ScopedStore
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PASSWORD = "一个足够长的密码123"


def answer(store: Store, aid: int, cid: str, value: str, evidence: str = "制度文件") -> None:
    saved = store.load_answers(aid).get(cid)
    store.save_answer(
        aid,
        cid,
        Answer(value, evidence=evidence),
        expected_version=saved.version if saved else 0,
        user="填报",
    )


@pytest.fixture
def aid(store: Store) -> int:
    """甲局: 1.1 and 2.1 claimed (符合), 3.1 不符合, 4.1 符合."""
    info = store.create_assessment("甲局", "2026年")
    for cid, value in (("1.1", "yes"), ("2.1", "yes"), ("3.1", "no"), ("4.1", "yes")):
        answer(store, info.id, cid, value)
    return info.id


def finalise(store: Store, rubric: Rubric, aid: int, refuse: dict[str, str]) -> None:
    """The panel keeps the claims (what is not claimed: 不符合 / 0), refuses ``refuse``
    (cid: reason) and finalises."""
    claims = store.answers(aid)
    verdicts = {}
    for cid, criterion in rubric.criteria.items():
        claim = claims.get(cid)
        value = claim.value if claim is not None and claim.value is not None else None
        if criterion.kind == "count":
            verdicts[cid] = Verdict(value or 0, None, "" if value else "未提供")
        elif cid in refuse:
            verdicts[cid] = Verdict("no", None, refuse[cid])
        else:
            verdicts[cid] = Verdict(value or "no", None, "" if value else "未提供")
    store.reviews.update_details(aid, user="审", reviewers="王审、李审", review_date="2026-05-01")
    store.reviews.replace_verdicts(aid, verdicts, user="审")
    store.reviews.finalise(aid, user="审")


def test_items_come_from_the_units_own_lost_points(store: Store, rubric: Rubric, aid: int) -> None:
    result = store.rectification.sync(aid, user="填报")
    items = store.rectification.items(aid)
    assert result.created == len(items) == 1
    item = items[0]
    assert (item.indicator_id, item.source, item.points_lost) == (3, SELF, 2.0)
    assert "3.1" in item.reason and "不符合" in item.reason
    assert item.status == NOT_STARTED and item.version == 1 and item.open
    assert store.rectification.sync(aid, user="填报").changed is False  # idempotent


def test_a_finalised_review_takes_over_with_its_reasons(
    store: Store, rubric: Rubric, aid: int
) -> None:
    store.rectification.sync(aid, user="填报")
    finalise(store, rubric, aid, {"1.1": "制度未印发"})
    store.rectification.sync(aid, user="审")
    items = {i.indicator_id: i for i in store.rectification.items(aid)}
    assert items[1].source == PANEL and "制度未印发" in items[1].reason
    assert items[1].points_lost == 2.0
    assert items[3].source == PANEL  # updated prefill, the same item (its id kept)
    expected = {entry.indicator_id for entry in lost_points(rubric, _panel(store, aid))}
    assert {i for i, it in items.items() if not it.closed} == expected


def _panel(store: Store, aid: int) -> dict[str, Answer]:
    from jiguan.review import panel_sheet

    return panel_sheet({c: v.verdict for c, v in store.reviews.verdicts(aid).items()})


def test_an_item_no_longer_losing_points_is_closed_with_a_note_not_deleted(
    store: Store, aid: int
) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    store.rectification.update(
        item.id, {"measures": "印发制度"}, expected_version=item.version, user="填报"
    )
    answer(store, aid, "3.1", "yes")
    result = store.rectification.sync(aid, user="填报")
    assert result.closed == 1
    (closed,) = store.rectification.items(aid)
    assert closed.id == item.id and closed.closed and CLOSED_NOTE in closed.closed_note
    assert closed.measures == "印发制度" and not closed.open
    answer(store, aid, "3.1", "no")  # loses points again: the same item opens again
    assert store.rectification.sync(aid, user="填报").reopened == 1
    (again,) = store.rectification.items(aid)
    assert again.id == item.id and not again.closed and again.measures == "印发制度"


def test_edits_are_versioned_merged_by_field_or_refused(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    rect = store.rectification
    base = {"measures": "", "owner": ""}
    one = rect.update(item.id, {"measures": "甲的措施"}, expected_version=1, user="甲", base=base)
    # 乙 drew the form at version 1 and changed another field: merged over 甲's
    two = rect.update(item.id, {"owner": "张三"}, expected_version=1, user="乙", base=base)
    assert (two.measures, two.owner, two.version) == ("甲的措施", "张三", one.version + 1)
    # 丙 also drew it at version 1 and changed 整改措施 differently: refused, nothing written
    with pytest.raises(RectificationConflict) as caught:
        rect.update(item.id, {"measures": "丙的措施"}, expected_version=1, user="丙", base=base)
    assert caught.value.current.measures == "甲的措施" and "整改措施" in str(caught.value)
    assert rect.items(item.assessment_id)[0].measures == "甲的措施"
    # without a base, a stale version is always a conflict
    with pytest.raises(RectificationConflict):
        rect.update(item.id, {"progress": "x"}, expected_version=1, user="丙")


def test_a_past_due_date_asks_to_confirm_and_overdue_counts(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    past = today() - timedelta(days=3)
    with pytest.raises(PastDueDate, match="早于今天"):
        store.rectification.update(item.id, {"due_date": past}, expected_version=1, user="x")
    assert store.rectification.items(aid)[0].due_date is None  # nothing saved
    saved = store.rectification.update(
        item.id, {"due_date": past}, expected_version=1, user="x", confirm_past_due=True
    )
    assert saved.due_date == past and saved.overdue(today())
    assert counts([saved], today()) == (1, 1)
    assert not saved.overdue(past)  # on the day itself it is not late
    done = store.rectification.update(
        item.id, {"status": DONE}, expected_version=saved.version, user="x"
    )
    assert not done.overdue(today()) and counts([done], today()) == (0, 0)
    with pytest.raises(StoreError, match="不是日期"):
        store.rectification.update(item.id, {"due_date": "明天"}, expected_version=3, user="x")


def test_bounds_and_fields(store: Store, aid: int) -> None:
    from jiguan.limits import MAX_NAME_CHARS, MAX_RECTIFICATION_CHARS

    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    rect = store.rectification
    with pytest.raises(StoreError, match="整改措施过长"):
        rect.update(
            item.id,
            {"measures": "长" * (MAX_RECTIFICATION_CHARS + 1)},
            expected_version=1,
            user="x",
        )
    with pytest.raises(StoreError, match="责任人过长"):
        rect.update(item.id, {"owner": "名" * (MAX_NAME_CHARS + 1)}, expected_version=1, user="x")
    with pytest.raises(StoreError, match="没有可填写"):
        rect.update(item.id, {"points_lost": 0}, expected_version=1, user="x")
    with pytest.raises(StoreError, match="控制字符"):
        rect.update(item.id, {"progress": "a\x00b"}, expected_version=1, user="x")
    assert rect.items(aid)[0].version == 1


def test_verified_only_after_done_and_then_locked_for_the_unit(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    rect = store.rectification
    with pytest.raises(StoreError, match="只有「已完成」"):
        rect.update(item.id, {"status": VERIFIED}, expected_version=1, user="审")
    done = rect.update(item.id, {"status": DONE}, expected_version=1, user="填报", reviewer=False)
    with pytest.raises(StoreError, match="只有评估组"):
        rect.update(item.id, {"status": VERIFIED}, expected_version=2, user="x", reviewer=False)
    checked = rect.update(item.id, {"status": VERIFIED}, expected_version=done.version, user="审")
    assert checked.verified_by == "审"
    with pytest.raises(StoreError, match="已由评估组核验"):
        rect.update(item.id, {"progress": "改"}, expected_version=3, user="x", reviewer=False)
    back = rect.update(item.id, {"status": IN_PROGRESS}, expected_version=3, user="审")
    assert back.status == IN_PROGRESS and back.verified_by == ""


def test_next_round_carries_the_open_items(store: Store, aid: int) -> None:
    answer(store, aid, "4.1", "no")
    store.rectification.sync(aid, user="填报")
    items = {i.indicator_id: i for i in store.rectification.items(aid)}
    rect = store.rectification
    rect.update(items[4].id, {"status": DONE}, expected_version=1, user="x")
    rect.update(
        items[3].id, {"measures": "修订制度", "status": IN_PROGRESS}, expected_version=1, user="x"
    )
    nxt = store.duplicate_assessment(aid, "2027年", user="填报")
    carried = store.rectification.items(nxt.id)
    assert [(i.indicator_id, i.measures, i.status) for i in carried] == [
        (3, "修订制度", IN_PROGRESS)
    ]
    assert carried[0].carried_from == items[3].id and carried[0].version == 1
    store.rectification.sync(nxt.id, user="填报")  # 4.1 is still 不符合 in the copy: a new item
    assert {i.indicator_id for i in store.rectification.items(nxt.id)} == {3, 4}


def test_scope_unit_fills_panel_verifies(store: Store, rubric: Rubric, aid: int) -> None:
    users = store.users
    filler = users.add("甲填", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    panel = users.add("甲审", REVIEWER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    stranger = users.add("乙填", FILLER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller()
    other_panel = users.add("乙审", REVIEWER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller()
    as_filler = ScopedStore(store, filler).rectification
    as_panel = ScopedStore(store, panel).rectification
    as_filler.sync(aid, user="x")
    (item,) = as_filler.items(aid)
    for outsider in (stranger, other_panel):
        scoped = ScopedStore(store, outsider).rectification
        with pytest.raises(AccessDenied):
            scoped.items(aid)
        with pytest.raises(AccessDenied):
            scoped.update(item.id, {"status": VERIFIED}, expected_version=1, user="x")
    with pytest.raises(AccessDenied, match="整改内容由单位填写"):
        as_panel.update(item.id, {"measures": "代填"}, expected_version=1, user="x")
    with pytest.raises(AccessDenied, match="核验不通过"):  # 未开始 → 整改中 is the unit's to say
        as_panel.update(item.id, {"status": IN_PROGRESS}, expected_version=1, user="x")
    done = as_filler.update(item.id, {"status": DONE}, expected_version=1, user="伪造")
    assert done.updated_by == "甲填"  # the caller's name, not the one passed
    with pytest.raises(StoreError, match="只有评估组"):
        as_filler.update(item.id, {"status": VERIFIED}, expected_version=2, user="x")
    checked = as_panel.update(item.id, {"status": VERIFIED}, expected_version=2, user="x")
    assert checked.verified_by == "甲审"
    assert any(e.action == "核验整改事项" for e in users.audit_log())
    with pytest.raises(StoreError, match="已由评估组核验"):
        as_filler.update(item.id, {"owner": "张三"}, expected_version=3, user="x")
    with pytest.raises(AccessDenied):  # an item id that does not exist looks the same
        as_filler.update(10**6, {"owner": "x"}, expected_version=1, user="x")


def test_purging_the_assessment_removes_its_items(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="x")
    (item,) = store.rectification.items(aid)
    store.delete_assessment(aid)
    store.purge_assessment(aid)
    assert store.rectification.assessment_of(item.id) is None


def test_overview_statuses_and_counts(store: Store, rubric: Rubric, aid: int) -> None:
    from jiguan.overview import FINALISED, RECTIFIED, RECTIFYING, overview_rows

    def row():
        infos = [store.get_assessment(aid)]
        (found,) = overview_rows(rubric, infos, store.sheets([aid]))
        return found

    finalise(store, rubric, aid, {})
    store.rectification.sync(aid, user="审")
    items = store.rectification.items(aid)
    assert row().status == FINALISED and row().open_items == len(items) > 1
    late = today() - timedelta(days=1)
    first = store.rectification.update(
        items[0].id,
        {"status": IN_PROGRESS, "due_date": late},
        expected_version=items[0].version,
        user="x",
        confirm_past_due=True,
    )
    assert (row().status, row().overdue_items) == (RECTIFYING, 1)
    store.rectification.update(first.id, {"status": DONE}, expected_version=first.version, user="x")
    for item in items[1:]:
        store.rectification.update(
            item.id, {"status": DONE}, expected_version=item.version, user="x"
        )
    assert (row().status, row().open_items, row().overdue_items) == (RECTIFIED, 0, 0)


def test_archive_carries_the_items_and_checks_them(
    store: Store, aid: int, rubric: Rubric, tmp_path
) -> None:
    import json
    import zipfile

    from jiguan.archive import export_archive, import_archive
    from jiguan.archive_read import ArchiveError

    store.rectification.sync(aid, user="x")
    (item,) = store.rectification.items(aid)
    store.rectification.update(item.id, {"owner": "张三"}, expected_version=1, user="x")
    export_archive(store, tmp_path / "a.zip")
    target = Store(f"sqlite:///{tmp_path / 't.db'}", rubric, files_dir=tmp_path / "tf")
    target.migrate()
    import_archive(target, tmp_path / "a.zip")
    assert [(i.id, i.owner, i.version) for i in target.rectification.items(aid)] == [
        (item.id, "张三", 2)
    ]
    target.close()
    # a status the app never sets is refused, naming the table
    with (
        zipfile.ZipFile(tmp_path / "a.zip") as src,
        zipfile.ZipFile(tmp_path / "b.zip", "w") as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "tables/rectification_items.jsonl":
                row = json.loads(data)
                row["status"] = "hacked"
                data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            dst.writestr(info, data)
    fresh = Store(f"sqlite:///{tmp_path / 'f.db'}", rubric, files_dir=tmp_path / "ff")
    fresh.migrate()
    with pytest.raises(ArchiveError, match="整改状态"):
        import_archive(fresh, tmp_path / "b.zip")
    fresh.close()


# ---- 完成佐证文件 (files on a 整改事项): the answers' checks, blobs and scope -------------------

PDF = b"%PDF-1.7\n%rectification\n"


def test_files_attach_to_an_item_as_answers_files_do(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    rect = store.rectification
    first = rect.add_file(item.id, "整改/通知.pdf", PDF, user="填报")
    assert (first.filename, first.item_id, first.assessment_id) == ("通知.pdf", item.id, aid)
    assert rect.add_file(item.id, "again.pdf", PDF, user="填报") == first  # same content: one
    second = rect.add_file(item.id, "纪要.pdf", PDF + b"2", user="填报")
    (listed,) = rect.items(aid)
    assert [f.id for f in listed.files] == [first.id, second.id] and listed.version == 1
    assert rect.read_file(first.id) == PDF and rect.get(item.id).files == listed.files
    # the content is in the one blob store, where an answer's file of the same bytes is too
    answer_file = store.add_file(aid, "3.1", "通知.pdf", PDF, user="填报")
    assert answer_file.sha256 == first.sha256
    rect.remove_file(first.id, user="填报")
    assert [f.id for f in rect.items(aid)[0].files] == [second.id]
    assert [f.id for f in store.list_files(aid)] == [answer_file.id]  # answers' files untouched
    assert store.read_file(answer_file.id) == PDF


def test_files_are_checked_with_the_answers_messages(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    cases = [
        ("a.exe", b"MZ", "不支持此类文件"),
        ("a.pdf", b"", "文件是空的"),
        ("a.pdf", b"not a pdf", "与扩展名 .pdf 不符"),
        ("a.pdf", b"%PDF-" + b"x" * store.max_file_bytes, "超过单个文件上限"),
    ]
    for name, data, why in cases:
        with pytest.raises(StoreError, match=why) as on_item:
            store.rectification.add_file(item.id, name, data, user="x")
        with pytest.raises(StoreError) as on_answer:
            store.add_file(aid, "3.1", name, data, user="x")
        assert str(on_item.value) == str(on_answer.value)  # the same Chinese message
    assert store.rectification.items(aid)[0].files == ()
    with pytest.raises(StoreError, match="没有这个整改事项"):
        store.rectification.add_file(10**6, "a.pdf", PDF, user="x")


def test_a_verified_items_files_are_read_only(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="填报")
    (item,) = store.rectification.items(aid)
    rect = store.rectification
    kept = rect.add_file(item.id, "通知.pdf", PDF, user="填报")
    done = rect.update(item.id, {"status": DONE}, expected_version=1, user="填报")
    rect.update(item.id, {"status": VERIFIED}, expected_version=done.version, user="审")
    with pytest.raises(StoreError, match="已由评估组核验"):
        rect.add_file(item.id, "纪要.pdf", PDF + b"2", user="填报")
    with pytest.raises(StoreError, match="已由评估组核验"):
        rect.remove_file(kept.id, user="填报")
    assert [f.id for f in rect.items(aid)[0].files] == [kept.id]
    assert rect.read_file(kept.id) == PDF  # still read
    back = rect.update(item.id, {"status": IN_PROGRESS}, expected_version=3, user="审")
    assert back.status == IN_PROGRESS
    rect.remove_file(kept.id, user="填报")  # 核验不通过: the unit's again
    assert rect.items(aid)[0].files == ()


def test_file_scope_unit_writes_panel_reads_others_denied(store: Store, aid: int) -> None:
    users = store.users
    filler = users.add("甲填", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    panel = users.add("甲审", REVIEWER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    stranger = users.add("乙填", FILLER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller()
    other_panel = users.add("乙审", REVIEWER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller()
    as_filler = ScopedStore(store, filler).rectification
    as_panel = ScopedStore(store, panel).rectification
    as_filler.sync(aid, user="x")
    (item,) = as_filler.items(aid)
    mine = as_filler.add_file(item.id, "通知.pdf", PDF, user="伪造")
    assert store.rectification.get_file(mine.id).filename == "通知.pdf"
    assert store.rectification.items(aid)[0].files[0].uploaded_by == "甲填"
    assert as_panel.read_file(mine.id) == PDF and as_panel.items(aid)[0].files[0].id == mine.id
    with pytest.raises(AccessDenied, match="无权修改"):
        as_panel.add_file(item.id, "代传.pdf", PDF + b"p", user="x")
    with pytest.raises(AccessDenied, match="无权修改"):
        as_panel.remove_file(mine.id, user="x")
    for outsider in (stranger, other_panel):
        scoped = ScopedStore(store, outsider).rectification
        with pytest.raises(AccessDenied, match="无权访问"):
            scoped.read_file(mine.id)
        with pytest.raises(AccessDenied, match="无权访问"):
            scoped.get_file(mine.id)
        with pytest.raises(AccessDenied, match="无权访问"):
            scoped.add_file(item.id, "x.pdf", PDF + b"x", user="x")
        with pytest.raises(AccessDenied, match="无权访问"):
            scoped.remove_file(mine.id, user="x")
        with pytest.raises(AccessDenied, match="无权访问"):  # no such file: the same answer
            scoped.read_file(10**6)
    assert [f.id for f in store.rectification.items(aid)[0].files] == [mine.id]


def test_purging_removes_item_files_and_their_unshared_contents(store: Store, aid: int) -> None:
    store.rectification.sync(aid, user="x")
    (item,) = store.rectification.items(aid)
    own = store.rectification.add_file(item.id, "own.pdf", PDF + b"own", user="x")
    shared = store.rectification.add_file(item.id, "shared.pdf", PDF, user="x")
    other = store.create_assessment("乙局", "2026年")
    answer(store, other.id, "3.1", "no")
    kept = store.add_file(other.id, "3.1", "shared.pdf", PDF, user="x")
    blobs = store.files_dir
    assert (blobs / own.sha256[:2] / own.sha256).is_file()
    store.delete_assessment(aid)
    store.purge_assessment(aid)
    with pytest.raises(StoreError):
        store.rectification.get_file(own.id)
    assert not (blobs / own.sha256[:2] / own.sha256).exists()
    assert (blobs / shared.sha256[:2] / shared.sha256).is_file()  # an answer still uses it
    assert store.read_file(kept.id) == PDF


def test_archive_carries_item_files(store: Store, aid: int, rubric: Rubric, tmp_path) -> None:
    from jiguan.archive import export_archive, import_archive

    store.rectification.sync(aid, user="x")
    (item,) = store.rectification.items(aid)
    attached = store.rectification.add_file(item.id, "通知.pdf", PDF, user="x")
    summary = export_archive(store, tmp_path / "a.zip")
    assert summary.files == 1
    target = Store(f"sqlite:///{tmp_path / 't.db'}", rubric, files_dir=tmp_path / "tf")
    target.migrate()
    import_archive(target, tmp_path / "a.zip")
    (copied,) = target.rectification.items(aid)[0].files
    assert (copied.id, copied.filename, copied.sha256) == (
        attached.id,
        "通知.pdf",
        attached.sha256,
    )
    assert target.rectification.read_file(copied.id) == PDF
    target.close()
