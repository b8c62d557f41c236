"""Every page's url path, title and icon, and the `st.Page` objects built from them.

Page modules import this module to link to each other, so it imports no page: the function that
draws each url is given to it once by `pages/navigation.py` (`install`), which imports every page
directly. The 7 item pages come from the rubric: adding an item to the YAML adds a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import streamlit as st

from jiguan.accounts import ADMIN, TRAINEE, TRAINER
from jiguan.rubric import Item, Rubric

HOME_URL = ""
# nav_role of 共享模式 before login: the menu is the sign-in page alone (with 参加培训班).
SIGNED_OUT = "signed-out"
SUMMARY_URL = "results"
EVIDENCE_URL = "readiness"
TRANSFER_URL = "import-export"
SUBMIT_URL = "submit"
GUIDE_URL = "criteria-guide"
PRACTICE_URL = "practise"

_NUMERALS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (enough for a rubric's items)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else _NUMERALS[tens - 1] + "十"
    return head + (_NUMERALS[ones - 1] if ones else "")


def item_title(index: int, item: Item) -> str:
    return f"{chinese_number(index + 1)}、{item.name}"


def item_url(index: int) -> str:
    return f"item{index + 1}"


def item_index(url_path: str) -> int | None:
    """The item a url path shows (item3 -> 2), None for other pages."""
    if url_path.startswith("item") and url_path[4:].isdigit():
        return int(url_path[4:]) - 1
    return None


@dataclass(frozen=True, slots=True)
class Route:
    url_path: str
    title: str
    icon: str


Renderer = Callable[[str], Callable[[], None]]
_renderer: list[Renderer] = []


def install(renderer: Renderer) -> None:
    """Give the module the function that draws each url path (`pages.navigation.renderer`)."""
    _renderer[:] = [renderer]


MAIN_ROUTES = (
    Route(HOME_URL, "首页", ":material/home:"),
    Route(SUMMARY_URL, "汇总", ":material/leaderboard:"),
    Route(EVIDENCE_URL, "佐证检查", ":material/fact_check:"),
    Route(TRANSFER_URL, "导入导出", ":material/swap_vert:"),
    Route(SUBMIT_URL, "提交自评", ":material/send:"),
)


# The default page's url: any other url a signed-out browser opens falls back to it.
LOGIN_ROUTE = Route(HOME_URL, "登录", ":material/login:")
GUIDE_ROUTE = Route(GUIDE_URL, "评估指引", ":material/menu_book:")
PRACTICE_ROUTE = Route(PRACTICE_URL, "示例练习", ":material/school:")
TRAINING_ROUTES = (
    GUIDE_ROUTE,
    Route("presentation", "演示模式", ":material/co_present:"),
    PRACTICE_ROUTE,
    Route("workshop-room", "培训班结果", ":material/groups:"),
    Route("unit-comparison", "单位比较", ":material/compare:"),
)


OVERVIEW_URL = "overview"
RECTIFY_URL = "rectification"
REVIEW_URL = "panel-review"  # 评审录入
RECTIFY_ROUTE = Route(RECTIFY_URL, "整改台账", ":material/assignment_turned_in:")
REVIEW_ROUTES = (
    Route(OVERVIEW_URL, "总览", ":material/dashboard:"),
    Route(REVIEW_URL, "评审录入", ":material/rate_review:"),
    Route("review-comparison", "评审对照", ":material/compare_arrows:"),
    RECTIFY_ROUTE,
    Route("round-progress", "历轮进展", ":material/trending_up:"),
)


# 共享模式 only, by role (pages/common/access.nav_role): each page checks the role again when drawn.
ADMIN_ROUTES = (
    Route("accounts", "账户与单位", ":material/manage_accounts:"),
    Route("audit-log", "审计日志", ":material/policy:"),
)
WORKSHOPS_ROUTE = Route("workshops", "培训班管理", ":material/key:")
SCREEN_ROUTE = Route("workshop-screen", "投影视图", ":material/cast:")  # the room, projected


def item_routes(rubric: Rubric) -> tuple[Route, ...]:
    return tuple(
        Route(item_url(i), item_title(i, item), ":material/checklist:")
        for i, item in enumerate(rubric.items)
    )


def _page(route: Route, *, default: bool = False) -> st.Page:
    if not _renderer:
        raise RuntimeError("pages.navigation has not installed the page renderer")
    return st.Page(
        _renderer[0](route.url_path),
        title=route.title,
        icon=route.icon,
        url_path=route.url_path or None,
        default=default or route.url_path == HOME_URL,
    )


def _all(rubric: Rubric) -> tuple[Route, ...]:
    return (
        *MAIN_ROUTES,
        *item_routes(rubric),
        *REVIEW_ROUTES,
        *TRAINING_ROUTES,
        *ADMIN_ROUTES,
        WORKSHOPS_ROUTE,
        SCREEN_ROUTE,
    )


def page(rubric: Rubric, url_path: str) -> st.Page:
    """The st.Page for a url path ("" is 首页)."""
    for route in _all(rubric):
        if route.url_path == url_path:
            return _page(route)
    raise KeyError(url_path)


def sections(rubric: Rubric, role: str | None = None) -> dict[str, tuple[Route, ...]]:
    """The sections of the top navigation for ``role`` (共享模式's logged-in role, else None).

    A trainee (joined a workshop with its code) gets only what a practice needs: 示例练习
    (their first page), 评估指引 and the item pages they score the sample unit on; every other
    page is one the store would refuse them. ``admin`` adds the administrator's pages,
    ``trainer`` 培训班管理.
    """
    if role == SIGNED_OUT:
        return {"": (LOGIN_ROUTE,)}
    items = item_routes(rubric)
    if role == TRAINEE:
        return {"": (PRACTICE_ROUTE, GUIDE_ROUTE), "评估项目": items}
    training: tuple[Route, ...] = TRAINING_ROUTES
    review: tuple[Route, ...] = REVIEW_ROUTES
    if role in (None, TRAINER, ADMIN):  # 投影视图 refuses 填报人 and 评估组 (room_screen.py)
        training = (*training, SCREEN_ROUTE)
    if role == TRAINER:  # 整改台账 is the unit's, its 评估组's and the administrator's
        training = (*training, WORKSHOPS_ROUTE)
        review = tuple(r for r in REVIEW_ROUTES if r != RECTIFY_ROUTE)
    out = {"": MAIN_ROUTES, "评估项目": items, "正式评估": review, "培训与比较": training}
    if role == ADMIN:
        out["管理"] = (*ADMIN_ROUTES, WORKSHOPS_ROUTE)
    return out


def navigation(rubric: Rubric, role: str | None = None) -> dict[str, list[st.Page]]:
    """`sections` as st.Page objects. Every other page is there too, hidden, leading to the
    role's first page with a Chinese line (not Streamlit's English 「Page not found」): a
    trainee's ``/`` and ``/practise`` both reach 示例练习, a copied link to another page too."""
    out = {name: [_page(r) for r in section] for name, section in sections(rubric, role).items()}
    listed = {r.url_path for section in sections(rubric, role).values() for r in section}
    start = next(r for r in _all(rubric) if r.url_path == home_url(role))
    hidden = [
        st.Page(
            partial(_elsewhere, start, route),
            title=route.title,
            icon=route.icon,
            url_path=route.url_path or None,
            default=route.url_path == HOME_URL,
            visibility="hidden",
        )
        for route in _all(rubric)
        if route.url_path not in listed
    ]
    if hidden:
        out[next(iter(out))] += hidden
    return out


