"""Which function draws which url path: every page imported directly, so a reader or a tool can
follow a route to its code. `pages/common/routes.py` holds the paths and titles and is installed
with `renderer` by the router (pages import `routes` to link to each other, never this module).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pages.common import routes
from pages.views import (
    admin,
    admin_audit,
    compare,
    evidence,
    guide,
    home,
    item,
    overview,
    practice,
    present,
    progress,
    rectify,
    review,
    review_compare,
    room_screen,
    submit,
    summary,
    transfer,
    workshop,
    workshops,
)

PAGES: dict[str, Callable[[], None]] = {
    routes.HOME_URL: home.render,
    routes.SUMMARY_URL: summary.render,
    routes.EVIDENCE_URL: evidence.render,
    routes.TRANSFER_URL: transfer.render,
    routes.SUBMIT_URL: submit.render,
    routes.GUIDE_URL: guide.render,
    "presentation": present.render,
    routes.PRACTICE_URL: practice.render,
    "workshop-room": workshop.render,
    routes.SCREEN_ROUTE.url_path: room_screen.render,
    "unit-comparison": compare.render,
    routes.OVERVIEW_URL: overview.render,
    "panel-review": review.render,
    "review-comparison": review_compare.render,
    routes.RECTIFY_URL: rectify.render,
    "round-progress": progress.render,
    "accounts": admin.render,
    "audit-log": admin_audit.render,
    "workshops": workshops.render,
}


def renderer(url_path: str) -> Callable[[], None]:
    """The function that draws ``url_path`` (an item page's url names its item)."""
    index = routes.item_index(url_path)
    if index is not None:
        return partial(item.render, index)
    return PAGES[url_path]
