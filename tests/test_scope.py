"""Scope is enforced in the store (jiguan.store.scoped): no call returns or changes data
outside the caller's scope, and an id out of scope looks exactly like an id that is not there."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, REVIEWER, TRAINEE, TRAINER, Caller
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store, StoreError
from jiguan.store.scoped import DENIED, AccessDenied, ScopedStore
from jiguan.training import PROFILE_SAMPLE, PROFILE_TRAINEE, PROFILE_WORKSHOP
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

UNITS = ("甲局", "乙局", "丙局")
PDF = b"%PDF-1.7\n%%EOF\n"
PASSWORD = "一个足够长的密码123"


@pytest.fixture
def world(store: Store, rubric: Rubric) -> dict:
    """Two assessments per unit (the second submitted) and four practice assessments (two
    trainees of workshop WS-A, one of another trainer's WS-B, one of no workshop), each with a
    file; a 填报人 of 甲局, an 评估组 member assigned 乙局, the 培训师 of WS-A, a trainee 小王 of
    WS-A and an administrator."""
    users = store.users
    cid = next(iter(rubric.criteria))
    aids = {}
    for unit in UNITS:
        for n in (1, 2):
            info = store.create_assessment(unit, f"第{n}次")
            store.save_answer(info.id, cid, Answer("yes"), expected_version=0, user="x")
            store.add_file(info.id, cid, "a.pdf", PDF, user="x")
            # 2.1 不符合: an indicator that lost points, so a 整改事项 (整改台账)
            store.save_answer(info.id, "2.1", Answer("no"), expected_version=0, user="x")
            store.rectification.sync(info.id, user="x")
            (item,) = store.rectification.items(info.id)
            store.rectification.add_file(item.id, "整改.pdf", PDF + b"r", user="x")  # 完成佐证
            if n == 2:  # submitted: the unit's side read-only, the panel may return it
                store.submissions.submit(info.id, user="x", filled_by="张三", leader="李四")
            aids[info.id] = unit
    trainer = users.add("培", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    other_trainer = users.add("培二", TRAINER, PASSWORD, by=COMMAND_LINE).caller()
    workshops = store.workshops
    until = datetime.now(UTC) + timedelta(days=1)
    workshops.open(trainer, "WS-A", "甲班", until)
    workshops.open(other_trainer, "WS-B", "乙班", until)
    practices = {}
    for workshop, trainee in (("WS-A", "小王"), ("WS-A", "小李"), ("WS-B", "小王"), ("", "小赵")):
        profile = {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: workshop, PROFILE_TRAINEE: trainee}
        info = store.create_assessment(
            "【示例】示例单位", f"练习 {workshop} {trainee}", profile=profile
        )
        store.add_file(info.id, cid, "a.pdf", PDF, user="x")
        aids[info.id] = "【示例】示例单位"
        practices[(workshop, trainee)] = info.id
    callers = {
        FILLER: users.add("甲", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller(),
        REVIEWER: users.add("乙审", REVIEWER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller(),
        TRAINER: trainer,
        TRAINEE: workshops.join("WS-A", "小王"),
        ADMIN: users.add("管", ADMIN, PASSWORD, by=COMMAND_LINE).caller(),
    }
    readable = {
        FILLER: {a for a, u in aids.items() if u == "甲局"},
        REVIEWER: {a for a, u in aids.items() if u == "乙局"},
        TRAINER: {practices[("WS-A", "小王")], practices[("WS-A", "小李")]},
        TRAINEE: {practices[("WS-A", "小王")]},
        ADMIN: set(aids),
    }
    writable = {**readable, REVIEWER: set()}
    return {"cid": cid, "aids": aids, "callers": callers, "r": readable, "w": writable}


def in_scope(role: str, info) -> bool:
    if role == TRAINER:
        return info.profile.get(PROFILE_WORKSHOP) == "WS-A"
    if role == TRAINEE:
        return (
            info.profile.get(PROFILE_WORKSHOP) == "WS-A" and info.profile[PROFILE_TRAINEE] == "小王"
        )
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
            store.rectification.items(aid),
        )
    return out


OPS = (
    "get",
    "view",
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
    "rect_items",
    "rect_sync",
    "rect_update",
    "rect_verify",
    "rect_add_file",
    "rect_read_file",
    "rect_remove_file",
)
READS = (
    "get",
    "view",
    "answers",
    "load",
    "history",
    "files",
    "read_file",
    "rect_items",
    "rect_sync",
    "rect_read_file",
)
RECT_FILE_OPS = ("rect_read_file", "rect_remove_file")


def item_of(store: Store, aid: int) -> int:
    """The first 整改事项 of ``aid`` (a guessed id when it has none or does not exist)."""
    try:
        items = store.rectification.items(aid)
    except StoreError:
        items = []
    return items[0].id if items else 10**6


def rect_file_of(store: Store, aid: int) -> int:
    """The first file of the first 整改事项 of ``aid`` (a guessed id when there is none)."""
    try:
        items = store.rectification.items(aid)
    except StoreError:
        items = []
    return items[0].files[0].id if items and items[0].files else 10**6


def call(scoped: ScopedStore, store: Store, op: str, aid: int, cid: str):
    if op == "get":
        return scoped.get_assessment(aid)
    if op == "view":
        return scoped.view(aid)
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
    if op == "rect_items":
        return scoped.rectification.items(aid)
    if op == "rect_sync":  # writes only for those who write or review; others read
        return scoped.rectification.sync(aid, user="伪造")
    if op in ("rect_update", "rect_verify"):
        change = {"measures": "伪造"} if op == "rect_update" else {"status": "verified"}
        return scoped.rectification.update(
            item_of(store, aid), change, expected_version=1, user="伪造"
        )
    if op == "rect_add_file":
        return scoped.rectification.add_file(item_of(store, aid), "整改2.pdf", PDF + b"s", user="x")
    if op == "rect_read_file":
        return scoped.rectification.read_file(rect_file_of(store, aid))
    if op == "rect_remove_file":
        return scoped.rectification.remove_file(rect_file_of(store, aid), user="x")
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
    role=st.sampled_from([FILLER, REVIEWER, TRAINER, TRAINEE]),
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
    allowed = world["w" if op not in READS else "r"][role]
    if op == "rect_verify" and role == REVIEWER:  # the panel verifies (never writes answers)
        allowed = world["r"][role]
    if op in ("rect_update", "rect_verify") and item_of(store, aid) == 10**6:
        allowed = set()  # no item of this assessment: a guessed item id
    if op == "rect_add_file" and item_of(store, aid) == 10**6:
        allowed = set()
    if op in RECT_FILE_OPS and rect_file_of(store, aid) == 10**6:
        allowed = set()  # no file on this assessment's item: a guessed file id
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
    log = store.users.audit_log(actor="管")
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


def test_trainees_create_only_their_own_practice_and_expire_with_the_workshop(
    world: dict, store: Store
) -> None:
    trainee = ScopedStore(store, world["callers"][TRAINEE])
    mine = {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "WS-A", PROFILE_TRAINEE: "小王"}
    for profile in (
        {**mine, PROFILE_WORKSHOP: "WS-B"},
        {**mine, PROFILE_TRAINEE: "小李"},
        {PROFILE_WORKSHOP: "WS-A", PROFILE_TRAINEE: "小王"},  # not a practice
    ):
        with pytest.raises(AccessDenied):
            trainee.create_assessment("【示例】示例单位", "偷偷建的", profile=profile)
    with pytest.raises(AccessDenied):
        trainee.create_assessment("甲局", "偷偷建的")
    info = trainee.create_assessment("【示例】示例单位", "第二次练习", profile=mine)
    with pytest.raises(AccessDenied, match="培训班"):
        trainee.update_assessment(info.id, profile={**mine, PROFILE_WORKSHOP: "WS-B"})
    assert info.id in {a.id for a in trainee.list_assessments()}
    store.workshops.close(world["callers"][TRAINER], "WS-A")
    after = ScopedStore(store, world["callers"][TRAINEE])
    assert after.list_assessments() == []
    with pytest.raises(AccessDenied):
        after.get_assessment(info.id)
    with pytest.raises(StoreError, match="培训班代码不正确或培训班已结束"):
        store.workshops.join("WS-A", "小王")
    # the trainer still sees the workshop's practices after it ends, and may clear them
    trainer = ScopedStore(store, world["callers"][TRAINER])
    assert info.id in {a.id for a in trainer.list_assessments()}
    trainer.delete_assessment(info.id)
    trainer.purge_assessment(info.id)


def test_workshop_codes_are_checked(world: dict, store: Store) -> None:
    workshops = store.workshops
    trainer = world["callers"][TRAINER]
    soon = datetime.now(UTC) + timedelta(hours=3)
    with pytest.raises(StoreError, match="已被使用"):
        workshops.open(trainer, "WS-B", "抢别人的代码", soon)
    with pytest.raises(StoreError, match="至少 4 个字符"):
        workshops.open(trainer, "AB", "短", soon)
    with pytest.raises(StoreError, match="晚于现在"):
        workshops.open(trainer, "WS-C", "过去", datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(StoreError, match="只有培训师"):
        workshops.open(world["callers"][FILLER], "WS-D", "填报人", soon)
    assert [w.code for w in workshops.list(trainer)] == ["WS-A"]
    with pytest.raises(StoreError, match="姓名不能为空"):
        workshops.join("WS-A", "  ")
    sixty = {workshops.join("WS-A", f"学员{n:02d}").name for n in range(60)}
    assert len(sixty) == 60
    actions = [e.action for e in store.users.audit_log(actor="学员07")]
    assert actions == ["加入培训班"]


def test_only_the_administrator_moves_an_assessment_and_never_a_practice(
    world: dict, store: Store
) -> None:
    """A 培训师 typed 乙局 into 承担单位 of a practice: refused, nothing moved. A 填报人 moves
    nothing either (even between units of their own); the administrator may move a unit's
    assessment (audited), but no practice leaves its sample unit; a copy of a practice is a
    practice of the same workshop."""
    trainer = ScopedStore(store, world["callers"][TRAINER])
    practice = next(a.id for a in trainer.list_assessments())
    with pytest.raises(AccessDenied):
        trainer.update_assessment(practice, unit_name="乙局")
    assert store.get_assessment(practice).unit_name == "【示例】示例单位"
    users = store.users
    filler_caller = world["callers"][FILLER]
    users.assign(filler_caller.user_id, "乙局", by=world["callers"][ADMIN])
    filler = ScopedStore(store, filler_caller)
    mine = next(  # (not the submitted round: read-only to everyone while it stands)
        a.id for a in filler.list_assessments() if (a.unit_name, a.round_name) == ("甲局", "第1次")
    )
    with pytest.raises(AccessDenied):
        filler.update_assessment(mine, unit_name="乙局")
    admin = ScopedStore(store, world["callers"][ADMIN])
    with pytest.raises(StoreError):
        admin.update_assessment(practice, unit_name="乙局")
    assert store.get_assessment(practice).unit_name == "【示例】示例单位"
    assert admin.update_assessment(mine, unit_name="丁局").unit_name == "丁局"
    (entry,) = users.audit_log(action="移动自评")
    assert "甲局" in entry.detail and "丁局" in entry.detail
    copy = trainer.duplicate_assessment(practice, "练习 复制")
    assert copy.unit_name == "【示例】示例单位"
    assert copy.profile[PROFILE_SAMPLE] and copy.profile[PROFILE_WORKSHOP] == "WS-A"
    with pytest.raises(AccessDenied):  # nor by taking the practice keys out of the profile
        trainer.update_assessment(practice, profile={"填表人": "培"})


def test_a_demoted_administrator_or_trainer_can_no_longer_act(world: dict, store: Store) -> None:
    """The caller a page drew with is checked again by the domain at every call: an
    administrator demoted while the page was open creates no administrator, and a trainer
    demoted opens no workshop."""
    users = store.users
    admin = world["callers"][ADMIN]
    other = users.add("另一位管理员", ADMIN, PASSWORD, by=admin).caller()
    users.set_role(admin.user_id, FILLER, by=other)
    for act in (
        lambda: users.add("后门", ADMIN, PASSWORD, by=admin),
        lambda: users.set_role(world["callers"][FILLER].user_id, ADMIN, by=admin),
        lambda: users.reset_password(other.user_id, "被重设的新密码123", by=admin),
        lambda: users.assign(world["callers"][FILLER].user_id, "丙局", by=admin),
        lambda: users.set_disabled(other.user_id, True, by=admin),
    ):
        with pytest.raises(AccessDenied):
            act()
    assert [u.name for u in users.list() if u.role == ADMIN] == ["另一位管理员"]
    trainer = world["callers"][TRAINER]
    users.set_role(trainer.user_id, FILLER, by=other)
    soon = datetime.now(UTC) + timedelta(hours=3)
    with pytest.raises(AccessDenied):
        store.workshops.open(trainer, "WS-X", "降级后", soon)
    with pytest.raises(AccessDenied):
        store.workshops.close(trainer, "WS-A")
    assert store.workshops.is_active("WS-A")
    for who in (world["callers"][FILLER], world["callers"][TRAINEE]):
        with pytest.raises(AccessDenied):
            users.add("越权", FILLER, PASSWORD, by=who)


# ---- every role, every kind of write (issue 21) ---------------------------------------------

DEMOTED = "demoted"  # an administrator demoted to 填报人 of 甲局 while a page still says 管理员
UNIT_CHOICES = ("甲局", "乙局", "丙局", "【示例】示例单位")
PROFILE_CHOICES = (
    None,
    {"填表人": "某人"},
    {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "WS-A", PROFILE_TRAINEE: "小王"},
    {PROFILE_SAMPLE: "s1", PROFILE_WORKSHOP: "WS-B", PROFILE_TRAINEE: "小王"},
)
WRITES = (
    "save",
    "import",
    "update",
    "move",
    "retag",
    "create",
    "duplicate",
    "delete",
    "restore",
    "purge",
    "add_file",
    "remove_file",
    "verdict",
    "rect_sync",
    "rect_update",
    "rect_verify",
    "rect_add_file",
    "rect_remove_file",
    "add_user",
    "promote",
    "open_workshop",
    "close_workshop",
    "submit",
    "give_back",
)


@pytest.fixture
def world_with_demoted(world: dict, store: Store) -> dict:
    users = store.users
    demoted = users.add("降级管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    stale = demoted.caller()
    users.set_role(demoted.id, FILLER, by=COMMAND_LINE)
    users.assign(demoted.id, "甲局", by=COMMAND_LINE)
    world["callers"][DEMOTED] = stale
    return world


def everything(store: Store) -> dict:
    out = {}
    for info in store.list_assessments(include_deleted=True):
        files = store.list_files(info.id, include_removed=True)
        out[info.id] = (
            info,
            store.load_answers(info.id),
            [(f.id, f.removed_at) for f in files],
            store.reviews.verdicts(info.id),
            store.rectification.items(info.id),
            store.submissions.history(info.id),
        )
    return out


def accounts_and_workshops(store: Store, trainer: Caller) -> tuple:
    users = [(u.name, u.role, u.disabled, u.units) for u in store.users.list()]
    workshops = store.workshops.list(Caller("管", ADMIN, 0))  # every workshop
    return users, [(w.code, w.trainer, w.expires_at) for w in workshops]


def write(store: Store, caller: Caller, op: str, aid: int, cid: str, pick: int):
    scoped = ScopedStore(store, caller)
    unit = UNIT_CHOICES[pick % len(UNIT_CHOICES)]
    profile = PROFILE_CHOICES[pick % len(PROFILE_CHOICES)]
    if op == "move":
        return scoped.update_assessment(aid, unit_name=unit)
    if op == "retag":
        return scoped.update_assessment(aid, profile=profile or {})
    if op == "create":
        return scoped.create_assessment(unit, f"新建{pick}", profile=profile)
    if op == "verdict":
        from jiguan.review import Verdict

        verdict = Verdict("no", None, "不符合", "")
        return scoped.reviews.save_verdict(aid, cid, verdict, expected_version=0, user="x")
    if op == "add_user":
        return store.users.add(f"新账户{pick}", ADMIN, PASSWORD, by=caller)
    if op == "promote":
        other_trainer = next(u for u in store.users.list() if u.name == "培二")
        return store.users.set_role(other_trainer.id, ADMIN, by=caller)
    if op == "open_workshop":
        soon = datetime.now(UTC) + timedelta(hours=3)
        return store.workshops.open(caller, None, f"班{pick}", soon)
    if op == "close_workshop":
        return store.workshops.close(caller, "WS-B" if pick % 2 else "WS-A")
    if op == "submit":
        return scoped.submissions.submit(aid, user="伪造", filled_by="伪造", leader="伪造")
    if op == "give_back":
        return scoped.submissions.give_back(aid, user="伪造", reason="伪造")
    return call(scoped, store, op, aid, cid)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    role=st.sampled_from([FILLER, REVIEWER, TRAINER, TRAINEE, ADMIN, DEMOTED]),
    op=st.sampled_from(WRITES),
    pick=st.integers(0, 10**6),
)
def test_no_write_of_any_kind_lands_outside_the_callers_scope(
    world_with_demoted: dict, store: Store, role: str, op: str, pick: int
) -> None:
    """Random callers, random writes: whatever changed afterwards (an assessment, its answers,
    files or verdicts, a new one, an account, a workshop) was the caller's to change, before
    and after; a demoted administrator changes nothing; no practice is ever outside a sample
    unit."""
    w = world_with_demoted
    caller = w["callers"][role]
    known = sorted(everything(store))
    aid = [*known, max(known) + 50][pick % (len(known) + 1)]
    before, people = everything(store), accounts_and_workshops(store, caller)
    # refused (AccessDenied) or refused for its content: what matters is checked below
    with contextlib.suppress(StoreError):
        write(store, caller, op, aid, w["cid"], pick)
    after, people_after = everything(store), accounts_and_workshops(store, caller)
    changed = {a for a in after if after[a] != before.get(a)}
    for a in changed:
        if role == DEMOTED:
            pytest.fail(f"a demoted administrator changed #{a} by {op}")
        if role in (FILLER, TRAINER, TRAINEE):
            assert in_scope(role, after[a][0]), (op, after[a][0])
            assert a not in before or in_scope(role, before[a][0]), (op, before[a][0])
        if role == REVIEWER:  # the panel writes verdicts of its unit only, never the claims
            assert in_scope(role, after[a][0]) and after[a][1:3] == before[a][1:3], op
            # nor the 整改事项' files (the unit's 完成佐证)
            assert [i.files for i in after[a][4]] == [i.files for i in before[a][4]], op
            old, new = before[a][0], after[a][0]
            assert (old.unit_name, old.round_name, old.profile) == (
                new.unit_name,
                new.round_name,
                new.profile,
            ), op
    for info, *_ in after.values():
        if PROFILE_SAMPLE in info.profile:
            assert info.unit_name.startswith("【示例】"), (op, info)
    users, workshops = people
    users_after, workshops_after = people_after
    if role != ADMIN:
        assert users_after == users, op
    if role not in (ADMIN, TRAINER):
        assert workshops_after == workshops, op
    if role == TRAINER:  # only its own workshops
        theirs = {(c, t, e) for c, t, e in workshops_after if t == caller.name}
        assert set(workshops_after) - set(workshops) <= theirs, op
