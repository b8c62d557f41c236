"""The app as AppTest drives it: the router, plus a way to open any page by its url path.

Set ``at.session_state["goto"] = "item3"`` and run: the harness runs the router, then switches
to that page with st.switch_page (public API), as a click on a link would.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from pages.common import routes, state
from pages.router import main

main()
target = st.session_state.pop("goto", None)
if target is not None:
    st.switch_page(routes.page(state.get_rubric(), target), query_params=state.link_params())
