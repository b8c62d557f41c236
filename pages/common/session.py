"""What the app keeps per browser session: one typed object, `Session`, under one key.

The assessment this browser works on and its saved state, messages, the journal's view, the
account and its login, the review: every value the shared machinery (pages/common/) keeps
between runs is a field here, so a newcomer can see all of it in one place. Widget values live
under their own keys (Streamlit owns those; pages/common/answers.py seeds and reads them). A
page's own passing flags and messages (``workshop.msg``, ``practice.sample``, ``present.pos`` …)
are ``st.session_state`` keys named after the page, read and written only by that page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import streamlit as st

from jiguan.accounts import Caller
from jiguan.cells import ANSWER, VERDICT
from jiguan.scoring import Answer, Result
from jiguan.store import (
    AssessmentInfo,
    EvidenceFile,
    ReviewInfo,
    SavedVerdict,
    StoreContract,
    SubmissionInfo,
)

KEY = "jiguan"


PREFIX = {ANSWER: "", VERDICT: "rv."}  # of widget keys and slots: ans.1.1, rv.ans.1.1


@dataclass
class Uploads:
    taken: set[str] = field(default_factory=set)
    stored: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass(eq=False)
class TextConflict:
    """Someone else saved a typed field (text or count) this user was editing: both values,
    for the user to choose (用我的 / 用已保存的 / 合并). The field keeps what the user typed."""

    field: str  # the cell's field: "evidence", "note", "reason", "site_note" or "value"
    mine: Any
    theirs: Any
    by: str
    widget: str = ""  # the widget field it came from: "ev", "note", "reason", "site", "ans"


@dataclass(eq=False)
class Session:
    # The assessment this browser works on, and its saved state as this browser last saw it.
    aid: int | None = None
    loaded_aid: int | None = None
    info: AssessmentInfo | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    meta: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)  # by, at
    files: dict[str, list[EvidenceFile]] = field(default_factory=dict)
    seen_stamp: datetime | None = None  # the assessment's updated_at when last loaded
    stamp_checked: float = 0.0  # time.monotonic() when updated_at was last compared
    # The sidebar's poll slows down in a tab nobody has used for a while (pages/common/sidebar.py).
    active_at: float = 0.0  # time.monotonic() of the user's last run or answer
    poll_slow: bool = False
    poll_rerun: bool = False  # this full run was asked for by the poll, not by the user

    # Each cell widget's base: the (version, cell) it was seeded from (pages/answers.py).
    seeded: dict[str, tuple[int, Any]] = field(default_factory=dict)
    # Cell controls the server moved to a value saved elsewhere (answers.Sheet.reseed): key ->
    # (the page draw that shows it, the value the browser showed before). `drawn` counts the
    # full runs that moved one; `redraw` says the next full run's end shows a new count.
    reseeded: dict[str, tuple[int, Any]] = field(default_factory=dict)
    drawn: int = 0
    redraw: bool = False

    # Messages per cell slot ("1.1"; a verdict "rv.1.1"): (kind, text); typed-field
    # conflicts; what others just changed.
    notices: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Per cell slot: the typed texts a refused save gave back, (label, text), until closed.
    given_back: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    given_back_seen: set[tuple[str, str]] = field(default_factory=set)  # (slot, page) scrolled to
    text_conflicts: dict[str, TextConflict] = field(default_factory=dict)
    # Per typed cell field (its widget key): the fingerprint of the last value its callback
    # was given, whatever became of it. pages/js/drafts.js drops a sent draft once heard; a
    # value Streamlit never passed on (its field drawn read-only or gone by the run that read
    # it) is never heard, and the page shows the text instead.
    heard: dict[str, str] = field(default_factory=dict)
    remote_notice: str = ""
    gone: str = ""  # the assessment was deleted or purged while this tab was open

    # Saving: changes waiting in the server's journal (slot -> count) and why.
    journaled: dict[str, int] = field(default_factory=dict)
    store_error: str = ""

    # Who is making changes (当前填写人): 单机模式 keeps it in a cookie of this browser
    # (pages/sidebar.py); read once per session, written when it changes.
    user: str = ""
    user_cookie: str = ""  # "read" once read; "write" to set it on the next run

    # 共享模式: the logged-in account (pages/common/access.py), when, and last activity.
    account: Caller | None = None
    must_change: bool = False
    login_at: datetime | None = None
    seen_at: datetime | None = None
    # The login kept in the database (jiguan/store/logins.py), when it was last re-read, and
    # the cookie to set (with the login's one-time code) or clear from the page on the next run.
    login_id: int | None = None
    login_checked: datetime | None = None
    cookie_action: str = ""  # "set" or "clear"
    cookie_code: str = ""
    cookie_draws: int = 0  # times the setting script was drawn (a new element each time)
    oidc_refused: str = ""  # an identity the provider vouched for that has no account here
    oidc_signed_out: str = ""  # an identity this session signed out: not signed in again
    # The store as this account may see it (pages/common/access.scoped), kept between login
    # checks.
    scope: tuple[tuple[int, Caller], StoreContract] | None = None

    # Navigation: the page drawn last (a blur that arrives after the user left it, see
    # pages/common/answers.py) and an indicator to scroll to once.
    shown_page: str = ""

    # The 整改台账 as this browser last drew it: (assessment, each item's id, version and
    # files), for the poll to hear of a colleague's save (pages/common/rectify_input.py).
    ledger_drawn: tuple[int, tuple[tuple[int, int, tuple[int, ...]], ...]] | None = None

    # Page-local UI state.
    home_action: tuple[str, int] | None = None
    home_msg: tuple[str, str] | None = None
    purge_confirm: int | None = None
    import_preview: dict[str, Any] | None = None
    import_msg: tuple[str, str] | None = None
    import_gen: int = 0
    # Evidence uploads per criterion while its block is open: the uploader's files already
    # taken (by file id), and what became of them (names stored, Chinese refusals).
    uploads: dict[str, Uploads] = field(default_factory=dict)

    # The formal review (pages/views/review*.py): the review and its verdicts as last loaded,
    # messages per criterion and for the page, a CSV import waiting for confirmation.
    review_aid: int | None = None
    review: ReviewInfo | None = None
    submitted: SubmissionInfo | None = None  # the latest 提交自评 of the reviewed assessment
    finalised_at: datetime | None = None  # when the open assessment's review was 定稿, if it is
    verdicts: dict[str, SavedVerdict] = field(default_factory=dict)
    review_msg: tuple[str, str] | None = None
    review_import: dict[str, Any] | None = None

    # Scoring cache: the answers it was computed from (answers are replaced, never mutated).
    scored: tuple[tuple, Result] | None = None


def session() -> Session:
    """This browser's Session, created on first use."""
    s = st.session_state.get(KEY)
    if s is None:
        s = st.session_state[KEY] = Session()
    return s
