"""The formal review in the store, on SQLite and PostgreSQL: create, finalise, read-only when
final, reopen with history, and the predecessor link of 复制为下一轮."""

from __future__ import annotations

import pytest

from jiguan.review import FINAL, OPEN, Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, all_yes
from jiguan.store import ConflictError, NotFoundError, Store, StoreError
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store


@pytest.fixture
def aid(store: Store, rubric: Rubric) -> int:
    aid = store.create_assessment("某市机关事务管理局", "第一次自评").id
    store.replace_answers(aid, all_yes(rubric, evidence="制度文件"), user="张三")
    return aid


def test_verdicts_never_change_the_units_answers(store: Store, aid: int) -> None:
    before = store.answers(aid)
    history = store.history(aid)
    assert store.reviews.get(aid) is None
    saved = store.reviews.save_verdict(
        aid, "1.1", Verdict("partial", 1.0, "制度未印发"), expected_version=0, user="评估组王五"
    )
    assert saved.version == 1 and saved.verdict.reason == "制度未印发"
    assert store.answers(aid) == before and store.history(aid) == history
    info = store.reviews.get(aid)
    assert info is not None and info.state == OPEN and info.state_label == "评审中"
    # compare-and-set, as answers
    with pytest.raises(ConflictError) as caught:
        store.reviews.save_verdict(aid, "1.1", Verdict("no"), expected_version=0, user="赵六")
    assert caught.value.current.verdict.value == "partial"  # type: ignore[union-attr]
    again = store.reviews.save_verdict(
        aid, "1.1", Verdict("partial", 1.0, "制度未印发"), expected_version=1, user="王五"
    )
    assert again.version == 1  # the same verdict: nothing written
    with pytest.raises(StoreError, match=r"评分项 1\.1"):
        store.reviews.save_verdict(aid, "1.1", Verdict("partial", 2), expected_version=1, user="x")


def test_finalise_reopen_and_history(store: Store, rubric: Rubric, aid: int) -> None:
    reviews = store.reviews
    assert reviews.adopt_claims(aid, user="王五") == len(rubric.criteria)
    reviews.save_verdict(aid, "2.1", Verdict("no"), expected_version=1, user="王五")
    with pytest.raises(StoreError) as caught:
        reviews.finalise(aid, user="王五")
    message = str(caught.value)
    assert "评估组成员" in message and "评估日期" in message and "2.1" in message
    assert reviews.get(aid).state == OPEN  # type: ignore[union-attr]
    reviews.update_details(aid, user="王五", reviewers="王五、赵六", review_date="2026-12-01")
    reviews.save_verdict(
        aid,
        "2.1",
        Verdict("no", reason="未见文件", site_note="现场未见"),
        expected_version=2,
        user="王五",
    )
    info = reviews.finalise(aid, user="王五")
    assert info.state == FINAL and info.final and info.finalised_by == "王五"
    assert info.claims is not None and info.claims["2.1"].value == "yes"
    # read-only once final: every write refuses, nothing changes
    for write in (
        lambda: reviews.save_verdict(aid, "3.1", Verdict("no"), expected_version=1, user="x"),
        lambda: reviews.update_details(aid, user="x", reviewers="别人"),
        lambda: reviews.adopt_claims(aid, user="x"),
        lambda: reviews.replace_verdicts(aid, {}, user="x"),
        lambda: reviews.finalise(aid, user="x"),
    ):
        with pytest.raises(StoreError, match="已定稿"):
            write()
    assert reviews.verdicts(aid)["3.1"].verdict.value == "yes"
    # the claims are kept as they were when finalised
    store.save_answer(aid, "3.1", Answer("no"), expected_version=1, user="张三")
    assert reviews.get(aid).claims["3.1"].value == "yes"  # type: ignore[union-attr]
    with pytest.raises(StoreError, match="原因"):
        reviews.reopen(aid, user="王五", reason=" ")
    reopened = reviews.reopen(aid, user="王五", reason="单位补交了材料")
    assert reopened.state == OPEN and reopened.claims is None
    reviews.save_verdict(aid, "3.1", Verdict("no"), expected_version=1, user="王五")
    events = [(e.event, e.detail) for e in reviews.history(aid) if e.event != "verdict"]
    assert events[0] == ("started", "")
    assert ("finalised", "") in events and ("reopened", "单位补交了材料") in events
    assert [e.new.value for e in reviews.history(aid, "2.1")] == ["yes", "no", "no"]  # type: ignore[union-attr]
    with pytest.raises(StoreError, match="无需重新打开"):
        reviews.reopen(aid, user="王五", reason="再次")


