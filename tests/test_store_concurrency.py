"""Two people (threads, processes) editing one assessment; a process killed mid-edit."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import ConflictError, SavedAnswer, Store, StoreUnavailable
from tests import store_support
from tests.store_support import run_worker

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

COUNT = "21.1"  # a count criterion: the value is a counter we increment


@pytest.fixture
def aid(store: Store) -> int:
    return store.create_assessment("某局", "第一次自评").id


def check_no_lost_update(store: Store, aid: int, total: int, versions: list[int]) -> None:
    """Every increment landed exactly once and the history tells the whole story."""
    saved = store.load_answers(aid)[COUNT]
    assert saved.answer.value == total
    assert saved.version == total
    assert sorted(versions) == list(range(1, total + 1))  # no two writers got the same version
    history = store.history(aid, COUNT)
    assert len(history) == total
    previous = None
    for entry in sorted(history, key=lambda h: h.version or 0):
        assert entry.old == previous  # each change starts from what the last one left
        assert entry.new.value == (previous.value if previous else 0) + 1
        previous = entry.new


def test_racing_writers_one_wins_others_are_told(store: Store, aid: int) -> None:
    first = store.save_answer(aid, "1.1", Answer("no"), expected_version=0, user="起草人")
    n = 6
    barrier = threading.Barrier(n)
    wins: list[SavedAnswer] = []
    conflicts: list[ConflictError] = []

    def edit(k: int) -> None:
        barrier.wait()
        try:
            wins.append(
                store.save_answer(
                    aid,
                    "1.1",
                    Answer("yes", evidence=f"用户{k}的佐证"),
                    expected_version=first.version,
                    user=f"用户{k}",
                )
            )
        except ConflictError as exc:
            conflicts.append(exc)

    threads = [threading.Thread(target=edit, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(conflicts) == n - 1
    [winner] = wins
    assert store.load_answers(aid)["1.1"] == winner
    for exc in conflicts:
        assert exc.current == winner
        assert f"此项已被「{winner.updated_by}」" in str(exc)
    assert len(store.history(aid, "1.1")) == 2


def test_threads_read_modify_write_lose_nothing(store: Store, aid: int) -> None:
    workers, per_worker = 4, 10
    versions: list[int] = []
    conflicts = 0
    lock = threading.Lock()

    def work(name: str) -> None:
        nonlocal conflicts
        done = 0
        while done < per_worker:
            saved = store.load_answers(aid).get(COUNT)
            version = saved.version if saved else 0
            value = saved.answer.value if saved else 0
            try:
                result = store.save_answer(
                    aid, COUNT, Answer(value + 1), expected_version=version, user=name
                )
            except ConflictError as exc:
                assert exc.current is not None and exc.current.version > version
                with lock:
                    conflicts += 1
                continue
            with lock:
                versions.append(result.version)
            done += 1

    threads = [threading.Thread(target=work, args=(f"用户{k}",)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check_no_lost_update(store, aid, workers * per_worker, versions)


def test_processes_read_modify_write_lose_nothing(store: Store, aid: int) -> None:
    workers, per_worker = 3, 8
    procs = [
        run_worker(
            "increment",
            store.url,
            str(store.files_dir),
            str(aid),
            COUNT,
            str(per_worker),
            f"进程{k}",
        )
        for k in range(workers)
    ]
    versions: list[int] = []
    conflicts = 0
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        lines = out.splitlines()
        assert lines[-1] == "done"
        for line in lines[:-1]:
            kind, version, *_ = line.split()
            if kind == "saved":
                versions.append(int(version))
            else:
                assert kind == "conflict"
                conflicts += 1
    assert len(versions) == workers * per_worker
    check_no_lost_update(store, aid, workers * per_worker, versions)


def test_killed_mid_edit_keeps_every_reported_save(
    store: Store, aid: int, rubric: Rubric, files_dir: Path
) -> None:
    proc = run_worker("edit", store.url, str(files_dir), str(aid))
    reported: dict[str, tuple[int, int]] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        _, cid, version, i = line.split()
        reported[cid] = (int(version), int(i))
        if int(i) >= 80:  # well into its second pass over the criteria, mid-loop
            break
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reap it and close the pipes
    assert proc.returncode == -signal.SIGKILL
    store.close()

    reopened = Store(store.url, rubric, files_dir=files_dir)
    reopened.migrate()
    saved = reopened.load_answers(aid)
    for cid, (version, i) in reported.items():
        # what the UI showed as saved is there (or a later save that committed just before
        # the kill and was not yet reported)
        assert saved[cid].version >= version
        stored_i = int(saved[cid].answer.evidence.removeprefix("第").removesuffix("次保存"))
        assert stored_i >= i
    # and the database is consistent: one history entry per saved version
    history = reopened.history(aid)
    assert len(history) == sum(s.version for s in saved.values())
    reopened.close()


def test_sqlite_writers_of_one_process_take_turns(tmp_path: Path, rubric: Rubric) -> None:
    """Two stores on one SQLite file share one writer lock; a writer that cannot get its turn
    within the busy timeout gets a clear StoreUnavailable, not a hang or a driver error."""
    url = f"sqlite:///{tmp_path / 'jiguan.db'}"
    first = Store(url, rubric, files_dir=tmp_path / "files", op_timeout=0.3)
    first.migrate()
    aid = first.create_assessment("某局", "第一次自评").id
    # the same file reached through another path spelling
    second = Store(
        f"sqlite:///{tmp_path / '.' / 'jiguan.db'}",
        rubric,
        files_dir=tmp_path / "files",
        op_timeout=0.3,
    )
    held = threading.Event()
    release = threading.Event()

    def stall_in_the_write(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ANSWERS"):
            held.set()
            release.wait(5)

    def hold_the_turn() -> None:
        # first is inside a write (it holds the turn) while this listener stalls it
        sa.event.listen(first.engine, "before_cursor_execute", stall_in_the_write)
        try:
            first.save_answer(aid, "2.1", Answer("yes"), expected_version=0, user="甲")
        finally:
            sa.event.remove(first.engine, "before_cursor_execute", stall_in_the_write)

    holder = threading.Thread(target=hold_the_turn)
    holder.start()
    held.wait(5)
    try:
        with pytest.raises(StoreUnavailable, match="数据库繁忙"):
            second.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="乙")
    finally:
        release.set()
        holder.join()
    saved = second.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="乙")
    assert saved.version == 1
    first.close()
    second.close()
