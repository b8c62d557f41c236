"""The process's board of when open assessments last changed (issue 25): every tab's poll is
answered from memory, with one store query per interval for all watched assessments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from jiguan.stamps import Stamps
from jiguan.store import Store, StoreUnavailable
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_many_tabs_in_one_interval_make_one_query_for_all_watched(store: Store) -> None:
    a = store.create_assessment("甲局", "第一次自评")
    b = store.create_assessment("乙局", "第一次自评")
    queries: list[list[int]] = []

    def read(aids: Sequence[int]) -> dict[int, datetime]:
        queries.append(list(aids))
        return store.stamps(aids)

    clock = Clock()
    board = Stamps(read, every=1.0, clock=clock)
    assert board.get(a.id) == a.updated_at
    assert board.get(b.id) == b.updated_at  # not read yet: read now, with a
    for _ in range(100):
        board.get(a.id), board.get(b.id)
    assert queries == [[a.id], [a.id, b.id]]

    store.update_assessment(a.id, round_name="第二次自评")
    assert board.get(a.id) == a.updated_at  # within the interval: the reading stands
    clock.now = 1.0
    moved = board.get(a.id)
    assert moved == store.get_assessment(a.id).updated_at and moved != a.updated_at
    assert queries[-1] == [a.id, b.id] and len(queries) == 3


def test_unwatched_assessments_are_forgotten_and_missing_ones_are_none(store: Store) -> None:
    a = store.create_assessment("甲局", "第一次自评")
    queries: list[list[int]] = []

    def read(aids: Sequence[int]) -> dict[int, datetime]:
        queries.append(list(aids))
        return store.stamps(aids)

    clock = Clock()
    board = Stamps(read, every=1.0, forget_after=60.0, clock=clock)
    assert board.get(999_999) is None
    board.get(a.id)
    clock.now = 61.0
    board.get(a.id)
    assert queries[-1] == [a.id]  # 999999 was last asked about 61 s ago


def test_an_unreachable_database_reaches_the_caller_and_the_next_call_reads_again() -> None:
    calls = 0

    def read(aids: Sequence[int]) -> dict[int, datetime]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise StoreUnavailable("数据库暂时无法连接")
        return {aid: datetime(2026, 12, 4) for aid in aids}

    board = Stamps(read, clock=Clock())
    with pytest.raises(StoreUnavailable):
        board.get(1)
    assert board.get(1) == datetime(2026, 12, 4)


def test_store_stamps_ignore_ids_no_database_could_hold(store: Store) -> None:
    a = store.create_assessment("甲局", "第一次自评")
    assert store.stamps([a.id, -1, 2**63, 0]) == {a.id: a.updated_at}
    assert store.stamps([]) == {}
