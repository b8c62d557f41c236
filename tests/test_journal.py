"""The outage journal and the one save path (jiguan/journal.py), on a real store."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, LOCAL_CALLER, TRAINEE, TRAINER, Caller
from jiguan.journal import Change, Journal, save_change
from jiguan.replay import Outage, Replayer, replay_with
from jiguan.scoring import Answer
from jiguan.store import ConflictError, Store, StoreUnavailable
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from jiguan.web import lifespan
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store


def change(aid: int, cid: str, base: Answer, version: int, **fields) -> Change:
    return Change(aid, cid, fields, base, version, "张三", LOCAL_CALLER)


def test_a_change_keeps_its_caller_through_the_journal_file(tmp_path: Path) -> None:
    filler = Caller("张三", FILLER, user_id=7, address="10.0.0.8")
    trainee = Caller("小王", TRAINEE, address="10.0.0.9", workshop="WS-A")
    made = [
        Change(3, "1.1", {"evidence": "发文"}, Answer("yes"), 2, "张三", who)
        for who in (filler, trainee, LOCAL_CALLER)
    ]
    assert [Change.from_json(c.to_json()) for c in made] == made
    journal = Journal(tmp_path)
    for c in made:
        journal.append(c)
    assert [e.change.caller for e in Journal(tmp_path).pending()] == [filler, trainee, LOCAL_CALLER]


def test_a_journal_entry_written_before_changes_carried_their_caller_is_kept_not_replayed(
    store: Store, tmp_path: Path
) -> None:
    """A server upgraded during an outage finds entries without "caller" (and without the
    server key's MAC): they are read, but not replayed: nobody can tell them from a forgery.
    They are kept under refused/ for the administrator and audited."""
    aid = store.create_assessment("某局", "第一轮").id
    journal = Journal(tmp_path)
    old = {
        "assessment_id": aid,
        "criterion_id": "1.1",
        "fields": {"value": "yes", "points": None},
        "base": {"value": None, "points": None, "evidence": "", "note": "", "attachments": 0},
        "expected_version": 0,
        "user": "张三",
        "made_at": datetime(2024, 5, 1, 8, 0, tzinfo=UTC).isoformat(),
    }
    (journal.pending_dir / "00000000000000000001-1-000000.json").write_text(
        json.dumps(old, ensure_ascii=False), encoding="utf-8"
    )
    (entry,) = journal.pending(aid)
    assert (entry.change.caller, entry.change.user, entry.change.fields["value"]) == (
        None,
        "张三",
        "yes",
    )
    assert not entry.change.authentic
    result = journal.replay(replay_with(store))
    assert (result.applied, result.conflicts, result.refused) == (0, 0, 1)
    assert store.answers(aid) == {}
    (kept,) = journal.refused()
    assert kept.change.fields["value"] == "yes" and "校验" in kept.reason
    assert len(store.users.audit_log(action=REFUSED)) == 1


def test_save_change_writes_over_the_version_seen(store: Store) -> None:
    aid = store.create_assessment("某局", "第一轮").id
    saved = save_change(store, change(aid, "1.1", Answer(), 0, value="yes"))
    assert (saved.answer.value, saved.version, saved.updated_by) == ("yes", 1, "张三")


def test_a_stale_change_to_other_fields_is_merged(store: Store) -> None:
    """B typed evidence while A changed the answer: both are kept, nothing is overwritten."""
    aid = store.create_assessment("某局", "第一轮").id
    seen = store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="A")
    store.save_answer(aid, "1.1", Answer("partial", 1.0), expected_version=1, user="A")
    saved = save_change(store, change(aid, "1.1", seen.answer, seen.version, evidence="发文"))
    assert (saved.answer.value, saved.answer.points, saved.answer.evidence) == (
        "partial",
        1.0,
        "发文",
    )


def test_a_stale_change_to_the_same_field_conflicts_and_writes_nothing(store: Store) -> None:
    aid = store.create_assessment("某局", "第一轮").id
    seen = store.save_answer(aid, "1.1", Answer("yes", evidence="旧"), expected_version=0, user="A")
    store.save_answer(aid, "1.1", Answer("yes", evidence="A 的"), expected_version=1, user="A")
    with pytest.raises(ConflictError) as info:
        save_change(store, change(aid, "1.1", seen.answer, seen.version, evidence="B 的"))
    assert info.value.current.answer.evidence == "A 的"
    assert store.answers(aid)["1.1"].evidence == "A 的"


def test_journal_keeps_changes_on_disk_in_order_until_replayed(
    store: Store, tmp_path: Path
) -> None:
    aid = store.create_assessment("某局", "第一轮").id
    journal = Journal(tmp_path / "journal")
    first = change(aid, "1.1", Answer(), 0, value="yes", points=None)
    second = change(aid, "1.1", first.cell, 0, evidence="发文")
    journal.append(first)
    journal.append(second)
    (journal.pending_dir / "half-written.tmp").write_text("{", encoding="utf-8")
    again = Journal(tmp_path / "journal")  # a restarted server reads what was journaled
    assert [e.change for e in again.pending(aid)] == [first, second]

    result = again.replay(lambda c: save_change(store, c) and None)
    assert (result.applied, result.conflicts, result.still_down) == (2, 0, False)
    saved = store.answers(aid)["1.1"]
    assert (saved.value, saved.evidence) == ("yes", "发文")
    assert again.pending() == []


def test_replay_stops_while_the_database_is_away_and_keeps_the_rest(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for n in range(3):
        journal.append(change(1, f"{n + 1}.1", Answer(), 0, value="yes"))
    calls = []

    def down_after_first(c: Change) -> None:
        calls.append(c.criterion_id)
        if len(calls) > 1:
            raise StoreUnavailable("数据库连接失败")

    result = journal.replay(down_after_first)
    assert (result.applied, result.still_down) == (1, True)
    assert [e.change.criterion_id for e in journal.pending()] == ["2.1", "3.1"]


def test_a_conflict_on_replay_is_kept_for_the_next_person(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(change(7, "1.1", Answer(), 0, evidence="我的"))
    result = journal.replay(lambda c: "此项已被「李四」修改")
    assert result.conflicts == 1 and journal.pending() == []
    (kept,) = journal.conflicts(7, "1.1")
    assert kept.change.fields == {"evidence": "我的"} and "李四" in kept.reason
    journal.dismiss_conflict(kept.name)
    assert journal.conflicts(7) == []


def test_replayer_saves_in_the_background_when_the_database_returns(
    store: Store, tmp_path: Path
) -> None:
    aid = store.create_assessment("某局", "第一轮").id
    journal = Journal(tmp_path)
    journal.append(change(aid, "2.1", Answer(), 0, value="yes"))
    back = threading.Event()
    tried_while_down = threading.Event()
    outage = Outage()

    def save(c: Change) -> None:
        if not back.is_set():
            outage.fail()
            tried_while_down.set()
            raise StoreUnavailable("数据库连接失败")
        save_change(store, c)
        outage.ok()

    replayer = Replayer(journal, save, interval=0.05).start()
    try:
        # The replayer has tried while the database was away: the change is still waiting.
        assert tried_while_down.wait(10)
        assert outage.down
        assert [e.change.criterion_id for e in journal.pending()] == ["2.1"]
        assert "2.1" not in store.answers(aid)
        back.set()
        for _ in range(200):
            if not journal.pending():
                break
            threading.Event().wait(0.05)
    finally:
        replayer.stop()
    assert store.answers(aid)["2.1"].value == "yes"
    assert not outage.down


# ---- replay through the caller's scope (issue 13) -----------------------------------------

PASSWORD = "一个足够长的密码123"
REFUSED = "拒绝重放的修改"


@pytest.fixture
def scoped_world(store: Store) -> dict:
    """甲局's and 乙局's assessments; a 填报人 of 甲局; the trainee 小王 of workshop WS-A with
    a practice of their own; the administrator."""
    users = store.users
    trainer = users.add("培", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    store.workshops.open(trainer, "WS-A", "甲班", datetime.now(UTC) + timedelta(days=1))
    profile = {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "WS-A", PROFILE_TRAINEE: "小王"}
    return {
        "甲": store.create_assessment("甲局", "第一轮").id,
        "乙": store.create_assessment("乙局", "第一轮").id,
        "practice": store.create_assessment("示例单位", "练习", profile=profile).id,
        "filler": users.add("甲填", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller(
            "10.0.0.8"
        ),
        "trainee": store.workshops.join("WS-A", "小王", "10.0.0.9"),
        "admin": users.add("管", ADMIN, PASSWORD, by=COMMAND_LINE).caller(),
    }


def by(caller: Caller, aid: int, cid: str = "1.1", **fields) -> Change:
    return Change(aid, cid, fields, Answer(), 0, caller.name, caller)


def _serve_until_replayed(journal: Journal, db_url: str, data_dir: Path, monkeypatch) -> None:
    """Start the server's lifespan (jiguan.web) on this database and data directory; stop it
    once its replayer has emptied the journal."""
    monkeypatch.setenv("JIGUAN_DATABASE_URL", db_url)
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(data_dir))

    async def serve() -> None:
        async with lifespan(object()):
            for _ in range(300):
                if not journal.pending():
                    return
                await asyncio.sleep(0.05)

    asyncio.run(serve())
    assert not journal.pending()


def test_the_server_replays_no_change_outside_its_callers_scope(
    store: Store, db_url: str, scoped_world: dict, tmp_path: Path, monkeypatch
) -> None:
    """The database was down, so the scope check could not run when these were journaled: a
    filler of 甲局 wrote to 乙局's assessment, the trainee to 甲局's. On replay neither is
    applied, neither is offered to anyone as a conflict (用我的), both are kept for the
    administrator and audited; the filler's change to their own unit is saved."""
    w = scoped_world
    journal = Journal(tmp_path / "journal")
    journal.append(by(w["filler"], w["乙"], value="no"))
    journal.append(by(w["trainee"], w["甲"], evidence="学员写的"))
    journal.append(by(w["filler"], w["甲"], value="yes"))

    _serve_until_replayed(journal, db_url, tmp_path, monkeypatch)

    assert store.answers(w["乙"]) == {}
    assert store.answers(w["甲"])["1.1"] == Answer("yes")
    assert journal.conflicts(w["乙"]) == [] and journal.conflicts(w["甲"]) == []
    refused = journal.refused()
    assert [(e.change.caller, e.change.assessment_id) for e in refused] == [
        (w["filler"], w["乙"]),
        (w["trainee"], w["甲"]),
    ]
    assert all("无权" in e.reason for e in refused)
    audit = store.users.audit_log(action=REFUSED)
    assert sorted((e.actor, e.address) for e in audit) == [
        ("小王", "10.0.0.9"),
        ("甲填", "10.0.0.8"),
    ]


def test_replay_counts_what_it_refused_and_saves_what_was_in_scope(
    store: Store, scoped_world: dict, tmp_path: Path
) -> None:
    w = scoped_world
    journal = Journal(tmp_path)
    journal.append(by(w["trainee"], w["practice"], value="yes"))  # their own practice
    journal.append(by(w["filler"], w["乙"], evidence="越权"))
    journal.append(by(w["filler"], w["甲"], "2.1", note="本单位"))
    journal.append(by(w["admin"], w["乙"], "3.1", value="no"))  # the administrator: anywhere
    outage = Outage()
    outage.fail()

    result = journal.replay(replay_with(store, outage))

    assert (result.applied, result.conflicts, result.refused) == (3, 0, 1)
    assert not outage.down  # the database answered
    assert store.answers(w["practice"])["1.1"].value == "yes"
    assert store.load_answers(w["practice"])["1.1"].updated_by == "小王"
    assert store.answers(w["甲"])["2.1"].note == "本单位"
    assert store.answers(w["乙"]) == {"3.1": Answer("no")}
    (refused,) = journal.refused()
    assert refused.change.fields == {"evidence": "越权"} and journal.conflicts(w["乙"]) == []
    (audit,) = store.users.audit_log(action=REFUSED)
    assert (audit.actor, audit.target) == ("甲填", f"#{w['乙']} 乙局 · 第一轮")


def test_a_change_whose_author_lost_the_scope_before_replay_is_refused(
    store: Store, scoped_world: dict, tmp_path: Path
) -> None:
    """Scope is checked when the change is replayed: the filler's unit was taken away (or
    the trainee's workshop closed) while the change waited."""
    w = scoped_world
    journal = Journal(tmp_path)
    journal.append(by(w["filler"], w["甲"], value="yes"))
    journal.append(by(w["trainee"], w["practice"], value="yes"))
    admin = w["admin"]
    store.users.unassign(w["filler"].user_id, "甲局", by=admin)
    store.workshops.close(admin, "WS-A")

    result = journal.replay(replay_with(store))

    assert (result.applied, result.conflicts, result.refused) == (0, 0, 2)
    assert store.answers(w["甲"]) == {} and store.answers(w["practice"]) == {}


def test_an_author_disabled_or_demoted_before_replay_replays_as_they_now_are(
    store: Store, scoped_world: dict, tmp_path: Path
) -> None:
    """The account is read again at replay: a disabled author's change is refused, and an
    administrator demoted to 填报人 of 甲局 no longer writes to 乙局."""
    w = scoped_world
    users = store.users
    other_admin = users.add("另一位管理员", ADMIN, PASSWORD, by=COMMAND_LINE).caller()
    journal = Journal(tmp_path)
    journal.append(by(w["filler"], w["甲"], value="yes"))
    journal.append(by(w["admin"], w["乙"], value="no"))
    journal.append(by(w["admin"], w["甲"], "2.1", note="降级后仍在范围内"))
    users.set_disabled(w["filler"].user_id, True, by=other_admin)
    users.set_role(w["admin"].user_id, FILLER, by=other_admin)
    users.assign(w["admin"].user_id, "甲局", by=other_admin)

    result = journal.replay(replay_with(store))

    assert (result.applied, result.conflicts, result.refused) == (1, 0, 2)
    assert "1.1" not in store.answers(w["甲"]) and store.answers(w["乙"]) == {}
    assert store.answers(w["甲"])["2.1"].note == "降级后仍在范围内"


def test_a_forged_journal_entry_is_refused_and_audited(
    store: Store, scoped_world: dict, tmp_path: Path
) -> None:
    """Someone who can write into journal/pending/ names an administrator with no account
    (or copies a real entry and changes it): nothing is applied, the entries are kept under
    refused/ and audited."""
    w = scoped_world
    journal = Journal(tmp_path / "journal")
    forged = by(Caller("冒充", ADMIN), w["乙"], value="no")
    (journal.pending_dir / "00000000000000000001-1-000000.json").write_text(
        forged.to_json(), encoding="utf-8"
    )
    real = journal.append(by(w["filler"], w["甲"], value="yes"))
    path = journal.pending_dir / real.name
    signed = json.loads(path.read_text("utf-8"))
    altered = json.loads(signed["change"])
    altered["assessment_id"] = w["乙"]
    signed["change"] = json.dumps(altered, ensure_ascii=False)
    path.write_text(json.dumps(signed), "utf-8")

    result = journal.replay(replay_with(store))

    assert (result.applied, result.refused) == (0, 2)
    assert store.answers(w["乙"]) == {}
    assert len(journal.refused()) == 2
    assert len(store.users.audit_log(action=REFUSED)) == 2


def test_the_journal_key_is_made_once_outside_the_journal_folder_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    first = Journal(tmp_path / "journal")
    key_file = tmp_path / "journal.key"
    assert key_file.exists() and not list((tmp_path / "journal").rglob("*.key"))
    assert key_file.stat().st_mode & 0o777 == 0o600
    made = first.append(change(1, "1.1", Answer(), 0, value="yes"))
    (read,) = Journal(tmp_path / "journal").pending()  # another process: the same key
    assert read.name == made.name and read.change.authentic
    key_file.write_bytes(bytes(32))  # a different key: nothing written before checks out
    (stale,) = Journal(tmp_path / "journal").pending()
    assert not stale.change.authentic
