"""Ids are never reused, and a call on a purged assessment writes nothing (issue 9).

A tab still open on a purged assessment keeps its id; if a new assessment got that id, the
tab's next save would land in someone else's assessment.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jiguan.scoring import Answer
from jiguan.store import NotFoundError, Store, StoreError
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PDF = b"%PDF-1.7\n%test\n"


def purge(store: Store, aid: int) -> None:
    store.delete_assessment(aid)
    store.purge_assessment(aid)


def row_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("assessments", "answers", "answer_history", "evidence_files", "units")
        }


def test_a_purged_assessment_id_is_never_given_out_again(store: Store) -> None:
    first = store.create_assessment("某局", "第一次自评")
    purge(store, first.id)
    second = store.create_assessment("另一局", "第一次自评")
    assert second.id != first.id


def test_purged_file_and_history_ids_are_never_given_out_again(store: Store) -> None:
    aid = store.create_assessment("某局", "第一次自评").id
    old_file = store.add_file(aid, "1.1", "纪要.pdf", PDF, user="张三")
    purge(store, aid)
    new_aid = store.create_assessment("另一局", "第一次自评").id
    new_file = store.add_file(new_aid, "1.1", "纪要.pdf", PDF + b"2", user="李四")
    assert new_file.id != old_file.id
    with store.engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM answer_history")).scalars().all()
    assert min(ids) > 1  # the purged assessment's entry had id 1


def test_every_call_on_a_purged_assessment_is_refused_and_writes_nothing(store: Store) -> None:
    aid = store.create_assessment("某局", "第一次自评").id
    saved = store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    file = store.add_file(aid, "1.1", "纪要.pdf", PDF, user="张三")
    purge(store, aid)
    other = store.create_assessment("另一局", "第一次自评").id
    before = row_counts(store)
    calls = [
        lambda: store.save_answer(aid, "2.1", Answer("yes"), expected_version=0, user="张三"),
        lambda: store.save_answer(
            aid, "1.1", Answer("no"), expected_version=saved.version, user="张三"
        ),
        lambda: store.replace_answers(aid, {"1.1": Answer("no")}, user="张三"),
        lambda: store.add_file(aid, "1.1", "新.pdf", PDF + b"x", user="张三"),
        lambda: store.remove_file(file.id, user="张三"),
        lambda: store.update_assessment(aid, round_name="改名"),
        lambda: store.duplicate_assessment(aid, "第二次自评"),
        lambda: store.delete_assessment(aid),
        lambda: store.restore_assessment(aid),
        lambda: store.purge_assessment(aid),
        lambda: store.get_assessment(aid),
        lambda: store.load_answers(aid),
        lambda: store.answers(aid),
        lambda: store.history(aid),
        lambda: store.list_files(aid),
        lambda: store.read_file(file.id),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert row_counts(store) == before
    assert store.answers(other) == {}


def test_writes_to_a_deleted_assessment_are_refused_and_write_nothing(store: Store) -> None:
    aid = store.create_assessment("某局", "第一次自评").id
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    store.delete_assessment(aid)
    before = row_counts(store)
    calls = [
        lambda: store.save_answer(aid, "1.1", Answer("no"), expected_version=1, user="张三"),
        lambda: store.replace_answers(aid, {"1.1": Answer("no")}, user="张三"),
        lambda: store.add_file(aid, "1.1", "新.pdf", PDF, user="张三"),
        lambda: store.update_assessment(aid, round_name="改名"),
    ]
    for call in calls:
        with pytest.raises(StoreError, match="该自评已删除"):
            call()
    assert row_counts(store) == before
    # reading stays possible, so the page can say what happened and offer 恢复
    assert store.get_assessment(aid).deleted
    assert store.answers(aid)["1.1"] == Answer("yes")
