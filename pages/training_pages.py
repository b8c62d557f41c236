"""The trainer's pages (评估指引, 演示, 练习, 培训班, 单位比较) for the navigation.

Their url paths never equal a ``pages/*.py`` stem (see pages/nav.py for why).
"""

from __future__ import annotations

import streamlit as st

GUIDE_URL = "criteria-guide"
PRESENT_URL = "presentation"
PRACTICE_URL = "practise"
WORKSHOP_URL = "workshop-room"
COMPARE_URL = "unit-comparison"
TRAINING_URLS = (GUIDE_URL, PRESENT_URL, PRACTICE_URL, WORKSHOP_URL, COMPARE_URL)


def guide_page() -> st.Page:
    from pages import guide

    return st.Page(guide.render, title="评估指引", icon=":material/menu_book:", url_path=GUIDE_URL)


def present_page() -> st.Page:
    from pages import present

    return st.Page(
        present.render, title="演示模式", icon=":material/co_present:", url_path=PRESENT_URL
    )


def practice_page() -> st.Page:
    from pages import practice

    return st.Page(
        practice.render, title="示例练习", icon=":material/school:", url_path=PRACTICE_URL
    )


def workshop_page() -> st.Page:
    from pages import workshop

    return st.Page(
        workshop.render, title="培训班结果", icon=":material/groups:", url_path=WORKSHOP_URL
    )


def compare_page() -> st.Page:
    from pages import compare

    return st.Page(
        compare.render, title="单位比较", icon=":material/compare:", url_path=COMPARE_URL
    )


def training_pages() -> list[st.Page]:
    return [guide_page(), present_page(), practice_page(), workshop_page(), compare_page()]
