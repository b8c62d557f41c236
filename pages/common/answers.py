"""The one path from a widget to the store, and back into the widgets.

The invariant (docs/design.md, "Saving"): **a write happens only in the callback of the widget
the user changed, carries only that widget's field(s), and is made over the version of the
saved answer the user saw.** Nothing ever writes what a set of widgets "currently shows": a
widget value that Streamlit reset, dropped or re-seeded (a page switch, a rerun, a stale tab)
is not a user's answer. Concretely, in `on_change`:

* the change is built from the one widget's value (`_fields`), merged into the answer this
  browser last saw, and saved through `jiguan.journal.save_change` with that answer's version;
* a check criterion's control is ``required``: the user cannot make it empty, so an empty value
  is Streamlit's, never written, and the control is re-seeded from the saved answer;
* if the database is away the same change (fields, value, version seen) goes into the server's
  journal and is replayed in order when it returns;
* a text field whose criterion someone else changed keeps what the user typed, and the user
  chooses (用我的 / 用已保存的).

Text and number fields commit on blur. Clicking a link while such a field has focus makes the
browser send the navigation first and the field's value after it, from the page the user just
left (Streamlit 1.67). So these fields are never inside a fragment (a fragment's rerun on a page
that is no longer shown is dropped, value and all), and a commit from a page other than the
one shown last saves the value and then continues to the page the user asked for.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import streamlit as st

from jiguan.journal import Change, save_change
from jiguan.limits import MAX_COUNT
from jiguan.rubric import Criterion
from jiguan.scoring import PARTIAL, Answer, answer_words
from jiguan.store import ConflictError, NotFoundError, SavedAnswer, StoreError, StoreUnavailable
from pages.common import access, refresh, state
from pages.common.session import TextConflict, session

UNANSWERED = "none"  # the 未评 option of a check criterion's control
CHECK_OPTIONS = ("yes", "partial", "no", UNANSWERED)
CHECK_LABELS = {"yes": "符合", "partial": "部分符合", "no": "不符合", UNANSWERED: "未评"}
TEXT_FIELDS = {"ev": "evidence", "note": "note"}

ss = st.session_state


def key(field: str, cid: str) -> str:
    """Widget keys: ans.17.3 (answer), pts.17.3 (partial points), ev.17.3, note.17.3."""
    return f"{field}.{cid}"


def partial_options(criterion: Criterion) -> list[float]:
    """The points 部分符合 may give: 0.5 steps strictly between 0 and the criterion's points."""
    return [n / 2 for n in range(1, math.ceil(criterion.points * 2))]


# ---------------------------------------------------------------------------------------------
# Saved answer -> widgets


def seed(criterion: Criterion, *fields: str) -> None:
    """Put the saved answer into the criterion's widgets that hold no value yet."""
    cid = criterion.id
    a = session().answers.get(cid, Answer())
    values = {
        "ans": (a.value if isinstance(a.value, int) else None)
        if criterion.kind == "count"
        else (a.value if a.value in CHECK_LABELS else UNANSWERED),
        "pts": a.points,
        "ev": a.evidence,
        "note": a.note,
    }
    for field in fields:
        if key(field, cid) not in ss:
            ss[key(field, cid)] = values[field]


def forget(cid: str, *fields: str) -> None:
    """Drop widget values so they are seeded again from the saved answer when next drawn."""
    for field in fields or ("ans", "pts", "ev", "note"):
        ss.pop(key(field, cid), None)


def take_remote(changed: list[str]) -> None:
    """Criteria someone else saved: say who changed what, and re-seed their widgets from the
    saved answer, except the text fields of an open evidence block, where the user may be
    typing (a later save of theirs is merged, or shown as a conflict)."""
    s = session()
    for cid in changed:
        forget(cid, "ans", "pts")
        if not ss.get(f"open.{cid}"):
            forget(cid, "ev", "note")
    theirs = [cid for cid in changed if s.meta.get(cid, ("", None))[0] != state.who()]
    if theirs:
        rubric = state.get_rubric()
        by = sorted({s.meta[cid][0] for cid in theirs if cid in s.meta}) or ["同事"]
        indicators = sorted({rubric.criteria[cid].indicator_id for cid in theirs})
        listed = "、".join(f"指标 {i}" for i in indicators)
        s.remote_notice = f"{'、'.join(by)} 刚更新了 {listed}"


# ---------------------------------------------------------------------------------------------
# Widget -> store


def _fields(criterion: Criterion, field: str, raw: Any) -> dict[str, Any] | None:
    """What one widget's new value sets on the answer; None when it is no user's value."""
    if field in TEXT_FIELDS:
        return {TEXT_FIELDS[field]: raw or ""}
    if criterion.kind == "count":
        if raw is None:
            return {"value": None, "points": None}
        return {"value": min(int(raw), MAX_COUNT), "points": None}
    if field == "pts":
        return None if raw is None else {"value": PARTIAL, "points": float(raw)}
    if raw is None:  # a required control is never empty by the user's hand
        return None
    if raw == UNANSWERED:
        return {"value": None, "points": None}
    if raw == PARTIAL:
        options = partial_options(criterion)
        if len(options) == 1:
            return {"value": PARTIAL, "points": options[0]}
        saved = session().answers.get(criterion.id, Answer())
        if saved.value == PARTIAL and saved.points is not None:
            return {"value": PARTIAL, "points": saved.points}
        return None  # 待填写分值: nothing counts until the points are chosen
    return {"value": raw, "points": None}


