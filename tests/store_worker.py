"""A separate process that writes to the store, for the concurrency and kill tests.

python tests/store_worker.py increment URL FILES_DIR AID CRITERION N NAME
    N read-modify-write increments of a count criterion, retrying on ConflictError.
    Prints one line per committed save: ``saved <version> <value>``, and
    ``conflict <version>`` per reported conflict; finally ``done``.
python tests/store_worker.py edit URL FILES_DIR AID
    Saves answers forever, cycling through the criteria; after each commit prints
    ``saved <criterion> <version> <i>`` (what the UI would show as saved).
"""

from __future__ import annotations

import sys
from pathlib import Path

from jiguan.rubric import load_rubric
from jiguan.scoring import Answer
from jiguan.store import ConflictError, Store


def increment(store: Store, aid: int, cid: str, n: int, name: str) -> None:
    done = 0
    while done < n:
        saved = store.load_answers(aid).get(cid)
        version = saved.version if saved else 0
        value = saved.answer.value if saved and saved.answer.value is not None else 0
        try:
            result = store.save_answer(
                aid, cid, Answer(int(value) + 1), expected_version=version, user=name
            )
        except ConflictError as exc:
            current = exc.current.version if exc.current else 0
            print(f"conflict {current}", flush=True)
            continue
        print(f"saved {result.version} {result.answer.value}", flush=True)
        done += 1
    print("done", flush=True)


def edit(store: Store, aid: int) -> None:
    criteria = list(store.rubric.criteria)
    versions = {cid: s.version for cid, s in store.load_answers(aid).items()}
    i = 0
    while True:
        cid = criteria[i % len(criteria)]
        saved = store.save_answer(
            aid,
            cid,
            Answer(evidence=f"第{i}次保存"),
            expected_version=versions.get(cid, 0),
            user="被杀的进程",
        )
        versions[cid] = saved.version
        print(f"saved {cid} {saved.version} {i}", flush=True)
        i += 1


def main(argv: list[str]) -> None:
    mode, url, files_dir, aid = argv[:4]
    store = Store(url, load_rubric(), files_dir=Path(files_dir))
    if mode == "increment":
        increment(store, int(aid), argv[4], int(argv[5]), argv[6])
    elif mode == "edit":
        edit(store, int(aid))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
