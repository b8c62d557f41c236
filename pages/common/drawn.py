"""Which page draw the browser has: a rerun it asks for carries every control's value as it
shows them, so one sent before the page that moved a control (`answers.Sheet.reseed`) reached
it carries the value the control showed before, and Streamlit calls the control's callback as
if the user had chosen it back (the verdicts 按单位自评填入 had just filled were blanked by a
click made before the filled page arrived). A hidden field at the end of every full run holds
the number of the last draw that moved a control; the browser sends it back with every rerun.
"""

from __future__ import annotations

import streamlit as st

from pages.common.session import session

ss = st.session_state

DRAWN = "cells-drawn"


def echo(key: str) -> bool:
    """This rerun predates the draw that moved the control and brings back what it showed."""
    moved = session().reseeded.get(key)
    seen = _seen()
    return moved is not None and seen is not None and seen < moved[0] and ss.get(key) == moved[1]


def _seen() -> int | None:
    """The draw number the browser sent with this rerun (None: it sent none)."""
    try:
        return int(ss[DRAWN])
    except (KeyError, TypeError, ValueError):
        return None


def mark_drawn() -> None:
    """The hidden field, last in a full run (pages/router.py): the browser gets the draw's
    number with the controls it moved (CSS hides it: `.st-key-cells-drawn`)."""
    s = session()
    seen = _seen()
    if seen is not None:  # what the browser has caught up with is no longer watched
        s.reseeded = {k: moved for k, moved in s.reseeded.items() if moved[0] > seen}
    if s.redraw:
        s.drawn += 1
        s.redraw = False
    if ss.get(DRAWN) != str(s.drawn):
        ss[DRAWN] = str(s.drawn)
    st.text_input("页面版本", key=DRAWN, label_visibility="collapsed")
