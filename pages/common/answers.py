"""The one path from a widget to the store, and back into the widgets: for the unit's answers
(the item pages, `ANSWERS`) and the 评估组's verdicts (评审录入, `VERDICTS`) alike.

The invariant (docs/design.md, "Saving"): **a write happens only in the callback of the widget
the user changed, carries only that widget's field(s), and is made over the version of the
saved cell the widget was drawn from.** Nothing ever writes what a set of widgets "currently
shows": a widget value that Streamlit reset, dropped or re-seeded (a page switch, a rerun, a
stale tab) is not a user's change. Concretely, in `Sheet.on_change`:

* the change is built from the one widget's value (`Sheet.fields_of`) over the cell the widget
  was seeded from (`Session.seeded`: its version and content), and saved through
  `jiguan.journal.save_change`, which merges it field by field into what is saved now;
* a check criterion's control is ``required``: the user cannot make it empty, so an empty value
  is Streamlit's, never written, and the control is re-seeded from the saved cell; 部分符合
  before its points are chosen is saved as it is (incomplete, counted as 未评);
* if the database is away the same change goes into the server's journal and is replayed in
  order, as its author, when it returns;
* a field someone else saved meanwhile: a click control is re-seeded at once (nobody types in
  it); a typed field (text, count) keeps what the user may be typing — the page says the saved
  one is newer — and the user's next commit is a conflict against what the field showed, with
  用我的 / 用已保存的 / 合并.

Text and number fields commit on blur. Clicking a link while such a field has focus makes the
browser send the navigation first and the field's value after it, from the page the user just
left (Streamlit 1.67). So these fields are never inside a fragment (a fragment's rerun on a page
that is no longer shown is dropped, value and all), and a commit from a page other than the
one shown last saves the value and then continues to the page the user asked for.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from jiguan.cells import ANSWER_CELL, VERDICT_CELL, Cell, CellKind
from jiguan.journal import Change, Saved, save_change
from jiguan.limits import MAX_COUNT
from jiguan.review import Verdict
from jiguan.rubric import Criterion
from jiguan.scoring import PARTIAL, Answer, answer_words
from jiguan.store import (
    AccessDenied,
    ConflictError,
    NotFoundError,
    SavedVerdict,
    StoreError,
    StoreUnavailable,
)
from jiguan.text import fingerprint
from pages.common import access, drawn, refresh, state
from pages.common.session import PREFIX, TextConflict, session

UNANSWERED = "none"  # the 未评 option of a check criterion's control
CHECK_OPTIONS = ("yes", "partial", "no", UNANSWERED)
# What a refused change's typed fields are called where they are given back (`Sheet._refused`).
TYPED_LABELS = {
    "evidence": "佐证材料",
    "note": "备注",
    "reason": "评审意见",
    "site_note": "实地查看",
    "value": "数量",
}
CHECK_LABELS = {"yes": "符合", "partial": "部分符合", "no": "不符合", UNANSWERED: "未评"}
CLICKS = ("ans", "pts")  # a check criterion's controls: re-seeded at once when saved elsewhere
MULTILINE = frozenset({"evidence", "reason"})  # text areas (the others are one line)

ss = st.session_state


def partial_options(criterion: Criterion) -> list[float]:
    """The points 部分符合 may give: 0.5 steps strictly between 0 and the criterion's points."""
    return [n / 2 for n in range(1, math.ceil(criterion.points * 2))]


def merge_texts(theirs: str, mine: str, field: str) -> str:
    """合并: both texts kept, theirs first; lines of mine that theirs already has are not
    repeated (a one-line field joins with 「；」)."""
    if field not in MULTILINE:
        return theirs if mine in theirs else f"{theirs}；{mine}" if theirs else mine
    lines = theirs.splitlines()
    return "\n".join([*lines, *(line for line in mine.splitlines() if line not in lines)])


