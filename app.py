"""机关事务标准化试点 自评 — the router: page config, cached rubric and store, navigation."""

import streamlit as st

from jiguan.rubric import RubricError
from jiguan.store import StoreError
from pages import state
from pages.nav import all_pages
from pages.sidebar import score_panel
from pages.ui import apply_style

st.set_page_config(
    page_title="机关事务标准化试点 自评",
    page_icon=":material/fact_check:",
    layout="wide",
    initial_sidebar_state="expanded",
)

try:
    rubric = state.get_rubric()
except RubricError as exc:
    st.error(f"评估指引配置无法使用，请联系管理员修正后重启：\n\n{exc}", icon=":material/error:")
    st.stop()

try:
    state.get_store()
except StoreError as exc:
    st.error(f"无法打开自评数据库：{exc}。请稍后刷新页面重试。", icon=":material/cloud_off:")
    st.stop()
state.settle_process()

state.init_session()
state.sync()

page = st.navigation(all_pages(rubric), position="top")
apply_style()
with st.sidebar:
    score_panel(page.url_path)
page.run()
