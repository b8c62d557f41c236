"""Session state and store glue for the pages: the one place that talks to jiguan.store.

Every answer lives in three places, kept in step here:

* the store (the truth, shared by everyone editing the assessment);
* ``st.session_state["answers"]`` (this browser's view: what the sidebar scores);
* the widgets (``ans.17.3``, ``pts.17.3``, ``ev.17.3``, ``note.17.3``), seeded from the view.

A change goes widget -> view -> store at once (``commit``). When the store is down the change
stays in ``pending`` and is retried on the next interaction; a stale write (someone else saved
first) puts the current value back into the view and the widgets and tells the user.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import streamlit as st

from jiguan.rubric import Criterion, Rubric, load_rubric
from jiguan.scoring import ANSWER_LABELS, PARTIAL, Answer, Result, score
from jiguan.store import (
    ConflictError,
    NotFoundError,
    Store,
    StoreError,
    StoreUnavailable,
    database_url,
    default_files_dir,
    upload_limit_bytes,
)

UNANSWERED = "none"  # the 未评 option of a check criterion's control
CHECK_OPTIONS = ("yes", "partial", "no", UNANSWERED)
CHECK_LABELS = {"yes": "符合", "partial": "部分符合", "no": "不符合", UNANSWERED: "未评"}
FIELDS = ("ans", "pts", "ev", "note")
ANONYMOUS = "未署名"

ss = st.session_state


# ---------------------------------------------------------------------------------------------
# Cached resources


@st.cache_resource(show_spinner=False)
def get_rubric() -> Rubric:
    """The rubric, loaded once per process (raises RubricError)."""
    return load_rubric()


@st.cache_resource(show_spinner=False)
def _store(url: str, files_dir: str, max_file_bytes: int) -> Store:
    store = Store(url, get_rubric(), files_dir=Path(files_dir), max_file_bytes=max_file_bytes)
    store.migrate()
    return store


@st.cache_resource(show_spinner=False)
def settle_process() -> bool:
    """Once per server process, after start-up: move what exists now (modules, the rubric,
    plotly's and pandas' tables) out of the garbage collector's reach. Python's full
    collections otherwise walk all of it every few seconds under load, holding the GIL for
    50-120 ms; with 30 sessions this cut the p95 answer latency by ~15% (bench/README.md)."""
    gc.collect()
    gc.freeze()
    return True


def get_store() -> Store:
    """The store for the configured database, migrated on first use (raises StoreError).

    Keyed by URL, so a test (or a second configuration) gets its own store.
    """
    return _store(database_url(), str(default_files_dir()), upload_limit_bytes())


# ---------------------------------------------------------------------------------------------
# Session


def init_session() -> None:
    ss.setdefault("aid", None)
    ss.setdefault("loaded_aid", None)
    ss.setdefault("answers", {})
    ss.setdefault("versions", {})
    ss.setdefault("meta", {})
    ss.setdefault("pending", {})
    ss.setdefault("files", {})
    ss.setdefault("notices", {})
    ss.setdefault("store_error", "")
    ss.setdefault("upload_gen", 0)
    ss.setdefault("info", None)


def who() -> str:
    """Who is making the change: the 当前填写人 field, else the profile's 填表人."""
    name = (ss.get("user") or "").strip()
    if not name and ss.get("info") is not None:
        name = (ss.info.profile or {}).get("填表人", "").strip()
    return name or ANONYMOUS


def current_answers() -> dict[str, Answer]:
    return ss.get("answers", {})


def result() -> Result:
    """The score of this browser's answers. Several fragments of one run (and of one answer's
    rerun) ask for it, so it is kept until the answers change (answers are immutable; a change
    replaces one)."""
    answers = current_answers()
    key = tuple(answers.items())
    cached = ss.get("_scored")
    if cached is not None and cached[0] == key:
        return cached[1]
    scored = score(get_rubric(), answers)
    ss["_scored"] = (key, scored)
    return scored


def select_assessment(aid: int | None) -> None:
    ss.aid = aid
    ss.loaded_aid = None
    if aid is not None:
        st.query_params["a"] = str(aid)
    elif "a" in st.query_params:
        del st.query_params["a"]


def _clear_widgets(cids: Iterable[str]) -> None:
    present = set(ss.keys())  # a pop of an absent key costs as much as one of a present key
    for cid in cids:
        for field in FIELDS:
            key = f"{field}.{cid}"
            if key in present:
                del ss[key]