@dataclass(frozen=True, eq=False)
class Sheet:
    """The cells of one kind as this browser sees them, and the callbacks of their widgets.

    ``texts`` maps widget fields to the cell's text fields (ev → evidence). Subclasses say
    where the saved cells live in the Session (`saved`, `take`, `show`)."""

    kind: CellKind
    texts: dict[str, str]

    # -- where the saved cells are kept (per kind) ------------------------------------------

    def saved(self, cid: str) -> tuple[int, Cell, str]:
        """(version, cell, saved by) as this browser last saw it."""
        raise NotImplementedError

    def take(self, cid: str, saved: Saved | None) -> None:
        """The view follows what is saved now."""
        raise NotImplementedError

    def show(self, cid: str, cell: Cell) -> None:
        """A journaled change: the view shows what the user did (the version is unchanged)."""
        raise NotImplementedError

    # -- widgets ----------------------------------------------------------------------------

    def key(self, field: str, cid: str) -> str:
        """Widget keys: ans.1.1, pts.1.1, ev.1.1, note.1.1; rv.ans.1.1, rv.reason.1.1, …"""
        return f"{PREFIX[self.kind.name]}{field}.{cid}"

    def typed(self, cid: str) -> dict[str, str]:
        """The cell's typed widgets (widget field -> cell field): its texts, and a count's
        number."""
        widgets = dict(self.texts)
        if state.get_rubric().criteria[cid].kind == "count":
            widgets["ans"] = "value"
        return widgets

    def slot(self, cid: str) -> str:
        """The cell's key for notices, conflicts and journaled counts: 1.1, rv.1.1."""
        return f"{PREFIX[self.kind.name]}{cid}"

    def seed(self, cid: str, *fields: str) -> None:
        """Put the saved cell into the widgets that hold no value yet, and remember what each
        was seeded from (the base of the user's next change in it)."""
        version, cell, _ = self.saved(cid)
        criterion = state.get_rubric().criteria[cid]
        choice: str | int | None
        if criterion.kind == "count":
            choice = cell.value if isinstance(cell.value, int) else None
        else:
            choice = cell.value if cell.value in CHECK_LABELS else UNANSWERED
        values = {"ans": choice, "pts": cell.points}
        values |= {w: getattr(cell, f) for w, f in self.texts.items()}
        s = session()
        for field in fields:
            key = self.key(field, cid)
            if key not in ss:
                ss[key] = values[field]
                s.seeded[key] = (version, cell)

    def shown(self, cid: str, field: str) -> Any:
        """What the server holds for a control, given as its default too: a control the browser
        draws afresh (a block reopened, 部分符合's points appearing) shows it even when the run
        that set it never reached the browser. Streamlit drops a run's messages not yet sent
        when the next run starts, and a value set through the session state is sent only in
        the run that set it; the next run's drawing of the control would then carry only the
        default, and a fresh control, knowing no value, would show that."""
        return ss.get(self.key(field, cid))

    def forget(self, cid: str, *fields: str) -> None:
        """`drop`, and what the controls were seeded from too: seeded again from the saved
        cell when next drawn, as new."""
        fields = fields or (*CLICKS, *self.texts)
        self.drop(cid, *fields)
        seeded = session().seeded
        for field in fields:
            seeded.pop(self.key(field, cid), None)

    def drop(self, cid: str, *fields: str) -> None:
        """Controls no longer drawn (a block closed): drop their values, which Streamlit keeps
        for a seeded control, so that drawing them again seeds them from what is saved. Keep
        what they were seeded from: a rerun the browser sent before it dropped them carries
        their old values back, which are then no change of the user's (`on_change`)."""
        for field in fields:
            ss.pop(self.key(field, cid), None)

    def reseed(self, cid: str, *fields: str) -> None:
        """`forget`, for controls the server moves to a value saved elsewhere (a colleague's
        change, 按单位自评填入, an import): until the browser has the page that shows the new
        value, a rerun it sends carries the value it showed before, which is no user's change
        (`on_change` drops it; `drawn.mark_drawn` tells the two apart)."""
        s = session()
        for field in fields or (*CLICKS, *self.texts):
            key = self.key(field, cid)
            if key in ss:
                s.reseeded[key] = (s.drawn + 1, ss[key])
                s.redraw = True
        self.forget(cid, *fields)

    def stale(self, cid: str, field: str) -> str:
        """Who saved this typed field since it was drawn ("" when it shows what is saved)."""
        seeded = session().seeded.get(self.key(field, cid))
        version, cell, by = self.saved(cid)
        if seeded is None or seeded[0] == version:
            return ""
        name = self.texts.get(field, "value")
        if getattr(seeded[1], name) == getattr(cell, name):
            return ""
        return by or "同事"

    def take_remote(self, changed: list[str]) -> None:
        """Cells someone else saved: say who changed what; re-seed their click controls. Typed
        fields keep what the user may be typing (their next commit is checked against what
        the field showed; `ui.stale_note` says a newer one is saved)."""
        s = session()
        rubric = state.get_rubric()
        mine = state.who()
        theirs = []
        for cid in changed:
            if rubric.criteria[cid].kind != "count":  # a count is typed: kept
                self.reseed(cid, *CLICKS)
            by = self.saved(cid)[2]
            if by != mine:
                theirs.append((cid, by))
        if theirs:
            names = sorted({by for _, by in theirs if by}) or ["同事"]
            indicators = sorted({rubric.criteria[cid].indicator_id for cid, _ in theirs})
            listed = "、".join(f"指标 {i}" for i in indicators)
            s.remote_notice = f"{'、'.join(names)} 刚更新了 {listed}"

    # -- widget -> store --------------------------------------------------------------------

    def fields_of(self, criterion: Criterion, field: str, raw: Any) -> dict[str, Any] | None:
        """What one widget's new value sets on the cell; None when it is no user's value."""
        if field in self.texts:
            return {self.texts[field]: raw or ""}
        if criterion.kind == "count":
            return {"value": None if raw is None else min(int(raw), MAX_COUNT), "points": None}
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
            _, saved, _ = self.saved(criterion.id)
            if saved.value == PARTIAL and saved.points is not None:
                return {"value": PARTIAL, "points": saved.points}
            return {"value": PARTIAL, "points": None}  # chosen; incomplete until its points
        return {"value": raw, "points": None}

    def on_change(self, cid: str, field: str, page_url: str, *, in_fragment: bool = False) -> None:
        """Callback of every cell widget: save the user's own change of this one widget.

        A widget state Streamlit sends again unchanged (e.g. every widget of a page left by a
        link, see the module docstring) equals what it was seeded from and writes nothing; a
        stale one is saved over its own version, so a colleague's newer change to the same
        field is refused as a conflict, never overwritten.
        """
        s = session()
        s.active_at = time.monotonic()  # the user is here: the poll keeps its pace
        criterion = state.get_rubric().criteria[cid]
        key = self.key(field, cid)
        if key not in ss:  # forgotten by an earlier callback of this rerun: nothing to save
            return
        if field in self.typed(cid):  # tell drafts.js (pages/common/draft_facts.py)
            self._hear(key)
        fields = self.fields_of(criterion, field, ss.get(key))
        if fields is None or drawn.echo(key):
            self.forget(cid, field)
            return
        version, base = s.seeded.get(key) or self.saved(cid)[:2]
        if s.aid is None or all(getattr(base, name) == value for name, value in fields.items()):
            return
        before = state.result()
        self.commit(self._change(cid, fields, base, version), key)
        state.follow_navigation(page_url)
        if in_fragment:
            refresh.after_change(criterion, before, state.result())

    def _hear(self, key: str) -> None:
        raw = ss.get(key)
        session().heard[key] = fingerprint("" if raw is None else str(raw))

    def _change(self, cid: str, fields: dict[str, Any], base: Cell, version: int) -> Change:
        seen = self.kind.type(**{name: getattr(base, name) for name in self.kind.fields})
        aid = session().aid or 0
        caller = access.caller()
        return Change(aid, cid, fields, seen, version, state.who(), caller, kind=self.kind.name)

    def commit(self, change: Change, key: str = "") -> None:
        """Save a change (or journal it while the database is away) and update the view;
        ``key``: the widget it came from (its base moves on with what is saved)."""
        s = session()
        if access.lapsed():  # signed out since the page was drawn: say so, save nothing
            why = s.home_msg[1] if s.home_msg else "登录已失效。"
            s.home_msg = ("info", f"{why}刚才的修改没有保存，请重新登录后再填写。")
            st.rerun()
        access.active()
        cid, slot = change.criterion_id, self.slot(change.criterion_id)
        s.notices.pop(slot, None)
        s.remote_notice = ""
        if state.saving().outage.down or s.journaled:
            self._journal(change, key)
            return
        try:
            saved = save_change(state.get_store(), change)
        except StoreUnavailable as exc:
            state.saving().outage.fail()
            s.store_error = str(exc)
            self._journal(change, key)
            return
        except ConflictError as exc:
            self._conflict(change, exc, key)
            return
        except AccessDenied as exc:  # read-only here: not "gone"
            self._refused(change, str(exc))
            return
        except NotFoundError as exc:
            s.gone = f"这份自评已不存在（{exc}），您的修改未保存。"
            return
        except StoreError as exc:
            self._refused(change, str(exc))
            return
        self.take(cid, saved)
        s.text_conflicts.pop(slot, None)
        if key and key in ss:
            s.seeded[key] = (saved.version, saved.cell)

    def _refused(self, change: Change, why: str) -> None:
        """A refused change: say why; the cell's fields go back to what is saved (read-only
        now, or the value was refused), so what the user typed is given back to copy, exactly
        as typed and kept until they close it (`ui.given_back`), never dropped."""
        s = session()
        cid, slot = change.criterion_id, self.slot(change.criterion_id)
        s.notices[slot] = ("error", f"未能保存：{why.rstrip('。')}。")
        back = self._typed_back(change)
        for widget in self.typed(cid):  # all given back: heard (the page need not show them)
            if self.key(widget, cid) in ss:
                self._hear(self.key(widget, cid))
        if back:
            kept = dict(s.given_back.get(slot, [])) | dict(back)
            order = list(TYPED_LABELS.values())  # the fields' order on the page
            s.given_back[slot] = sorted(kept.items(), key=lambda kv: order.index(kv[0]))
        self.forget(cid)

    def _typed_back(self, change: Change) -> list[tuple[str, str]]:
        """(label, text) of each typed field of the refused change's cell: the change's own,
        and the cell's other typed fields changed in the same run (the refusal forgets them,
        so their own callbacks find nothing left to save)."""
        cid = change.criterion_id
        widgets = self.typed(cid)
        typed = {name: value for name, value in change.fields.items() if name in widgets.values()}
        for widget, name in widgets.items():
            key = self.key(widget, cid)
            if name in typed or key not in ss:
                continue
            base = (session().seeded.get(key) or self.saved(cid)[:2])[1]
            if (ss[key] or "") != (getattr(base, name) or ""):
                typed[name] = ss[key]
        return [
            (TYPED_LABELS[name], str(value))
            for name, value in typed.items()
            if value is not None and str(value).strip()
        ]

    def _journal(self, change: Change, key: str) -> None:
        s = session()
        state.saving().journal.append(change)
        state.saving().replayer.wake()
        slot = self.slot(change.criterion_id)
        s.journaled[slot] = s.journaled.get(slot, 0) + 1
        self.show(change.criterion_id, change.cell)
        if key and key in ss:  # the next change of this field builds on this one
            s.seeded[key] = (change.expected_version, change.cell)

    def _conflict(self, change: Change, exc: ConflictError, key: str) -> None:
        s = session()
        cid = change.criterion_id
        criterion = state.get_rubric().criteria[cid]
        current = exc.current
        self.take(cid, current)
        now = current.cell if current is not None else self.kind.blank()
        by = current.updated_by if current is not None and current.version else "他人"
        typed = [f for f in change.fields if f in self.texts.values()]
        if criterion.kind == "count":
            typed = ["value"]
        if typed:  # the field keeps the user's value; they choose
            name = typed[0]
            widget = next((w for w, f in self.texts.items() if f == name), "ans")
            s.text_conflicts[self.slot(cid)] = TextConflict(
                name, change.fields[name], getattr(now, name), by, widget
            )
            if key and key in ss:
                s.seeded[key] = (current.version if current else 0, now)
            return
        self.forget(cid, *CLICKS)
        s.notices[self.slot(cid)] = (
            "warning",
            f"评分项 {cid}：{exc}　当前内容：{answer_words(criterion, now)}"
            f"（您选择的「{answer_words(criterion, change.cell)}」未保存）。",
        )

    # -- the user decides a conflict ---------------------------------------------------------

    def resolve(self, cid: str, choice: str) -> None:
        """用我的 ("mine") / 用已保存的 ("theirs") / 合并 ("merge", texts only)."""
        s = session()
        conflict = s.text_conflicts.pop(self.slot(cid), None)
        if conflict is None or s.aid is None:
            return
        if choice == "theirs":
            self.forget(cid, conflict.widget)
            return
        mine = conflict.mine
        if choice == "merge":
            mine = merge_texts(conflict.theirs, conflict.mine, conflict.field)
        fields = {conflict.field: mine} | ({"points": None} if conflict.field == "value" else {})
        version, base, _ = self.saved(cid)
        self.commit(self._change(cid, fields, base, version))
        self.forget(cid, conflict.widget)  # drawn again from what is saved now


