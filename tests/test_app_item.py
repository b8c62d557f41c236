"""The 评估项目 pages through AppTest: answering, scoring rules, evidence, files, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.rubric import Rubric
from jiguan.store import Store
from tests.app_support import (
    answer,
    create,
    flagged_count,
    goto,
    indicator_flags,
    indicator_score,
    item_metric,
    open_evidence,
    run,
    sess,
    sidebar_text,
    sidebar_total,
    start,
)


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    return create(start(data_dir))


def test_an_indicator_shows_the_tools_evidence_hint_apart_from_the_rubric(app: AppTest) -> None:
    goto(app, "item1")
    head = next(md.value for md in app.main.markdown if md.value.startswith("**指标 1**"))
    hint = head.split("\n")[-1]
    assert hint.startswith(":small[:gray[参考佐证材料（本工具的建议，不属于评分标准）：")
    assert "成立标准化试点领导小组的发文及文号；领导小组成员名单及职责分工" in hint


def test_check_partial_and_count_update_indicator_item_total_and_flags(app: AppTest) -> None:
    goto(app, "item1")
    assert flagged_count(app) == 38
    assert "未评" in indicator_flags(app, 1) and "缺佐证" not in indicator_flags(app, 1)
    answer(app, "1.1", "yes")
    assert indicator_score(app, 1) == "2 / 2"
    assert "缺佐证" in indicator_flags(app, 1) and "未评" not in indicator_flags(app, 1)
    assert "查看文件" in indicator_flags(app, 1)
    assert item_metric(app) == "2 / 8"
    assert sidebar_total(app) == "2 / 100"
    assert flagged_count(app) == 38  # answered, but no evidence yet: 缺佐证

    answer(app, "2.1", "partial", points=1.5)
    assert indicator_score(app, 2) == "1.5 / 2"
    assert item_metric(app) == "3.5 / 8"
    assert sidebar_total(app) == "3.5 / 100"

    goto(app, "item3")
    answer(app, "17.1", 1)
    assert indicator_score(app, 17) == "6 / 10"
    answer(app, "17.2", 2)
    assert indicator_score(app, 17) == "10 / 10"  # 6 + 8 = 14, capped at 10
    assert any("本指标最高 10 分" in i.value and "计入 10 分" in i.value for i in app.info)
    assert item_metric(app) == "10 / 26"
    assert sidebar_total(app) == "13.5 / 100"


def test_partial_asks_for_points_before_it_counts(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    answer(app, "1.1", "partial")
    assert app.button_group(key="pts.1.1").options == ["0.5 分", "1 分", "1.5 分"]
    assert any("未完成：请选择分数" in md.value for md in app.main.markdown)
    saved = other_store.answers(sess(app).aid)["1.1"]  # kept as chosen, counted as 未评
    assert (saved.value, saved.points) == ("partial", None)
    assert indicator_score(app, 1) == "0 / 2"
    app.button_group(key="pts.1.1").set_value(1.0).run()
    run(app)
    saved = other_store.answers(sess(app).aid)["1.1"]
    assert (saved.value, saved.points) == ("partial", 1.0)
    assert indicator_score(app, 1) == "1 / 2"


def test_partial_on_a_one_point_criterion_is_half_a_point(app: AppTest) -> None:
    goto(app, "item2")
    one_point = "7.1"
    answer(app, one_point, "partial")
    assert any("部分符合 = 0.5 分" in md.value for md in app.main.markdown)
    assert sidebar_total(app) == "0.5 / 100"


def test_count_criterion_shows_points_it_yields(app: AppTest) -> None:
    goto(app, "item4")
    answer(app, "21.1", 5)
    assert any("计 5 分" in md.value for md in app.main.markdown)
    assert indicator_score(app, 21) == "3 / 3"
    assert any("本指标最高 3 分" in i.value for i in app.info)
    assert app.number_input(key="ans.21.1").max == 1000


def test_indicator_37_counts_only_its_highest_level(app: AppTest) -> None:
    goto(app, "item7")
    assert any("只取最高一级" in i.value for i in app.info)
    answer(app, "37.3", "yes")
    assert indicator_score(app, 37) == "1 / 3"
    answer(app, "37.2", "yes")
    assert indicator_score(app, 37) == "2 / 3"
    answer(app, "37.1", "yes")
    assert indicator_score(app, 37) == "3 / 3"
    assert sidebar_total(app) == "3 / 100"
    answer(app, "37.1", "no")
    assert indicator_score(app, 37) == "2 / 3"


def test_a_click_answer_reruns_fragments_not_the_page(app: AppTest) -> None:
    goto(app, "item1")
    app.button_group(key="ans.1.1").set_value("yes").run()
    assert not app.exception
    assert not app.title  # the page heading was not drawn again: only fragments ran
    assert app.sidebar.metric[0].value == "2 / 100"


def test_evidence_text_clears_no_evidence_flag(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    assert "缺佐证 1" in sidebar_text(app)
    open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value("关于成立领导小组的通知（某发〔2025〕1号）\n成员名单")
    run(app)
    assert "缺佐证 0" in sidebar_text(app)
    saved = other_store.answers(sess(app).aid)["1.1"]
    assert saved.evidence.splitlines() == ["关于成立领导小组的通知（某发〔2025〕1号）", "成员名单"]
    assert saved.value == "yes"
    assert "已完成" in indicator_flags(app, 1)
    app.text_input(key="note.1.1").set_value("原件在档案室").run()
    assert other_store.answers(sess(app).aid)["1.1"].note == "原件在档案室"


def test_evidence_block_is_drawn_only_while_open(
    app: AppTest,
    other_store: Store,
    data_dir: Path,
) -> None:
    goto(app, "item1")
    assert "ev.1.1" not in [t.key for t in app.text_area]
    open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value("成员名单").run()
    app.session_state["open.1.1"] = False
    run(app)
    assert "ev.1.1" not in [t.key for t in app.text_area]
    assert other_store.answers(sess(app).aid)["1.1"].evidence == "成员名单"
    open_evidence(app, "1.1")  # reopened, it shows what was saved, not the value it began with
    assert app.text_area(key="ev.1.1").value == "成员名单"
    fresh = goto(start(data_dir), "item1")
    open_evidence(fresh, "1.1")
    assert fresh.text_area(key="ev.1.1").value == "成员名单"


def test_history_shows_answers_and_text_changes(app: AppTest) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    answer(app, "1.1", "no")
    open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value("关于成立领导小组的通知").run()
    app.toggle(key="hist.1.1").set_value(True).run()
    table = app.dataframe[0].value
    assert list(table["新内容"]) == ["佐证：关于成立领导小组的通知", "不符合", "符合"]
    assert list(table["原内容"]) == ["佐证：（空）", "符合", "未评"]


def test_evidence_file_counts_as_evidence(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    open_evidence(app, "1.1")
    app.file_uploader(key="evidence-upload-1.1").upload("照片.png", png, "image/png").run()
    assert not app.exception
    files = other_store.list_files(sess(app).aid, "1.1")
    assert [f.filename for f in files] == ["照片.png"]
    # numbered as in the 佐证材料目录 and the evidence package
    assert any("材料 1-1　照片\\.png" in m.value for m in app.markdown)  # plain(): escaped
    assert "缺佐证 0" in sidebar_text(app)
    app.button(key=f"rm.{files[0].id}").click().run()
    assert not other_store.list_files(sess(app).aid, "1.1")
    assert "缺佐证 1" in sidebar_text(app)


def test_refused_evidence_file_is_explained(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    open_evidence(app, "1.1")
    app.file_uploader(key="evidence-upload-1.1").upload("x.png", b"not a png", "image/png").run()
    assert not app.exception
    assert any("x\\.png」未上传" in e.value for e in app.error)  # plain() escapes the dot
    assert not other_store.list_files(sess(app).aid)


def test_several_evidence_files_at_once_are_all_kept(app: AppTest, other_store: Store) -> None:
    """Picked together, or one after another while the page is still busy with the previous
    one (the uploader keeps them all under one key): every file is stored, once, and the
    page counts them; a refused one says why (issue 20.2)."""
    goto(app, "item1")
    open_evidence(app, "1.1")
    png = b"\x89PNG\r\n\x1a\n"
    uploader = app.file_uploader(key="evidence-upload-1.1")
    uploader.upload("甲.png", png + b"1", "image/png")
    uploader.upload("乙.png", png + b"2", "image/png")
    uploader.upload("丙.exe", b"MZ", "application/octet-stream").run()
    assert not app.exception
    app.file_uploader(key="evidence-upload-1.1").upload("丁.png", png + b"4", "image/png").run()
    files = other_store.list_files(sess(app).aid, "1.1")
    assert sorted(f.filename for f in files) == ["丁.png", "乙.png", "甲.png"]
    assert any("已保存 3 个文件" in s.value for s in app.success)
    assert any("「丙\\.exe」未上传" in e.value for e in app.error)
    assert any("已上传 3 个文件" in c.value for c in app.caption)


def test_prev_next_walk_the_sections_in_order(app: AppTest, rubric: Rubric) -> None:
    goto(app, "item1")
    titles = [app.title[0].value]
    for _ in range(len(rubric.items)):
        app.button(key="nav.next").click().run()
        assert not app.exception
        titles.append(app.title[0].value)
        assert app.query_params["a"] == str(sess(app).aid)
    assert titles == [
        "一、组织管理",
        "二、工作机制",
        "三、标准体系与标准制定",
        "四、宣贯培训",
        "五、实施路径与监督",
        "六、评价改进",
        "七、实施效果",
        "汇总",
    ]
    goto(app, "item2")
    app.button(key="nav.prev").click().run()
    assert app.title[0].value == "一、组织管理"
    app.button(key="nav.prev").click().run()
    assert app.title[0].value == "机关事务标准化试点 自评"


def test_answers_survive_a_new_session(app: AppTest, data_dir: Path) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    answer(app, "2.1", "partial", points=1.0)
    fresh = start(data_dir)
    assert sess(fresh).aid == sess(app).aid
    assert sidebar_total(fresh) == "3 / 100"
    goto(fresh, "item1")
    assert fresh.button_group(key="ans.2.1").value == "partial"
    assert fresh.button_group(key="pts.2.1").value == 1.0


def test_a_saved_answer_is_never_overwritten_by_an_empty_control(
    app: AppTest,
    other_store: Store,
) -> None:
    """The wipe: a control Streamlit reset to empty is not the user's answer."""
    goto(app, "item1")
    answer(app, "1.1", "yes")
    answer(app, "2.1", "yes")
    app.button_group(key="ans.1.1").set_value(None).run()  # what a reset control reports
    run(app)
    saved = other_store.answers(sess(app).aid)
    assert (saved["1.1"].value, saved["2.1"].value) == ("yes", "yes")
    assert app.button_group(key="ans.1.1").value == "yes"
    assert sidebar_total(app) == "4 / 100"
