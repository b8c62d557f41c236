"""Scope is enforced in the store (jiguan.store.scoped): no call returns or changes data
outside the caller's scope, and an id out of scope looks exactly like an id that is not there."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiguan.accounts import ADMIN, FILLER, REVIEWER, TRAINER, Caller
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store, StoreError
from jiguan.store.scoped import DENIED, AccessDenied, ScopedStore
from jiguan.store.users import Users
from jiguan.training import PROFILE_SAMPLE
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

UNITS = ("甲局", "乙局", "丙局")
PDF = b"%PDF-1.7\n%%EOF\n"
PASSWORD = "一个足够长的密码123"


@pytest.fixture
def world(store: Store, rubric: Rubric) -> dict:
    """Two assessments per unit and one practice assessment, each with an answer and a file;
    a 填报人 of 甲局, an 评估组 member assigned 乙局, a 培训师 and an administrator."""
    users = Users(store)
    cid = next(iter(rubric.criteria))
    aids = {}
    for unit in UNITS:
        for n in (1, 2):
            info = store.create_assessment(unit, f"第{n}次")
            store.save_answer(info.id, cid, Answer("yes"), expected_version=0, user="x")
            store.add_file(info.id, cid, "a.pdf", PDF, user="x")
            aids[info.id] = unit
    practice = store.create_assessment("示例单位", "练习", profile={PROFILE_SAMPLE: "s1"})
    store.add_file(practice.id, cid, "a.pdf", PDF, user="x")
    aids[practice.id] = "示例单位"
    callers = {
        FILLER: users.add("甲", FILLER, PASSWORD, unit="甲局").caller(),
        REVIEWER: users.add("乙审", REVIEWER, PASSWORD, unit="乙局").caller(),
        TRAINER: users.add("培", TRAINER, PASSWORD).caller(),
        ADMIN: users.add("管", ADMIN, PASSWORD).caller(),
    }
    readable = {
        FILLER: {a for a, u in aids.items() if u == "甲局"},
        REVIEWER: {a for a, u in aids.items() if u == "乙局"},
        TRAINER: {practice.id},
        ADMIN: set(aids),
    }
    writable = {**readable, REVIEWER: set()}
    return {"cid": cid, "aids": aids, "callers": callers, "r": readable, "w": writable}


def in_scope(role: str, info) -> bool:
    if role == TRAINER:
        return PROFILE_SAMPLE in info.profile
    return info.unit_name == {FILLER: "甲局", REVIEWER: "乙局"}[role]


def snapshot(store: Store, aids) -> dict:
    out = {}
    for aid in aids:
        info = store.get_assessment(aid)
        out[aid] = (
            info,
            store.load_answers(aid),
            [f.id for f in store.list_files(aid, include_removed=True)],
            [f.removed_at for f in store.list_files(aid, include_removed=True)],
        )
    return out


OPS = (
    "get",
    "answers",
    "load",
    "history",
    "files",
    "save",
    "import",
    "update",
    "delete",
    "restore",
    "duplicate",
    "add_file",
    "read_file",
    "remove_file",
    "purge",
)


def call(scoped: ScopedStore, store: Store, op: str, aid: int, cid: str):
    if op == "get":
        return scoped.get_assessment(aid)
    if op == "answers":
        return scoped.answers(aid)
    if op == "load":
        return scoped.load_answers(aid)
    if op == "history":
        return scoped.history(aid)
    if op == "files":
        return scoped.list_files(aid)
    if op == "save":
        return scoped.save_answer(aid, cid, Answer("no"), expected_version=1, user="伪造")
    if op == "import":
        return scoped.replace_answers(aid, {cid: Answer("no")}, user="伪造")
    if op == "update":
        return scoped.update_assessment(aid, round_name="改名")
    if op == "delete":
        return scoped.delete_assessment(aid)
    if op == "restore":
        return scoped.restore_assessment(aid)
    if op == "duplicate":
        return scoped.duplicate_assessment(aid, "副本")
    if op == "add_file":
        return scoped.add_file(aid, cid, "b.pdf", PDF + b"2", user="x")
    try:
        file_id = store.list_files(aid, include_removed=True)[0].id
    except (StoreError, IndexError):  # no such assessment: a guessed file id
        file_id = 10**6
    if op == "read_file":
        return scoped.read_file(file_id)
    if op == "remove_file":
        return scoped.remove_file(file_id, user="x")
    return scoped.purge_assessment(aid)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    role=st.sampled_from([FILLER, REVIEWER, TRAINER]),
    op=st.sampled_from(OPS),
    pick=st.integers(0, 10**6),
)
def test_no_call_reaches_outside_the_scope(
    world: dict, store: Store, role: str, op: str, pick: int
) -> None:
    caller = world["callers"][role]
    scoped = ScopedStore(store, caller)
    every = [*sorted(world["aids"]), max(world["aids"]) + 50 + pick % 5]  # one never existed
    aid = every[pick % len(every)]
    outside = set(world["aids"]) - world["r"][role]
    before = snapshot(store, outside)
    for info in scoped.list_assessments(include_deleted=True):
        assert in_scope(role, info), info
    allowed = world[
        "w" if op not in ("get", "answers", "load", "history", "files", "read_file") else "r"
    ][role]
    try:
        call(scoped, store, op, aid, world["cid"])
    except AccessDenied as exc:
        assert aid not in allowed
        if aid not in world["r"][role]:
            assert str(exc) == DENIED  # the same words whether it exists or not
    except StoreError:
        assert aid in world["r"][role]  # a refusal about the content, only where it may look
    else:
        assert aid in allowed
    assert snapshot(store, outside) == before


def test_admin_and_filler_see_what_they_should(world: dict, store: Store) -> None:
    admin = ScopedStore(store, world["callers"][ADMIN])
    assert {a.id for a in admin.list_assessments()} == set(world["aids"])
    filler = ScopedStore(store, world["callers"][FILLER])
    assert {a.unit_name for a in filler.list_assessments()} == {"甲局"}
    with pytest.raises(AccessDenied, match="只能为本账户所属单位新建"):
        filler.create_assessment("乙局", "新的")
    mine = filler.create_assessment("甲局", "新的")
    with pytest.raises(AccessDenied, match="无权把自评改到其他单位名下"):
        filler.update_assessment(mine.id, unit_name="乙局")
    saved = filler.save_answer(
        mine.id, world["cid"], Answer("yes"), expected_version=0, user="冒名"
    )
    assert saved.updated_by == "甲"  # history records the account, not a typed name


def test_unknown_methods_are_refused_to_all_but_the_administrator(
    world: dict, store: Store
) -> None:
    with pytest.raises(AccessDenied):
        _ = ScopedStore(store, world["callers"][FILLER]).engine
    assert ScopedStore(store, world["callers"][ADMIN]).engine is store.engine
    assert ScopedStore(store, Caller("x", FILLER)).rubric is store.rubric


def test_deletes_purges_and_imports_are_audited(world: dict, store: Store) -> None:
    admin = ScopedStore(store, Caller("管", ADMIN, world["callers"][ADMIN].user_id, "10.0.0.7"))
    aid = next(iter(world["aids"]))
    admin.replace_answers(aid, {}, user="")
    admin.delete_assessment(aid)
    admin.purge_assessment(aid)
    log = Users(store).audit_log()
    assert [e.action for e in log] == ["彻底清除自评", "删除自评", "导入答题表"]
    assert {(e.actor, e.address) for e in log} == {("管", "10.0.0.7")}


def test_only_the_assigned_review_panel_writes_a_review(store: Store, world: dict) -> None:
    by_unit = {}
    for aid, unit in world["aids"].items():
        by_unit.setdefault(unit, aid)
    mine, other = by_unit["乙局"], by_unit["甲局"]
    panel = ScopedStore(store, world["callers"][REVIEWER])
    assert panel.can_review(store.get_assessment(mine))
    panel.reviews.start(mine, user="乙审")
    assert panel.reviews.get(mine) is not None
    with pytest.raises(AccessDenied):
        panel.reviews.start(other, user="乙审")  # not assigned to 甲局
    unit = ScopedStore(store, world["callers"][FILLER])
    assert not unit.can_review(store.get_assessment(other))
    with pytest.raises(AccessDenied):
        unit.reviews.start(other, user="甲")  # the unit cannot review itself
    unit.reviews.get(other)  # but may read its own review
    with pytest.raises(AccessDenied):
        unit.reviews.get(mine)  # and nobody else's