class _Answers(Sheet):
    def saved(self, cid: str) -> tuple[int, Cell, str]:
        s = session()
        return s.versions.get(cid, 0), s.answers.get(cid, Answer()), s.meta.get(cid, ("",))[0]

    def take(self, cid: str, saved: Saved | None) -> None:
        s = session()
        n = len(s.files.get(cid, ()))
        if saved is None or saved.version == 0:
            s.answers[cid] = Answer(attachments=n)
            s.versions.pop(cid, None)
            s.meta.pop(cid, None)
        else:
            s.answers[cid] = Answer(**ANSWER_CELL.to_json(saved.cell), attachments=n)
            s.versions[cid] = saved.version
            s.meta[cid] = (saved.updated_by, saved.updated_at)

    def show(self, cid: str, cell: Cell) -> None:
        s = session()
        n = len(s.files.get(cid, ()))
        s.answers[cid] = Answer(**ANSWER_CELL.to_json(cell), attachments=n)


class _Verdicts(Sheet):
    def saved(self, cid: str) -> tuple[int, Cell, str]:
        v = session().verdicts.get(cid)
        return (v.version, v.verdict, v.updated_by) if v is not None else (0, Verdict(), "")

    def take(self, cid: str, saved: Saved | None) -> None:
        verdicts = session().verdicts
        if saved is not None and saved.version and isinstance(saved, SavedVerdict):
            verdicts[cid] = saved
        else:
            verdicts.pop(cid, None)

    def show(self, cid: str, cell: Cell) -> None:
        old = session().verdicts.get(cid) or SavedVerdict(cid, Verdict(), 0, "", None)
        verdict = Verdict(**VERDICT_CELL.to_json(cell))
        session().verdicts[cid] = SavedVerdict(
            cid, verdict, old.version, old.updated_by, old.updated_at
        )


ANSWERS = _Answers(ANSWER_CELL, {"ev": "evidence", "note": "note"})
VERDICTS = _Verdicts(VERDICT_CELL, {"reason": "reason", "site": "site_note"})
SHEETS = {sheet.kind.name: sheet for sheet in (ANSWERS, VERDICTS)}


# ---------------------------------------------------------------------------------------------
# Changes the journal could not replay (someone saved the cell first): shown to the next person


def apply_kept(name: str) -> None:
    s = session()
    journal = state.saving().journal
    entry = next((e for e in journal.conflicts(s.aid or 0) if e.name == name), None)
    if entry is None:
        return
    sheet = SHEETS[entry.change.kind]
    cid = entry.change.criterion_id
    version, base, _ = sheet.saved(cid)
    sheet.commit(sheet._change(cid, dict(entry.change.fields), base, version))
    journal.dismiss_conflict(name)
    sheet.forget(cid)


def drop_kept(name: str) -> None:
    state.saving().journal.dismiss_conflict(name)
