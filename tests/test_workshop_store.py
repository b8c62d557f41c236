"""A workshop in the store (issue 26): 交卷 is final for the trainee (the trainer may reopen),
ending a workshop refuses the next write at once, a workshop can be extended or reopened, a
cleared workshop's code can be used again, and a name already used in a workshop is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jiguan.accounts import COMMAND_LINE, TRAINER
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store, StoreError
from jiguan.store.scoped import ScopedStore
from jiguan.training import PROFILE_SAMPLE, PROFILE_SUBMITTED, PROFILE_TRAINEE, PROFILE_WORKSHOP
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PASSWORD = "一个足够长的密码123"
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def room(store: Store, rubric: Rubric) -> dict:
    trainer = store.users.add("培", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    store.workshops.open(trainer, "WS-A", "甲班", datetime.now(UTC) + timedelta(days=1))
    trainee = ScopedStore(store, store.workshops.join("WS-A", "小王"))
    profile = {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "WS-A", PROFILE_TRAINEE: "小王"}
    info = trainee.create_assessment("【示例】甲市", "练习 · 小王", profile=profile)
    return {
        "trainer": trainer,
        "trainee": trainee,
        "aid": info.id,
        "cid": next(iter(rubric.criteria)),
    }


def _hand_in(scoped: ScopedStore, aid: int) -> None:
    profile = {**scoped.get_assessment(aid).profile, PROFILE_SUBMITTED: "2026-12-01T10:00:00+08:00"}
    scoped.update_assessment(aid, profile=profile)


def test_a_handed_in_practice_is_read_only_for_its_trainee(store: Store, room: dict) -> None:
    trainee, aid, cid = room["trainee"], room["aid"], room["cid"]
    trainee.save_answer(aid, cid, Answer("yes"), expected_version=0, user="小王")
    file = store.add_file(aid, cid, "a.pdf", PDF, user="培")  # the sample's file
    _hand_in(trainee, aid)
    for write in (
        lambda: trainee.save_answer(aid, cid, Answer("no"), expected_version=1, user="小王"),
        lambda: trainee.replace_answers(aid, {cid: Answer("no")}, user="小王"),
        lambda: trainee.add_file(aid, cid, "b.pdf", PDF, user="小王"),
        lambda: trainee.remove_file(file.id, user="小王"),
        lambda: trainee.update_assessment(aid, profile={PROFILE_SAMPLE: "s1"}),
    ):
        with pytest.raises(StoreError, match="已交卷"):
            write()
    assert store.answers(aid)[cid].value == "yes"  # nothing changed
    assert trainee.answers(aid)[cid].value == "yes"  # still readable
    # a second tab of the same trainee (its own ScopedStore, which read the practice earlier)
    other_tab = ScopedStore(store, trainee.caller)
    with pytest.raises(StoreError, match="已交卷"):
        other_tab.save_answer(aid, cid, Answer("no"), expected_version=1, user="小王")


def test_the_trainer_reopens_one_trainees_practice(store: Store, room: dict) -> None:
    trainee, aid, cid = room["trainee"], room["aid"], room["cid"]
    _hand_in(trainee, aid)
    ScopedStore(store, room["trainer"]).update_assessment(
        aid,
        profile={
            k: v for k, v in store.get_assessment(aid).profile.items() if k != PROFILE_SUBMITTED
        },
    )
    trainee.save_answer(aid, cid, Answer("no"), expected_version=0, user="小王")
    assert store.answers(aid)[cid].value == "no"


def test_ending_the_workshop_refuses_the_next_write_at_once(store: Store, room: dict) -> None:
    trainee, aid, cid = room["trainee"], room["aid"], room["cid"]
    trainee.save_answer(aid, cid, Answer("yes"), expected_version=0, user="小王")
    store.workshops.close(room["trainer"], "WS-A")
    with pytest.raises(StoreError, match="培训班已结束"):  # the same page's store, a second later
        trainee.save_answer(aid, cid, Answer("no"), expected_version=1, user="小王")
    assert store.answers(aid)[cid].value == "yes"


def test_a_workshop_is_extended_and_reopened_never_into_the_past(store: Store, room: dict) -> None:
    workshops, trainer = store.workshops, room["trainer"]
    workshops.close(trainer, "WS-A")
    assert not workshops.is_active("WS-A")
    with pytest.raises(StoreError, match="晚于现在"):
        workshops.extend(trainer, "WS-A", datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(StoreError, match="最长"):
        workshops.extend(trainer, "WS-A", datetime.now(UTC) + timedelta(days=40))
    other = store.users.add("培二", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    with pytest.raises(StoreError):
        workshops.extend(other, "WS-A", datetime.now(UTC) + timedelta(days=1))
    until = datetime.now(UTC) + timedelta(days=2)
    workshops.extend(trainer, "WS-A", until)
    assert workshops.is_active("WS-A")
    assert workshops.join("WS-A", "小李").workshop == "WS-A"
    actions = [e.action for e in store.users.audit_log(actor="培")]
    assert "延长培训班" in actions


def test_a_cleared_workshops_code_can_be_used_again(store: Store, room: dict) -> None:
    workshops, trainer = store.workshops, room["trainer"]
    with pytest.raises(StoreError, match="先结束"):
        workshops.remove(trainer, "WS-A")
    workshops.close(trainer, "WS-A")
    with pytest.raises(StoreError, match="练习"):  # its practices first
        workshops.remove(trainer, "WS-A")
    scoped = ScopedStore(store, trainer)
    scoped.delete_assessment(room["aid"])
    scoped.purge_assessment(room["aid"])
    workshops.remove(trainer, "WS-A")
    again = workshops.open(trainer, "WS-A", "甲班第二期", datetime.now(UTC) + timedelta(days=1))
    assert again.name == "甲班第二期"
    assert not workshops.joined_before("WS-A", "小王")  # the old class's names are not this one's


def test_a_name_already_used_in_the_workshop_is_known(store: Store, room: dict) -> None:
    workshops = store.workshops
    assert workshops.joined_before("WS-A", "小王")
    assert not workshops.joined_before("WS-A", "张三")
    workshops.join("WS-A", "张三")
    assert workshops.joined_before("WS-A", "张三")
    assert not workshops.joined_before("WS-B", "张三")


def test_a_trainee_cannot_change_the_samples_evidence_or_files(store: Store, room: dict) -> None:
    trainee, aid, cid = room["trainee"], room["aid"], room["cid"]
    store.replace_answers(aid, {cid: Answer(None, evidence="《通知》〔2025〕1号")}, user="培")
    file = store.add_file(aid, cid, "a.pdf", PDF, user="培")
    with pytest.raises(StoreError, match="佐证"):
        trainee.save_answer(
            aid, cid, Answer("yes", evidence="我编的佐证"), expected_version=1, user="x"
        )
    with pytest.raises(StoreError, match="文件"):
        trainee.add_file(aid, cid, "b.pdf", PDF, user="小王")
    with pytest.raises(StoreError, match="文件"):
        trainee.remove_file(file.id, user="小王")
    # scoring it, with the sample's evidence as it is, and a note of their own, is theirs
    saved = trainee.save_answer(
        aid,
        cid,
        Answer("yes", evidence="《通知》〔2025〕1号", note="我的理由"),
        expected_version=1,
        user="x",
    )
    assert (saved.answer.value, saved.answer.note) == ("yes", "我的理由")
