"""The 整改台账's door to ``store.rectification`` for pages other than its own: the open and
overdue counts that 首页 and the sidebar flag (Beijing date), and who sees the ledger at all.
Its own page is pages/views/rectify.py."""

from __future__ import annotations

import streamlit as st

from jiguan.accounts import TRAINEE, TRAINER
from jiguan.format import today
from jiguan.rectification import RectificationItem, counts
from jiguan.store import AssessmentInfo, StoreError, StoreUnavailable
from pages.common import access, routes, state
from pages.common.session import session
from pages.common.training_ui import is_practice

RECTIFY_URL = routes.RECTIFY_URL  # 整改台账


def shown(info: AssessmentInfo | None) -> bool:
    """The ledger is the unit's, its 评估组's and the administrator's (单机模式: anyone's);
    never a practice's, nor a trainer's or trainee's."""
    return (
        info is not None
        and not is_practice(info)
        and access.nav_role()
        not in (
            TRAINER,
            TRAINEE,
        )
    )


def items(info: AssessmentInfo) -> list[RectificationItem] | None:
    """The saved items of ``info``; None when they cannot be read now (the page says why)."""
    try:
        return state.get_store().rectification.items(info.id)
    except StoreUnavailable:
        state.saving().outage.fail()
    except StoreError:
        pass
    return None


def _fingerprint(items: list[RectificationItem]) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    return tuple((i.id, i.version, tuple(f.id for f in i.files)) for i in items)


def drawn(aid: int, items: list[RectificationItem]) -> None:
    """The ledger page drew ``items``: what the poll compares against."""
    session().ledger_drawn = (aid, _fingerprint(items))


def changed_since_drawn() -> bool:
    """For the sidebar's poll: has anyone saved to the open ledger since this browser drew it?
    (Its saves do not move the assessment's change time, which the poll watches.) Store
    errors reach the caller."""
    s = session()
    seen = s.ledger_drawn
    if s.shown_page != RECTIFY_URL or s.aid is None or seen is None or seen[0] != s.aid:
        return False
    return _fingerprint(state.get_store().rectification.items(s.aid)) != seen[1]


def open_and_overdue(info: AssessmentInfo | None) -> tuple[int, int]:
    """(open, overdue) 整改事项 of ``info`` against today's Beijing date; (0, 0) when none or
    unreadable."""
    if not shown(info) or info is None:
        return 0, 0
    found = items(info)
    return counts(found, today()) if found else (0, 0)


def overdue_flag(info: AssessmentInfo | None, *, where: str) -> None:
    """A red line with a link to the 整改台账 when items are overdue (首页, the sidebar)."""
    open_n, overdue = open_and_overdue(info)
    if not overdue:
        return
    label = f"逾期整改事项 {overdue} 项（未完成 {open_n} 项）"
    if where == "home":
        st.error(f"{label}：完成时限已过，请更新整改情况。", icon=":material/alarm:")
    else:
        st.markdown(f":red[**{label}**]")
    st.page_link(
        routes.page(state.get_rubric(), RECTIFY_URL),
        label="打开整改台账",
        icon=":material/alarm:",
        query_params=state.link_params(),
    )
