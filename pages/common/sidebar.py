"""The always-visible panel: who is filling in, totals, one row per item, the radar, and a
light poll that brings in what colleagues save (keyed fragments; see pages/common/refresh.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from urllib.parse import unquote

import streamlit as st

from jiguan.format import format_time, points
from jiguan.limits import MAX_NAME_CHARS
from jiguan.profile import PROFILE_SUBMITTED
from jiguan.radar_svg import radar_svg
from jiguan.scoring import NO_EVIDENCE, UNANSWERED
from jiguan.store import StoreError, StoreUnavailable
from pages.common import (
    access,
    answers,
    rectify_input,
    refresh,
    review_input,
    routes,
    scripts,
    state,
)
from pages.common.session import session
from pages.common.text import plain

POLL_SECONDS = 5
# A tab nobody has used for IDLE_AFTER seconds polls every IDLE_POLL_SECONDS: an idle tab's
# poll is a fragment rerun, mostly Streamlit's own work (issue 25; bench/README.md).
# (JIGUAN_POLL_IDLE_AFTER: the browser test's shorter wait.)
IDLE_AFTER = float(os.environ.get("JIGUAN_POLL_IDLE_AFTER") or 120)
IDLE_POLL_SECONDS = 20
USER_COOKIE = "jiguan_filler"


def score_panel(url_path: str) -> None:
    """The panel for the page at ``url_path``; on an item's page that item's row is a fragment
    of its own (answers there change it)."""
    s = session()
    if s.poll_rerun:  # asked for by the poll: not the user's doing
        s.poll_rerun = False
    else:
        s.active_at, s.poll_slow = time.monotonic(), False
    _who(url_path)
    if s.aid is None or s.info is None:
        if routes.home_url(access.nav_role()) == routes.HOME_URL:
            st.caption("尚未选择自评。请在首页新建或继续一份自评。")
        else:
            st.caption("尚未开始练习。请在「示例练习」页载入示例单位。")
        return
    st.markdown(f"**{plain(s.info.unit_name or '（未填单位）')}**  \n{plain(s.info.round_name)}")
    with st.container(key="sidebar-total"):  # sticky (pages/common/ui.py _STYLE)
        st.fragment(key=refresh.SIDEBAR_TOTALS)(_totals)()
    rectify_input.overdue_flag(s.info, where="sidebar")  # 逾期整改事项 n 项, a link
    rubric = state.get_rubric()
    for i in range(len(rubric.items)):
        if url_path == routes.item_url(i):
            st.fragment(key=refresh.sidebar_item_row(i))(_item_row)(i)
        else:
            _item_row(i)
    st.fragment(key=refresh.SIDEBAR_RADAR)(_radar)()
    st.fragment(run_every=IDLE_POLL_SECONDS if s.poll_slow else POLL_SECONDS)(_poll)()


def _set_user(page_url: str) -> None:
    s = session()
    s.user = (st.session_state.get("user.input") or "").strip()[:MAX_NAME_CHARS]
    s.user_cookie = "write"
    state.follow_navigation(page_url)


def _user_cookie() -> None:
    """当前填写人 in 单机模式 is kept in this browser's cookie ``jiguan_filler`` (a year, not
    HttpOnly: the page writes it), so a reload, a new tab or a restarted server still knows
    who is filling in. Read once per session; written by a tiny script when it changes."""
    s = session()
    if not s.user_cookie:
        cookies: Mapping[str, str] = st.context.cookies or {}
        kept = cookies.get(USER_COOKIE, "")
        s.user = s.user or unquote(kept).strip()[:MAX_NAME_CHARS]
        s.user_cookie = "read"
    elif s.user_cookie == "write":
        s.user_cookie = "read"
        # The name goes in a data attribute (escaped), never into the script's text: the
        # Content-Security-Policy allows only pages/js/ scripts, by hash.
        scripts.run("filler_cookie", cookie=USER_COOKIE, who=s.user)


def _who(url_path: str) -> None:
    if access.shared():  # the account is the author; no typed name
        return
    s = session()
    _user_cookie()
    st.session_state.setdefault("user.input", s.user)
    # One line: the label is read out to screen readers; the icon and placeholder say it here.
    st.text_input(
        "当前填写人",
        key="user.input",
        on_change=_set_user,
        args=(url_path,),
        placeholder="当前填写人的姓名",
        icon=":material/person:",
        label_visibility="collapsed",
    )
    if not s.user:
        st.caption(":orange[请填写您的姓名，否则修改记为“未署名”]")


def _totals() -> None:
    s = session()
    result = state.result()
    with st.container(horizontal=True):
        st.metric("总分", f"{points(result.total)} / {points(result.max)}")
        st.metric("完成度", f"{result.completion:.0%}")
    st.progress(result.completion)
    flagged = result.flagged
    unanswered = sum(1 for r in flagged if UNANSWERED in r.flags)
    no_ev = sum(1 for r in flagged if NO_EVIDENCE in r.flags)
    if flagged:
        st.markdown(
            f":orange[**待处理指标 {len(flagged)} 个**]  \n"
            f":gray[未评 {unanswered} · 缺佐证 {no_ev}]"
        )
    else:
        st.markdown(":green[**全部指标已作答且有佐证**]")
    waiting = sum(s.journaled.values())
    if waiting:
        since = state.saving().outage.down_since
        when = f"，数据库自 {format_time(since)} 起无法连接" if since else ""
        st.warning(
            f"{waiting} 项修改待写入数据库（已暂存在服务器上{when}，恢复后自动写入）",
            icon=":material/sync_problem:",
        )


def _item_row(index: int) -> None:
    rubric = state.get_rubric()
    item = state.result().items[index]
    title = routes.item_title(index, rubric.items[index])
    # A link and its bar, no container around them (a block per row is ~5% of a page's server
    # time); the style draws the bar close under its link.
    st.page_link(
        routes.page(rubric, routes.item_url(index)),
        label=f"{title}　{points(item.score)}/{points(item.max)}",
        query_params=state.link_params(),
    )
    st.progress(item.score / item.max if item.max else 0.0)


def _radar() -> None:
    """A static drawing, not a plotly chart: it is redrawn on every full run (jiguan/radar_svg.py).
    Markdown, not st.html: st.html's sanitiser drops ``<svg>``."""
    items = state.result().items
    st.markdown(radar_svg(tuple((g.name, g.score, g.max) for g in items)), unsafe_allow_html=True)


