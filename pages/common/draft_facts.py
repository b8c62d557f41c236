"""What pages/js/drafts.js decides a kept draft by: the server's word, not what a field shows
(Streamlit keeps a text field's unsent value across a reconnect, draws a reopened field empty
for a moment, and passes no value on to a field its last run drew read-only or no longer
drew). docs/design.md, "Saving"."""

from __future__ import annotations

import html
import json
import re

import streamlit as st

from jiguan.text import fingerprint
from pages.common import state
from pages.common.answers import SHEETS, TYPED_LABELS, Sheet
from pages.common.session import PREFIX, session

KEY = "drafts-facts"  # its container, hidden by CSS (ui._STYLE)


def class_key(key: str) -> str:
    """The class Streamlit gives a keyed element's container (its frontend's own rule)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


# The typed fields of cells whose values the server confirms, by the start of their
# container's class, and what each is called where an unheard one is shown (drafts.js).
FIELDS = json.dumps(
    {
        class_key(f"{PREFIX[kind]}{widget}."): TYPED_LABELS[name]
        for kind, sheet in SHEETS.items()
        for widget, name in (*sheet.texts.items(), ("ans", "value"))
    },
    ensure_ascii=False,
)


def _typed_field(key: str) -> tuple[Sheet, str, str] | None:
    """(sheet, cell field, criterion) of a typed cell widget's key; None for any other."""
    criteria = state.get_rubric().criteria
    for sheet in SHEETS.values():
        for widget in (*sheet.texts, "ans"):
            cid = key.removeprefix(f"{PREFIX[sheet.kind.name]}{widget}.")
            if cid != key and cid in criteria:
                name = sheet.typed(cid).get(widget)  # a check criterion's control: clicked
                return None if name is None else (sheet, name, cid)
    return None


def _held() -> list[str]:
    """The typed fields (by container class) whose value this session holds for the user,
    unsaved: a conflict waiting for their choice, a refused change given back until closed.
    A reload or a restart ends the session: drafts.js keeps such a draft until then."""
    s = session()
    criteria = state.get_rubric().criteria
    held = []
    for sheet in SHEETS.values():
        prefix = PREFIX[sheet.kind.name]
        for slot in (*s.text_conflicts, *s.given_back):
            cid = slot.removeprefix(prefix)
            if (prefix and cid == slot) or cid not in criteria:
                continue  # another sheet's
            held += [class_key(sheet.key(widget, cid)) for widget in sheet.typed(cid)]
    return held


def draw() -> None:
    """Last in a full run (after every callback and every field drawn): per typed cell field,
    by its container's class, the fingerprint of the value its callback was last given
    (``heard``: saved, journaled, conflict or refused) and of what is saved now (``saved``,
    for the fields drawn in this session); and the fields held unsaved (``held``)."""
    s = session()
    saved = {}
    for key in s.seeded:
        found = _typed_field(key)
        if found is not None:
            sheet, name, cid = found
            value = getattr(sheet.saved(cid)[1], name)
            saved[class_key(key)] = fingerprint("" if value is None else str(value))
    heard = {class_key(k): v for k, v in s.heard.items()}
    data = {"heard": json.dumps(heard), "saved": json.dumps(saved), "held": json.dumps(_held())}
    attributes = "".join(f' data-{k}="{html.escape(v, quote=True)}"' for k, v in data.items())
    with st.container(key=KEY):
        st.html(f'<div class="jiguan-drafts-facts"{attributes}></div>')
