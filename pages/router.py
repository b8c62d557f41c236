"""The script Streamlit runs for every session (app.py serves it through st.App).

It lives in pages/ so that no ``pages/`` folder sits beside the running script: Streamlit's
legacy folder scan then finds nothing, and a deep link as a fresh server's first request opens
the right page (no "Page not found", no module names in the sidebar).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a script: make `jiguan` and `pages` importable
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from jiguan import runtime  # noqa: E402
from jiguan.rubric import RubricError  # noqa: E402
from jiguan.store import StoreError  # noqa: E402
from pages import navigation  # noqa: E402
from pages.common import access, answers, draft_facts, drawn, routes, state  # noqa: E402
from pages.common.session import session  # noqa: E402
from pages.common.sidebar import score_panel  # noqa: E402
from pages.common.ui import apply_style  # noqa: E402

routes.install(navigation.renderer)


def main() -> None:
    st.set_page_config(
        page_title="机关事务标准化试点 自评",
        page_icon=str(Path(ROOT) / "static" / "favicon.png"),
        layout="wide",
        initial_sidebar_state="auto",  # collapsed on a tablet or phone (issue 27.6)
    )
    try:
        rubric = state.get_rubric()
    except RubricError as exc:
        st.error(
            f"评估指引配置无法使用，请联系管理员修正后重启：\n\n{exc}", icon=":material/error:"
        )
        st.stop()
    access.take_up_login()  # before the menu: a reload of a signed-in browser keeps its pages
    role = access.nav_role()
    # expanded: on a narrow screen, where Streamlit moves the menu into the sidebar, every page
    # is listed (not cut at a few with an English 「View N more」)
    page = st.navigation(routes.navigation(rubric, role), position="top", expanded=True)
    s = session()
    s.shown_page = page.url_path or routes.home_url(role)  # the default page's url_path is ""
    try:
        state.get_store()
    except StoreError as exc:
        st.error(f"无法打开自评数据库：{exc}。请稍后刷新页面重试。", icon=":material/cloud_off:")
        st.stop()
    apply_style()  # the sign-in page too (the gate stops the run there)
    access.gate()
    runtime.settle()
    loaded = s.loaded_aid
    changed = state.sync()
    if s.loaded_aid != loaded:  # another assessment (or the first): every widget anew
        # A cell widget's value is only ever set together with its seed (answers.Sheet.seed):
        # with nothing seeded, as in a new session, there is nothing to forget (~8% of a new
        # session's first page; bench/README.md).
        for cid in rubric.criteria if s.seeded else ():
            answers.ANSWERS.forget(cid)
    else:
        answers.ANSWERS.take_remote(changed)
    if s.aid is not None and st.query_params.get("a") != str(s.aid):
        st.query_params["a"] = str(s.aid)
    notice = st.session_state.pop(routes.NOTICE, None)  # a refused link, a page not in the menu
    st.session_state[routes.SHOWN] = notice
    with st.empty():  # one slot, shown or not: the page below must not move (signin.py)
        if notice:
            kind, text = notice
            if kind == "error":
                st.error(text, icon=":material/block:")
            else:
                st.info(text, icon=":material/info:")
    with st.sidebar:
        score_panel(page.url_path)
    page.run()
    draft_facts.draw()  # after every field drawn: what drafts.js decides a draft by
    drawn.mark_drawn()  # last: the draw's number goes with the controls it moved


if __name__ == "__main__":  # Streamlit runs this file as __main__; tests import main
    main()