def _poll() -> None:
    """Every few seconds: has anyone saved to this assessment? If so, bring it in and say who
    changed what; the page is redrawn (fields being typed into are left alone)."""
    s = session()
    if access.lapsed():  # signed out meanwhile (expired, disabled, …): show the sign-in form
        _rerun_app()
    idle = time.monotonic() - s.active_at > IDLE_AFTER
    if s.poll_slow != idle:  # idle now, or back at work without a full run (a click answer)
        s.poll_slow = idle
        _rerun_app()  # the full run declares this fragment again, at the pace it needs
    if s.aid is None or state.saving().outage.down or s.loaded_aid != s.aid:
        return
    if time.monotonic() - s.stamp_checked < 1:  # state.sync() just looked (a full run)
        return
    s.stamp_checked = time.monotonic()
    try:  # from the process's board: one query per second for all its tabs (jiguan/stamps.py)
        stamp = state.saving().stamps.get(s.aid)
    except StoreUnavailable:
        state.saving().outage.fail()
        return
    except StoreError:
        return
    if stamp is None:  # purged meanwhile; the next full run says so
        return
    if stamp == s.seen_stamp:
        if _moved_elsewhere():
            _rerun_app()  # the page reloads what moved (review_input.load, the ledger's items)
        return
    was = _standing()
    changed = state.load(s, state.get_store(), s.aid)
    if changed:  # not just this browser's own saves moving the stamp
        answers.ANSWERS.take_remote(changed)
        _rerun_app()
    if _standing() != was:  # submitted, returned or finalised elsewhere: editable or not now
        _rerun_app()


def _standing() -> tuple[object, ...]:
    """What decides, besides the answers, whether the open pages may be edited (a practice
    handed in from another tab included)."""
    s = session()
    sub = s.submitted
    handed_in = (s.info.profile or {}).get(PROFILE_SUBMITTED) if s.info is not None else None
    return (None if sub is None else (sub.number, sub.returned_at), s.finalised_at, handed_in)


def _rerun_app() -> None:
    session().poll_rerun = True
    st.rerun(scope="app")


def _moved_elsewhere() -> bool:
    """On 评审录入 or the 整改台账: has a colleague saved there since this browser drew it?
    (Verdicts and ledger items do not move the assessment's change time.)"""
    try:
        return review_input.changed_since_loaded() or rectify_input.changed_since_drawn()
    except StoreUnavailable:
        state.saving().outage.fail()
    except StoreError:
        pass
    return False