def test_replace_verdicts_is_all_or_nothing(store: Store, aid: int) -> None:
    reviews = store.reviews
    reviews.save_verdict(
        aid, "1.1", Verdict("yes", site_note="看了台账"), expected_version=0, user="王"
    )
    with pytest.raises(StoreError, match="未导入"):
        reviews.replace_verdicts(aid, {"1.1": Verdict("no"), "9.9": Verdict("yes")}, user="王")
    assert reviews.verdicts(aid)["1.1"].verdict.value == "yes"
    assert reviews.replace_verdicts(aid, {"1.1": Verdict("no", reason="无")}, user="王") == 1
    assert reviews.verdicts(aid)["1.1"].verdict == Verdict("no", None, "无", "看了台账")


def test_review_of_a_deleted_assessment_is_refused(store: Store, aid: int) -> None:
    store.delete_assessment(aid)
    with pytest.raises(StoreError, match="已删除"):
        store.reviews.save_verdict(aid, "1.1", Verdict("yes"), expected_version=0, user="王")
    store.purge_assessment(aid)  # reviews go with it


def test_next_round_links_its_predecessor(store: Store, aid: int) -> None:
    store.reviews.save_verdict(
        aid, "1.1", Verdict("no", reason="无"), expected_version=0, user="王"
    )
    second = store.duplicate_assessment(aid, "第二次自评", user="张三")
    third = store.duplicate_assessment(second.id, "第三次自评", user="张三")
    assert second.predecessor_id == aid and third.predecessor_id == second.id
    assert store.get_assessment(aid).predecessor_id is None
    assert [a.round_name for a in store.rounds(third.id)] == [
        "第一次自评",
        "第二次自评",
        "第三次自评",
    ]
    assert store.reviews.get(second.id) is None  # a new round has no review of its own
    store.delete_assessment(aid)
    store.purge_assessment(aid)
    assert store.get_assessment(second.id).predecessor_id is None
    assert [a.round_name for a in store.rounds(third.id)] == ["第二次自评", "第三次自评"]


def test_view_reads_in_one_what_the_single_reads_read(store: Store, aid: int) -> None:
    """`Store.view` (what a page load reads, in one transaction) holds what the assessment,
    answers, files, latest submission and review read one by one hold, at each stage."""

    def one_by_one():
        return (
            store.get_assessment(aid),
            store.load_answers(aid),
            store.list_files(aid),
            store.submissions.latest(aid),
            store.reviews.get(aid),
        )

    def together():
        seen = store.view(aid)
        return (seen.info, seen.answers, seen.files, seen.submitted, seen.review)

    assert together() == one_by_one()
    assert together()[3] is None and together()[4] is None
    store.add_file(aid, "1.1", "制度.pdf", b"%PDF-1.7\n%%EOF\n", user="张三")
    store.submissions.submit(aid, user="张三", filled_by="张三", leader="李四")
    store.reviews.save_verdict(aid, "1.1", Verdict("yes"), expected_version=0, user="王五")
    assert together() == one_by_one()
    seen = store.view(aid)
    assert list(seen.answers) == list(store.load_answers(aid))  # rubric order
    assert [f.filename for f in seen.files] == ["制度.pdf"]
    assert seen.submitted is not None and seen.review is not None
    with pytest.raises(NotFoundError):
        store.view(aid + 1000)
