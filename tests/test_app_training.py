"""The trainer's pages through AppTest, each against a temporary SQLite store.

Each page is run by a small router script (public AppTest API only): the session set-up app.py
does, then ``st.navigation`` with the page under test as the default page plus the item pages
it links to.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.rubric import Rubric
from jiguan.samples import NOTICE, load_samples
from jiguan.sheet import write_sheet
from jiguan.store import Store, database_url, default_files_dir
from jiguan.training import (
    PROFILE_SAMPLE,
    PROFILE_SUBMITTED,
    PROFILE_TRAINEE,
    PROFILE_WORKSHOP,
)
from tests.app_support import HARNESS, goto, sess, start

WORKSHOP = "2026-12 南京培训班"


@pytest.fixture
def store(data_dir: Path, rubric: Rubric):
    s = Store(database_url(), rubric, files_dir=default_files_dir())
    s.migrate()
    yield s
    s.close()


@pytest.fixture(scope="module")
def samples(rubric: Rubric):
    return {s.id: s for s in load_samples(rubric)}


URLS = {
    "guide": "criteria-guide",
    "present": "presentation",
    "practice": "practise",
    "workshop": "workshop-room",
    "compare": "unit-comparison",
}


def open_page(module: str) -> AppTest:
    """A fresh browser session opening the trainer's page drawn by ``pages.<module>``."""
    return goto(start(), URLS[module])


def texts(at: AppTest) -> str:
    return "\n".join(e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader))


def add_practice(store: Store, rubric: Rubric, sample, name: str, answers, *, submitted=True):
    profile = {PROFILE_SAMPLE: sample.id, PROFILE_WORKSHOP: WORKSHOP, PROFILE_TRAINEE: name}
    if submitted:
        profile[PROFILE_SUBMITTED] = "2026-12-01T10:00:00"
    info = store.create_assessment(f"【示例】{sample.unit}", f"练习 · {name}", profile=profile)
    store.replace_answers(info.id, dict(answers), user=name)
    return info


# --- navigation --------------------------------------------------------------------------------


def test_training_pages_are_in_the_navigation(data_dir: Path) -> None:
    from pages.common.routes import TRAINING_ROUTES

    at = start()
    assert [(r.url_path, r.title) for r in TRAINING_ROUTES] == [
        (URLS[m], title)
        for m, title in zip(
            URLS, ["评估指引", "演示模式", "示例练习", "培训班结果", "单位比较"], strict=True
        )
    ]
    for module, url in URLS.items():
        goto(at, url)
        assert at.title, module


# --- 评估指引 ----------------------------------------------------------------------------------


def test_guide_shows_the_whole_rubric_with_no_assessment(data_dir: Path, rubric: Rubric) -> None:
    at = open_page("guide")
    assert sess(at).aid is None
    shown = texts(at)
    assert "显示 38 / 38 个指标" in shown
    for _, content, ind in rubric.indicators():
        assert f"#### 指标 {ind.id}　·　满分" in shown
        assert f"{content.name}（" in shown
    assert "牵头制定国家、行业标准 2 项 = 12 分，超过最高 10 分，得 10 分" in shown
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["空白附件2（Word）", "空白附件2（PDF）", "评估指引讲义（PDF）"]


def test_guide_filters_and_search(data_dir: Path) -> None:
    at = open_page("guide")
    at.multiselect(key="guide.kinds").set_value(["highest"]).run()
    assert "显示 2 / 38 个指标" in texts(at)
    assert "#### 指标 37" in texts(at) and "#### 指标 17" not in texts(at)
    at.multiselect(key="guide.kinds").set_value([]).run()
    at.multiselect(key="guide.methods").set_value(["随机抽查"]).run()
    assert "显示 2 / 38 个指标" in texts(at)  # 4 and 27
    at.multiselect(key="guide.methods").set_value([]).run()
    at.multiselect(key="guide.points").set_value([10.0]).run()
    assert "显示 1 / 38 个指标" in texts(at)
    at.multiselect(key="guide.points").set_value([]).run()
    at.multiselect(key="guide.items").set_value(["宣贯培训"]).run()
    assert "显示 6 / 38 个指标" in texts(at)
    at.multiselect(key="guide.items").set_value([]).run()
    at.text_input(key="guide.q").set_value("集中培训").run()
    assert "显示 1 / 38 个指标" in texts(at) and "#### 指标 21" in texts(at)
    at.text_input(key="guide.q").set_value("没有这个词").run()
    assert "没有符合筛选条件的指标" in at.info[0].value