# Session keys: a line for the next page drawn, ("error" | "info", text): a refused link
# (access), why this browser was sent to its first page; the router shows it once (SHOWN: the
# line this run shows, which a switch to the role's first page carries over).
NOTICE = "nav.notice"
SHOWN = "nav.notice.shown"


def _elsewhere(start: Route, asked: Route) -> None:
    """A page outside this browser's menu: go to its first page, saying why (not for ``/``);
    a line this run showed (a refused link) goes along."""
    if shown := st.session_state.get(SHOWN):
        st.session_state[NOTICE] = shown
    elif asked.url_path:
        text = f"「{asked.title}」不在您的菜单中，已转到「{start.title}」。"
        st.session_state[NOTICE] = ("info", text)
    st.switch_page(_page(start))


def home_url(role: str | None = None) -> str:
    """The page ``role`` starts on: 首页, or 示例练习 for a trainee."""
    return PRACTICE_URL if role == TRAINEE else HOME_URL


def walk(rubric: Rubric, role: str | None = None) -> list[str]:
    """The order 上一部分 / 下一部分 follow (url paths): 首页, every item, 汇总; for a
    trainee 示例练习, every item, back to 示例练习 to hand in."""
    home = home_url(role)
    last = home if role == TRAINEE else SUMMARY_URL
    return [home, *(item_url(i) for i in range(len(rubric.items))), last]


def title(rubric: Rubric, url_path: str) -> str:
    for route in _all(rubric):
        if route.url_path == url_path:
            return route.title
    raise KeyError(url_path)