def seen(cid: str) -> tuple[int, Answer]:
    """The saved answer as a widget shows it now, with its version: bound into the widget's
    callback when it is drawn, so a change is made over what the user actually saw."""
    s = session()
    return s.versions.get(cid, 0), s.answers.get(cid, Answer())


def on_change(
    cid: str, field: str, page_url: str, *, in_fragment: bool, seen: tuple[int, Answer]
) -> None:
    """Callback of every answer widget: save the user's own change of this one widget.

    ``seen`` is the (version, answer) the widget was drawn with. A widget state Streamlit sends
    again unchanged (e.g. every widget of a page left by a link, see the module docstring) equals
    it and writes nothing; a stale one is saved over its own version, so a colleague's newer
    change to the same field is refused as a conflict, never overwritten.
    """
    s = session()
    criterion = state.get_rubric().criteria[cid]
    fields = _fields(criterion, field, ss.get(key(field, cid)))
    if fields is None:
        if not (field == "ans" and ss.get(key(field, cid)) == PARTIAL):
            forget(cid, field)
        return
    version, base = seen
    if s.aid is None or all(getattr(base, name) == value for name, value in fields.items()):
        return
    before = state.result()
    seen_answer = replace(base, attachments=0)
    commit(Change(s.aid, cid, fields, seen_answer, version, state.who(), access.caller()))
    state.follow_navigation(page_url)
    if in_fragment:
        refresh.after_change(criterion, before, state.result())


def commit(change: Change) -> None:
    """Save a change (or journal it while the database is away) and update the view."""
    s = session()
    if access.lapsed():  # signed out since the page was drawn: say so, save nothing
        why = s.home_msg[1] if s.home_msg else "登录已失效。"
        s.home_msg = ("info", f"{why}刚才的修改没有保存，请重新登录后再填写。")
        st.rerun()
    access.active()
    cid = change.criterion_id
    s.notices.pop(cid, None)
    s.remote_notice = ""
    if state.saving().outage.down or s.journaled:
        _journal(change)
        return
    try:
        saved = save_change(state.get_store(), change)
    except StoreUnavailable as exc:
        state.saving().outage.fail()
        s.store_error = str(exc)
        _journal(change)
        return
    except ConflictError as exc:
        _conflict(change, exc)
        return
    except NotFoundError as exc:
        s.gone = f"这份自评已不存在（{exc}），您的修改未保存。"
        return
    except StoreError as exc:
        s.notices[cid] = ("error", f"未能保存：{exc}")
        forget(cid)
        return
    _take(cid, saved)
    s.text_conflicts.pop(cid, None)


def _journal(change: Change) -> None:
    s = session()
    state.saving().journal.append(change)
    state.saving().replayer.wake()
    cid = change.criterion_id
    s.journaled[cid] = s.journaled.get(cid, 0) + 1
    s.answers[cid] = replace(change.answer, attachments=len(s.files.get(cid, ())))


def _take(cid: str, saved: SavedAnswer | None) -> None:
    """The view follows what is saved now."""
    s = session()
    n = len(s.files.get(cid, ()))
    if saved is None or saved.version == 0:
        s.answers[cid] = Answer(attachments=n)
        s.versions.pop(cid, None)
        s.meta.pop(cid, None)
    else:
        s.answers[cid] = replace(saved.answer, attachments=n)
        s.versions[cid] = saved.version
        s.meta[cid] = (saved.updated_by, saved.updated_at)


def _conflict(change: Change, exc: ConflictError) -> None:
    s = session()
    cid = change.criterion_id
    criterion = state.get_rubric().criteria[cid]
    current = exc.current
    _take(cid, current)
    by = current.updated_by if current is not None else "他人"
    text_field = next((f for f in change.fields if f in TEXT_FIELDS.values()), None)
    if text_field is not None:
        theirs = getattr(current.answer, text_field) if current is not None else ""
        s.text_conflicts[cid] = TextConflict(text_field, change.fields[text_field], theirs, by)
        return
    forget(cid, "ans", "pts")
    s.notices[cid] = (
        "warning",
        f"评分项 {cid}：{exc}　当前内容：{answer_words(criterion, s.answers[cid])}"
        f"（您选择的「{answer_words(criterion, change.answer)}」未保存）。",
    )


def keep_mine(cid: str) -> None:
    """用我的: save the user's text over what the other person saved."""
    s = session()
    conflict = s.text_conflicts.pop(cid, None)
    if conflict is None or s.aid is None:
        return
    base = s.answers.get(cid, Answer())
    mine = {conflict.field: conflict.mine}
    version = s.versions.get(cid, 0)
    commit(Change(s.aid, cid, mine, base, version, state.who(), access.caller()))


def keep_saved(cid: str) -> None:
    """用已保存的: drop the user's text; the field shows what is saved."""
    conflict = session().text_conflicts.pop(cid, None)
    if conflict is not None:
        field = "ev" if conflict.field == "evidence" else "note"
        forget(cid, field)


def apply_kept(name: str) -> None:
    """A change the journal could not replay (someone saved the criterion first): use it."""
    s = session()
    journal = state.saving().journal
    entry = next((e for e in journal.conflicts(s.aid or 0) if e.name == name), None)
    if entry is None:
        return
    cid = entry.change.criterion_id
    base = s.answers.get(cid, Answer())
    fields, version = dict(entry.change.fields), s.versions.get(cid, 0)
    commit(Change(state.open_id(), cid, fields, base, version, state.who(), access.caller()))
    journal.dismiss_conflict(name)
    forget(cid)


def drop_kept(name: str) -> None:
    state.saving().journal.dismiss_conflict(name)
