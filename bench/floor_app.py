"""Streamlit's floor for the item page: the same elements as ``item1`` draws, with no logic.

bench_app.py runs it as the "app" (``--app-script bench/floor_app.py``) against the empty app.
The app's item-1 page draws 96 elements and blocks for a 填报人 (counted with AppTest on
2026-12-05: 33 blocks, 5 segmented controls, 7 sidebar page links, 12 fragments, a style and a
script element; 91 since each indicator's evidence hint joined its head's markdown); this
draws the same kinds in the same nesting, with fixed texts and no
database, scoring or session logic. Whatever this page costs
is what Streamlit itself charges for drawing that page; the app cannot go below it without
drawing less. An answer reruns the box's fragment and the sidebar totals, as the app does.
"""

from __future__ import annotations

import streamlit as st

CRITERIA = ["1.1", "2.1", "3.1", "4.1", "5.1"]
OPTIONS = ["yes", "partial", "no", "unanswered"]
LABELS = {"yes": "符合", "partial": "部分符合", "no": "不符合", "unanswered": "未评"}
STYLE = "<style>" + "[data-testid='stMain'] p { margin: 0; }\n" * 120 + "</style>"
SCRIPT = "<script>" + "/* a page script of the app's size */\n" * 250 + "</script>"


def total() -> float:
    return sum(2.0 for cid in CRITERIA if st.session_state.get(f"ans.{cid}") == "yes")


def totals() -> None:
    with st.container(horizontal=True):
        st.metric("总分", f"{total():g} / 100")
        st.metric("完成度", "20%")
    st.progress(0.2)
    st.markdown(":orange[**待处理指标 37 个**]  \n:gray[未评 34 · 缺佐证 3]")


def answered(cid: str) -> None:
    st.rerun(["totals", f"box{cid}"])


def box(cid: str) -> None:
    with st.container(horizontal=True, wrap=False, horizontal_alignment="distribute"):
        st.markdown(
            f"**指标 {cid}**　明确了标准化试点领导机构及职责，得 2 分。  \n:blue-badge[查看文件]"
            "  \n:small[:gray[参考佐证材料（本工具的建议，不属于评分标准）：成立标准化试点"
            "领导小组的发文及文号]]"
        )
        st.markdown("#### 0\u00a0/\u00a02\u00a0分", width="content")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.segmented_control(
            "评定（满分 2 分）",
            OPTIONS,
            format_func=lambda o: " " + LABELS[o],  # as the app's option_label
            required=True,
            key=f"ans.{cid}",
            on_change=answered,
            args=(cid,),
        )


def item_page() -> None:
    st.html(SCRIPT, unsafe_allow_javascript=True)
    st.title("一、组织管理")
    with st.container(key="main-total"):
        st.markdown("**总分 16.5 / 100**　:gray[完成度 20% · 待处理指标 37 个]")
    with st.container(horizontal=True, wrap=True, gap="large"):
        for label in ("本项得分", "得分率", "已完成评分项", "待处理指标"):
            st.metric(label, "0 / 8", width="content")
    for n, cids in enumerate((CRITERIA[:2], CRITERIA[2:])):
        st.fragment(key=f"content{n}")(_content_head)(n)
        for cid in cids:
            with st.container(border=True, key=f"indicator-{cid}"):
                st.fragment(key=f"box{cid}")(box)(cid)
                st.expander("佐证材料与备注", key=f"open.{cid}", on_change="rerun")
    st.divider()
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        st.button("上一部分：首页", key="nav.prev")
        st.button("下一部分：二、工作机制", key="nav.next", type="primary")


def _content_head(n: int) -> None:
    st.subheader(f"评估内容 {n + 1}", divider="gray")
    st.caption("评估内容 · 满分 4 分 · 当前得分 0 分")


def radar() -> None:
    st.markdown("<svg width='10' height='10'></svg>" * 40, unsafe_allow_html=True)


def poll() -> None:
    pass


def other_page() -> None:
    st.write("另一页")


home = st.Page(other_page, title="首页", url_path="home", default=True)
pages = [st.Page(item_page, title="一、组织管理", url_path="item1")]
pages += [st.Page(other_page, title=f"第 {i} 项", url_path=f"item{i}") for i in range(2, 8)]
page = st.navigation([home, *pages], position="top")
st.html(STYLE)
with st.sidebar:
    st.text_input("当前填写人", key="user.input", label_visibility="collapsed")
    st.caption(":orange[请填写您的姓名，否则修改记为“未署名”]")
    st.markdown("**某某市机关事务管理局**  \n第一次自评")
    with st.container(key="sidebar-total"):
        st.fragment(key="totals")(totals)()
    for p in pages:
        st.page_link(p, label=f"{p.title}　0/8")
        st.progress(0.0)
    st.fragment(key="radar")(radar)()
    st.fragment(run_every=5)(poll)()
page.run()
