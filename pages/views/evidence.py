import streamlit as st

from jiguan.format import points
from jiguan.scoring import NO_EVIDENCE, UNANSWERED, points_at_stake
from jiguan.text import lines
from pages.common import routes, state
from pages.common.text import plain
from pages.common.ui import banners, flag_badge_line, page_total, require_assessment

# What each 评估方式 asks the unit to prepare; methods not listed here get a general hint.
PREPARE = {
    "查看文件": "整理成册的文件（发文、方案、制度、台账），注明文号",
    "实地查看": "需要现场准备的场所、设施和上墙材料",
    "随机抽查": "需要提前培训、可能被抽问的工作人员",
    "实地走访": "可能被走访的部门和一线职工",
    "查看记录": "会议、培训等活动的记录、签到表和照片",
    "查看相关记录": "相关工作记录",
    "查看相关报道": "媒体报道、官网或公众号发布的链接和截图",
    "查看报刊": "刊登文章的报刊原件或复印件",
    "查看相关成果": "研究报告等成果材料",
    "查看合作协议等": "合作协议及合作记录",
    "查看标准文本": "标准文本及制修订过程材料",
    "查看标准文本或立项批复": "标准文本、标准号或立项批复",
    "查看有关材料": "宣传栏、宣传册、内网专栏等材料",
}


def render() -> None:
    """佐证检查: flagged indicators grouped by 评估方式."""
    st.title("佐证检查")
    st.caption("迎接正式评估前的清单：未评的指标、得了分却没有任何佐证的指标，按评估方式分组。")
    if not require_assessment():
        st.stop()
    banners()

    rubric = state.get_rubric()
    result = state.result()
    flagged = result.flagged
    item_index = {item.name: i for i, item in enumerate(rubric.items)}

    if not flagged:
        st.success(
            "可以迎接评估：所有指标均已评定，得分的指标都有佐证材料。", icon=":material/verified:"
        )
        st.stop()

    no_ev = [r for r in flagged if NO_EVIDENCE in r.flags]
    unanswered = [r for r in flagged if UNANSWERED in r.flags]
    page_total()
    with st.container(horizontal=True, wrap=True, gap="large"):
        st.metric("待处理指标", len(flagged), width="content")
        st.metric(
            "缺佐证（已得分）",
            len(no_ev),
            help="这些分数在评估时可能不被认可",
            width="content",
        )
        st.metric(
            "未评",
            len(unanswered),
            help="还有空项、且空项还能改变得分的指标（已达上限或已取最高一级的不算）",
            width="content",
        )

    groups: dict[str, list] = {}
    for _, _, ind in rubric.indicators():
        r = result.indicators[ind.id]
        if r.flags:
            for method in ind.methods:
                groups.setdefault(method, []).append((ind, r))
    for entries in groups.values():
        # points a reviewer may refuse first, then what is still open; the largest first
        entries.sort(
            key=lambda e: (NO_EVIDENCE not in e[1].flags, -points_at_stake(rubric, result, e[0].id))
        )

    for method, entries in groups.items():
        stake = sum(points_at_stake(rubric, result, r.id) for _, r in entries)
        st.subheader(f"{method}（{len(entries)} 个指标，涉及 {points(stake)} 分）", divider="gray")
        st.caption("需准备：" + PREPARE.get(method, "评估时可能被查看的相关材料"))
        for ind, r in entries:
            item, content = rubric.place_of[ind.id]
            with st.container(border=True):
                text, stake_col, link = st.columns([6, 1.5, 1.8], vertical_alignment="center")
                with text:
                    # every criterion's line (the unit may have claimed 38.3, not 38.1)
                    st.markdown(
                        f"**指标 {ind.id}**　" + "  \n".join(plain(t) for t in lines(ind.text))
                    )
                    score_text = f"{points(r.score)} / {points(r.max)}"
                    where = f"{item.name} · {content.name} · 当前 {score_text} 分"
                    st.caption(f"{flag_badge_line(r.flags)}　{plain(where)}")
                label = "可能失去" if NO_EVIDENCE in r.flags else "尚可争取"
                at_stake = points(points_at_stake(rubric, result, ind.id))
                color = "orange" if NO_EVIDENCE in r.flags else "blue"
                stake_col.markdown(f":gray[{label}]  \n:{color}[**{at_stake} 分**]")
                link.page_link(
                    routes.page(rubric, routes.item_url(item_index[item.name])),
                    label="去处理",
                    width="content",
                    icon=":material/edit:",
                    query_params={**state.link_params(), "at": str(ind.id)},
                )