# --- 演示模式 ----------------------------------------------------------------------------------


def test_presentation_steps_jumps_and_shows_a_sample(data_dir: Path, rubric: Rubric) -> None:
    at = open_page("present")
    assert at.title[0].value.startswith("指标 1　满分 2 分")
    assert at.button(key="present.prev").disabled
    at.button(key="present.next").click().run()
    assert at.title[0].value.startswith("指标 2")
    at.selectbox(key="present.item").set_value(2).run()  # 标准体系与标准制定 starts at 13
    assert at.title[0].value.startswith("指标 13")
    for _ in range(4):
        at.button(key="present.next").click().run()
    assert at.title[0].value.startswith("指标 17")
    assert "只取最高一级" not in texts(at) and "按数量计分" in texts(at)
    at.toggle(key="present.show_sample").set_value(True).run()
    at.selectbox(key="present.sample").set_value("middling").run()
    at.button(key="present.next").click().run()  # the key on the next click
    shown = texts(at)
    assert NOTICE in shown and "答案：5 分" in shown and "17.4 自评：2 项" in shown
    at.selectbox(key="present.item").set_value(len(rubric.items) - 1).run()
    assert at.title[0].value.startswith("指标 33")
    for _ in range(11):  # each indicator: its key, then the next indicator
        at.button(key="present.next").click().run()
    assert at.title[0].value.startswith("指标 38") and at.button(key="present.next").disabled


# --- 示例练习 ----------------------------------------------------------------------------------


def test_practice_loads_a_sample_hides_the_key_until_handed_in(
    data_dir: Path, store: Store, rubric: Rubric, samples
) -> None:
    at = open_page("practice")
    at.button(key="practice.start").click().run()
    assert "请填写姓名" in at.error[0].value  # nothing created
    assert store.list_assessments() == []
    at.text_input(key="practice.name").set_value("张三")
    at.text_input(key="practice.workshop").set_value(WORKSHOP)
    at.radio(key="practice.sample").set_value("weak")
    at.button(key="practice.start").click().run()
    assert not at.exception
    (info,) = store.list_assessments()
    assert info.profile[PROFILE_SAMPLE] == "weak" and info.profile[PROFILE_WORKSHOP] == WORKSHOP
    assert sess(at).aid == info.id
    loaded = store.answers(info.id)
    assert loaded["1.1"].evidence == samples["weak"].sheet["1.1"].evidence
    assert all(a.value is None for a in loaded.values())
    shown = texts(at)
    assert "答案" not in "".join(m.label for m in at.metric) and "我的总分" not in shown
    # the trainee scores every criterion as the key would (as the item pages save them)
    store.replace_answers(info.id, dict(samples["weak"].key_sheet), user="张三")
    at.run()
    at.button(key="practice.submit").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["我的总分"] == metrics["答案总分"] == "35.5"
    assert metrics["与答案一致"] == "100%"
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace["name"] for trace in radar["data"]] == ["我的评分", "答案"]
    assert "全部指标与答案一致" in at.success[0].value