def _with_files(answer: Answer, cid: str) -> Answer:
    n = len(ss.files.get(cid, ()))
    return answer if answer.attachments == n else replace(answer, attachments=n)


def _load(store: Store, aid: int) -> None:
    info = store.get_assessment(aid)
    saved = store.load_answers(aid)
    files: dict[str, list] = {}
    for f in store.list_files(aid):
        files.setdefault(f.criterion_id, []).append(f)
    ss.info = info
    ss.files = files
    ss.answers = {cid: _with_files(s.answer, cid) for cid, s in saved.items()}
    for cid in files:
        ss.answers.setdefault(cid, _with_files(Answer(), cid))
    ss.versions = {cid: s.version for cid, s in saved.items()}
    ss.meta = {cid: (s.updated_by, s.updated_at) for cid, s in saved.items()}
    ss.pending = {}
    ss.notices = {}
    _clear_widgets(get_rubric().criteria)
    ss.loaded_aid = aid
    ss.user = (info.profile or {}).get("填表人", "")


def _refresh(store: Store, aid: int) -> None:
    """Bring in what others saved since we loaded (never over our own unsaved changes)."""
    ss.info = store.get_assessment(aid)
    saved = store.load_answers(aid)
    files: dict[str, list] = {}
    for f in store.list_files(aid):
        files.setdefault(f.criterion_id, []).append(f)
    ss.files = files
    changed = []
    for cid in set(saved) | set(ss.versions):
        if cid in ss.pending:
            continue
        s = saved.get(cid)
        version = s.version if s else 0
        if version != ss.versions.get(cid, 0):
            changed.append(cid)
            if s is None:
                ss.answers.pop(cid, None)
                ss.versions.pop(cid, None)
                ss.meta.pop(cid, None)
            else:
                ss.answers[cid] = s.answer
                ss.versions[cid] = s.version
                ss.meta[cid] = (s.updated_by, s.updated_at)
    for cid in set(ss.answers) | set(files):
        ss.answers[cid] = _with_files(ss.answers.get(cid, Answer()), cid)
    _clear_widgets(changed)


def sync() -> None:
    """Run at the top of every full run: pick the assessment, retry unsaved changes, reload."""
    init_session()
    ss.full_runs = ss.get("full_runs", 0) + 1  # fragment reruns do not pass here (tests check)
    try:
        store = get_store()
        if ss.aid is None:
            _pick_default(store)
        if ss.aid is None:
            return
        flush()
        if ss.loaded_aid != ss.aid:
            _load(store, ss.aid)
        else:
            _refresh(store, ss.aid)
        ss.store_error = "" if not ss.pending else ss.store_error
    except StoreUnavailable as exc:
        ss.store_error = str(exc)
    except StoreError as exc:  # the assessment was purged, or similar
        ss.store_error = str(exc)
        if ss.loaded_aid != ss.aid:
            select_assessment(None)


def _pick_default(store: Store) -> None:
    """A new session continues the assessment in the URL (?a=), or the only one there is."""
    wanted = st.query_params.get("a", "")
    if wanted.isdigit():
        try:
            info = store.get_assessment(int(wanted))
        except NotFoundError:
            info = None
        if info is not None and not info.deleted:
            select_assessment(info.id)
            return
    active = store.list_assessments()
    if len(active) == 1:
        select_assessment(active[0].id)


# ---------------------------------------------------------------------------------------------
# Widgets <-> answers


def default_partial(criterion: Criterion) -> float:
    return max(0.5, math.floor(criterion.points) / 2)


def seed_widgets(criterion: Criterion) -> None:
    """Put the saved answer into the criterion's answer widgets unless they hold a value."""
    cid = criterion.id
    a = current_answers().get(cid, Answer())
    if f"ans.{cid}" not in ss:
        if criterion.kind == "count":
            ss[f"ans.{cid}"] = a.value if isinstance(a.value, int) else None
        else:
            ss[f"ans.{cid}"] = a.value if a.value in CHECK_LABELS else UNANSWERED
    if criterion.kind == "check" and f"pts.{cid}" not in ss:
        ss[f"pts.{cid}"] = float(a.points) if a.points is not None else default_partial(criterion)