def test_practice_shows_the_keys_reasons_where_the_trainee_differs(
    data_dir: Path, store: Store, rubric: Rubric, samples
) -> None:
    strong = samples["strong"]
    info = add_practice(store, rubric, strong, "李四", strong.sheet, submitted=True)
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.query_params["a"] = str(info.id)
    at.run()
    goto(at, URLS["practice"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["不一致指标"] == "4" and metrics["与答案一致"] == "89%"
    shown = texts(at)
    assert "**指标 24**　我的 1 分 · 答案 0 分" in shown
    assert strong.key[24].reason in shown
    assert strong.key[17].reason not in shown  # only where the trainee differs


# --- 培训班结果 --------------------------------------------------------------------------------


def test_workshop_room_with_five_trainees_export_and_reset(
    data_dir: Path, store: Store, rubric: Rubric, samples
) -> None:
    at = open_page("workshop")
    assert "还没有任何练习" in at.info[0].value
    strong, weak = samples["strong"], samples["weak"]
    add_practice(store, rubric, strong, "甲", strong.key_sheet)
    add_practice(store, rubric, strong, "乙", strong.sheet)
    add_practice(store, rubric, weak, "丙", weak.sheet)
    add_practice(store, rubric, weak, "丁", weak.sheet)
    add_practice(store, rubric, weak, "戊", weak.practice_sheet(rubric), submitted=False)
    other = store.create_assessment("某局", "第一次自评")  # not a practice: left alone
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已开始练习"] == "5" and metrics["已交卷"] == "4 / 5"
    assert metrics["纳入统计"] == "4"  # handed in only, by default
    roster = at.dataframe[0].value
    assert sorted(roster["姓名"]) == sorted("甲乙丙丁戊")
    assert dict(zip(roster["姓名"], roster["已交卷"], strict=True))["戊"] == "否"
    discussion = at.dataframe[1].value
    # 36: both weak-sample trainees believed the unit's 4 points claimed without evidence
    assert (discussion["指标"].iloc[0], discussion["与答案不一致"].iloc[0]) == (
        "指标 36",
        "2 / 4 人",
    )
    assert len(discussion) == 10
    heat = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
    assert heat["x"] == ["学员 01", "学员 02", "学员 03", "学员 04"]
    assert heat["z"][35] == [0, 0, 4, 4]
    at.toggle(key="workshop.all").set_value(True).run()
    discussion = at.dataframe[1].value
    # the blank sheet still in progress is 未评, never a disagreement
    assert (discussion["与答案不一致"].iloc[0], discussion["未评"].iloc[0]) == ("2 / 4 人", "1 人")
    heat = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
    assert len(heat["x"]) == 5
    csv_button = at.get("download_button")[0]
    assert csv_button.proto.label == "下载 CSV"
    assert at.button(key="workshop.reset").disabled  # until the trainer confirms
    at.checkbox(key="workshop.confirm").check().run()
    at.button(key="workshop.reset").click().run()
    assert not at.exception
    assert [a.id for a in store.list_assessments()] == [other.id]
    assert [a.id for a in store.list_assessments(include_deleted=True)] == [other.id]
    assert "还没有任何练习" in at.info[0].value


# --- 单位比较 ----------------------------------------------------------------------------------


def test_compare_saved_samples_and_uploads(
    data_dir: Path, store: Store, rubric: Rubric, samples
) -> None:
    saved = store.create_assessment("甲局", "第一次自评")
    store.replace_answers(saved.id, dict(samples["middling"].key_sheet), user="t")
    at = open_page("compare")
    assert "至少选择或上传两个单位" in at.info[0].value
    at.multiselect(key="compare.saved").set_value([saved.id])
    at.multiselect(key="compare.samples").set_value(["strong", "weak"]).run()
    assert not at.exception
    ranking = at.dataframe[0].value
    assert list(ranking["单位"]) == [
        f"{samples['strong'].unit}（示例答案）",
        "甲局 · 第一次自评",
        f"{samples['weak'].unit}（示例答案）",
    ]
    assert list(ranking["总分"]) == [96.5, 73.5, 35.5] and list(ranking["名次"]) == [1, 2, 3]
    spreads = at.dataframe[2].value
    assert spreads["指标"].iloc[0] == "指标 17" and spreads["相差"].iloc[0] == 8
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["type"] for t in radar["data"]] == ["scatterpolar"] * 3


def test_compare_uploaded_sheets_and_a_bad_one_named(
    data_dir: Path, rubric: Rubric, samples
) -> None:
    at = open_page("compare")
    at.file_uploader(key="compare.files").set_value(
        [
            ("乙县.csv", write_sheet(rubric, samples["middling"].key_sheet), "text/csv"),
            ("丙区.csv", write_sheet(rubric, samples["weak"].key_sheet), "text/csv"),
            ("坏表.csv", "criterion_id,answer\n1.1,也许\n".encode(), "text/csv"),
        ]
    ).run()
    assert not at.exception
    assert "坏表" in at.error[0].value and "第 2 行" in at.error[0].value
    ranking = at.dataframe[0].value
    assert list(ranking["单位"]) == ["乙县", "丙区"] and list(ranking["总分"]) == [73.5, 35.5]