def seed_evidence_widgets(criterion: Criterion) -> None:
    """The same for the evidence block's text fields, drawn only while the block is open."""
    cid = criterion.id
    a = current_answers().get(cid, Answer())
    if f"ev.{cid}" not in ss:
        ss[f"ev.{cid}"] = a.evidence
    if f"note.{cid}" not in ss:
        ss[f"note.{cid}"] = a.note


def forget_evidence_widgets(cid: str) -> None:
    """A closed evidence block draws no widgets, and Streamlit then drops their values but
    not the value a seed put there: forget it, so that reopening seeds from the saved answer
    (what was typed last was saved by the field's callback as the block closed)."""
    for key in (f"ev.{cid}", f"note.{cid}"):
        if key in ss:
            del ss[key]


def answer_from_widgets(criterion: Criterion) -> Answer:
    cid = criterion.id
    old = current_answers().get(cid, Answer())
    raw = ss.get(f"ans.{cid}", UNANSWERED if criterion.kind == "check" else None)
    points = None
    if criterion.kind == "count":
        value = None if raw is None else int(raw)
    else:
        value = None if raw in (None, UNANSWERED) else raw
        if value == PARTIAL:
            points = ss.get(f"pts.{cid}")
            if points is None or not 0 < points < criterion.points:
                points = default_partial(criterion)
                ss[f"pts.{cid}"] = points
            points = round(float(points) * 2) / 2
    return Answer(
        value=value,
        points=points,
        evidence=ss.get(f"ev.{cid}", old.evidence) or "",
        note=ss.get(f"note.{cid}", old.note) or "",
        attachments=len(ss.files.get(cid, ())),
    )


def describe(criterion: Criterion, answer: Answer | None) -> str:
    """An answer in words, for conflict messages and previews."""
    if answer is None or answer.value is None:
        return "未评"
    if criterion.kind == "count":
        return f"{answer.value} {criterion.unit or '项'}"
    label = ANSWER_LABELS.get(answer.value, str(answer.value))
    if answer.value == PARTIAL and answer.points is not None:
        return f"{label}（{answer.points:g} 分）"
    return label


# ---------------------------------------------------------------------------------------------
# Saving


def commit(criterion: Criterion) -> None:
    """Widget callback body: take the criterion's widgets into the view and save at once."""
    cid = criterion.id
    answer = answer_from_widgets(criterion)
    ss.answers[cid] = answer
    ss.pending[cid] = answer
    ss.notices.pop(cid, None)
    flush()


def flush() -> None:
    """Save every pending change; stop at the first sign that the store is down."""
    if not ss.get("pending") or ss.get("aid") is None:
        return
    rubric = get_rubric()
    try:
        store = get_store()
    except StoreError as exc:
        ss.store_error = str(exc)
        return
    for cid, answer in list(ss.pending.items()):
        try:
            saved = store.save_answer(
                ss.aid, cid, answer, expected_version=ss.versions.get(cid, 0), user=who()
            )
        except ConflictError as exc:
            _take_theirs(rubric.criteria[cid], exc, mine=answer)
            ss.pending.pop(cid, None)
            continue
        except StoreUnavailable as exc:
            ss.store_error = str(exc)
            return
        except StoreError as exc:
            ss.notices[cid] = ("error", f"未能保存：{exc}")
            ss.pending.pop(cid, None)
            continue
        ss.pending.pop(cid, None)
        ss.versions[cid] = saved.version
        ss.meta[cid] = (saved.updated_by, saved.updated_at)
    ss.store_error = ""


def _take_theirs(criterion: Criterion, exc: ConflictError, *, mine: Answer) -> None:
    cid = criterion.id
    current = exc.current
    if current is None or current.version == 0:
        theirs = Answer()
        ss.versions.pop(cid, None)
        ss.meta.pop(cid, None)
    else:
        theirs = current.answer
        ss.versions[cid] = current.version
        ss.meta[cid] = (current.updated_by, current.updated_at)
    ss.answers[cid] = _with_files(theirs, cid)
    _clear_widgets([cid])
    ss.notices[cid] = (
        "warning",
        f"评分项 {cid}：{exc}　当前内容：{describe(criterion, theirs)}"
        f"（您填写的「{describe(criterion, mine)}」未保存）。",
    )


def reload_files(cid: str) -> None:
    store = get_store()
    ss.files[cid] = [f for f in store.list_files(ss.aid, cid)]
    ss.answers[cid] = _with_files(ss.answers.get(cid, Answer()), cid)
