"""The Streamlit app through AppTest: every page, against a temporary SQLite store."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, ElementTree, Node
from streamlit.util import calc_hash

from jiguan import PROJECT_ROOT
from jiguan.charts import item_percentages
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, score
from jiguan.sheet import write_sheet
from jiguan.store import Store, StoreUnavailable, database_url, default_files_dir

APP = str(PROJECT_ROOT / "app.py")
UNIT = "某某市机关事务管理局"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGUAN_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def other_store(data_dir: Path, rubric: Rubric) -> Store:
    """A second connection to the app's database: a colleague, or the test's own eyes."""
    store = Store(database_url(), rubric, files_dir=default_files_dir())
    store.migrate()
    yield store
    store.close()


def start(data_dir: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def create(at: AppTest, unit: str = UNIT) -> AppTest:
    at.text_input(key="new.unit").set_value(unit)
    at.button(key="FormSubmitter:new-开始自评").click().run()
    assert not at.exception
    assert at.session_state.aid is not None
    return at


def goto(at: AppTest, url_path: str) -> AppTest:
    """Open a page by its url_path (st.Page hashes url_path; AppTest.switch_page only takes
    file pages, and the item pages are callables generated from the rubric)."""
    at._page_hash = calc_hash(url_path)
    at.run()
    assert not at.exception, at.exception
    return at


def sidebar_total(at: AppTest) -> str:
    return at.sidebar.metric[0].value


def flagged_count(at: AppTest) -> int:
    for md in at.sidebar.markdown:
        m = re.search(r"待处理指标 (\d+) 个", md.value)
        if m:
            return int(m.group(1))
    return 0


def indicator_score(at: AppTest, ind_id: int) -> str:
    values = [md.value for md in at.main.markdown]
    start_at = next(i for i, v in enumerate(values) if v.startswith(f"**指标 {ind_id}**"))
    for v in values[start_at + 1 :]:
        m = re.fullmatch(r"#### (.+) 分", v.replace("\u00a0", " "))
        if m:
            return m.group(1)
    raise AssertionError(f"no score shown for indicator {ind_id}")


def indicator_flags(at: AppTest, ind_id: int) -> str:
    """The badge line under an indicator's text: its 评估方式 and its flags."""
    values = [md.value for md in at.main.markdown]
    start_at = next(i for i, v in enumerate(values) if v.startswith(f"**指标 {ind_id}**"))
    return next(v for v in values[start_at + 1 :] if "-badge[" in v)


def item_metric(at: AppTest) -> str:
    return next(m.value for m in at.main.metric if m.label == "本项得分")


def answer(at: AppTest, cid: str, value: object) -> AppTest:
    """Answer one criterion the way a user does; the app reruns only the changed fragments.

    AppTest's element tree then holds just what those fragments drew, so the helper first
    runs the page in full when the widget is not in the tree, and afterwards lays the redrawn
    fragments over the previous tree, as the browser does (what they did not redraw stays on
    the page).
    """
    kind = "number_input" if isinstance(value, int) else "button_group"
    if f"ans.{cid}" not in [w.key for w in getattr(at, kind)]:
        at.run()
    before = at._tree
    getattr(at, kind)(key=f"ans.{cid}").set_value(value).run()
    assert not at.exception, at.exception
    if not at.exception:
        _overlay(before, at._tree)
        at._tree = before
    return at


def open_evidence(at: AppTest, cid: str) -> AppTest:
    """Open a criterion's 佐证材料与备注 block (drawn only while open), as a click does."""
    at.session_state[f"open.{cid}"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def _overlay(old: Node, new: Node) -> None:
    """Put what a fragment rerun drew (``new``) into the previous element tree (``old``)."""
    for index, child in new.children.items():
        mine = old.children.get(index)
        if isinstance(mine, Block) and isinstance(child, Block) and child.proto is None:
            _overlay(mine, child)  # a parent the rerun did not redraw, only passed through
        else:
            old.children[index] = child
            _reroot(child, old.root)


def _reroot(node: Node, root: ElementTree) -> None:
    node.root = root
    for child in getattr(node, "children", {}).values():
        _reroot(child, root)


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    return create(start(data_dir))


# ---------------------------------------------------------------------------------------------
# 首页


def test_home_offers_to_create_when_empty(data_dir: Path) -> None:
    at = start(data_dir)
    assert at.text_input(key="new.unit")
    assert any("还没有自评" in i.value for i in at.info)
    assert at.sidebar.caption[0].value.startswith("尚未选择自评")


def test_home_profile_is_saved(app: AppTest, other_store: Store) -> None:
    app.text_input(key="prof.filler").set_value("张三").run()
    app.text_input(key="prof.contact").set_value("010-12345678").run()
    info = other_store.get_assessment(app.session_state.aid)
    assert info.unit_name == UNIT
    assert info.profile["填表人"] == "张三"
    assert info.profile["联系方式"] == "010-12345678"
    assert [m.value for m in app.main.metric][:3] == ["0 / 100", "0%", "38"]


def test_profile_and_current_user_survive_other_pages(app: AppTest, other_store: Store) -> None:
    app.text_input(key="prof.filler").set_value("张三").run()
    app.text_input(key="user.input").set_value("王五").run()
    goto(app, "item1")
    answer(app, "1.1", "yes")
    assert other_store.load_answers(app.session_state.aid)["1.1"].updated_by == "王五"
    goto(app, "")
    assert app.text_input(key="prof.filler").value == "张三"
    assert app.text_input(key="prof.unit").value == UNIT
    assert app.text_input(key="user.input").value == "王五"


def test_home_delete_asks_then_restores(app: AppTest, other_store: Store) -> None:
    aid = app.session_state.aid
    app.button(key=f"delete.{aid}").click().run()
    assert other_store.list_assessments()  # nothing deleted before the confirmation
    app.button(key="delete.confirm").click().run()
    assert not other_store.list_assessments()
    assert app.button(key=f"restore.{aid}")
    app.button(key=f"restore.{aid}").click().run()
    assert [a.id for a in other_store.list_assessments()] == [aid]


def test_home_purge_asks_then_removes_for_good(app: AppTest, other_store: Store) -> None:
    aid = app.session_state.aid
    app.button(key=f"delete.{aid}").click().run()
    app.button(key="delete.confirm").click().run()
    app.button(key=f"purge.{aid}").click().run()
    assert any("无法恢复" in w.value for w in app.warning)
    assert other_store.list_assessments(include_deleted=True)  # not before the confirmation
    app.button(key=f"purge.cancel.{aid}").click().run()
    assert other_store.list_assessments(include_deleted=True)
    app.button(key=f"purge.{aid}").click().run()
    app.button(key=f"purge.confirm.{aid}").click().run()
    assert not app.exception
    assert other_store.list_assessments(include_deleted=True) == []
    assert not [b for b in app.button if b.key == f"restore.{aid}"]


def test_home_duplicate_as_next_round(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    goto(app, "")
    aid = app.session_state.aid
    app.button(key=f"dup.{aid}").click().run()
    assert app.text_input(key=f"dup.round.{aid}").value == "第二次自评"
    app.button(key="dup.confirm").click().run()
    rounds = sorted(a.round_name for a in other_store.list_assessments())
    assert rounds == ["第一次自评", "第二次自评"]
    assert sidebar_total(app) == "2 / 100"  # the copy is now the current assessment


# ---------------------------------------------------------------------------------------------
# Item pages


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

    answer(app, "2.1", "partial")
    assert app.number_input(key="pts.2.1").value == 1.0  # half of 2, offered by default
    app.number_input(key="pts.2.1").set_value(1.5).run()
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


def test_partial_points_stay_within_range(app: AppTest) -> None:
    goto(app, "item1")
    answer(app, "1.1", "partial")
    pts = app.number_input(key="pts.1.1")
    assert (pts.min, pts.max, pts.step) == (0.5, 1.5, 0.5)


def test_count_criterion_shows_points_it_yields(app: AppTest) -> None:
    goto(app, "item4")
    answer(app, "21.1", 5)
    assert any("计 5 分" in md.value for md in app.main.markdown)
    assert indicator_score(app, 21) == "3 / 3"
    assert any("本指标最高 3 分" in i.value for i in app.info)


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


def test_answering_reruns_only_fragments_not_the_app(app: AppTest) -> None:
    goto(app, "item1")
    full = app.session_state.full_runs
    answer(app, "1.1", "yes")
    assert app.session_state.full_runs == full
    open_evidence(app, "1.1")
    full = app.session_state.full_runs
    app.text_area(key="ev.1.1").set_value("领导小组发文").run()
    assert app.session_state.full_runs == full
    assert sidebar_total(app) == "2 / 100"


def test_evidence_text_clears_no_evidence_flag(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    md = " ".join(m.value for m in app.sidebar.markdown)
    assert "缺佐证 1" in md
    open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value(
        "关于成立领导小组的通知（某发〔2025〕1号）\n成员名单"
    ).run()
    md = " ".join(m.value for m in app.sidebar.markdown)
    assert "缺佐证 0" in md
    saved = other_store.answers(app.session_state.aid)["1.1"]
    assert saved.evidence.splitlines() == ["关于成立领导小组的通知（某发〔2025〕1号）", "成员名单"]
    assert "已完成" in indicator_flags(app, 1)
    app.text_input(key="note.1.1").set_value("原件在档案室").run()
    assert other_store.answers(app.session_state.aid)["1.1"].note == "原件在档案室"


def test_evidence_block_is_drawn_only_while_open(
    app: AppTest, other_store: Store, data_dir: Path
) -> None:
    goto(app, "item1")
    assert "ev.1.1" not in [t.key for t in app.text_area]
    open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value("成员名单").run()
    app.session_state["open.1.1"] = False
    app.run()
    assert "ev.1.1" not in [t.key for t in app.text_area]
    assert other_store.answers(app.session_state.aid)["1.1"].evidence == "成员名单"
    open_evidence(app, "1.1")  # reopened, it shows what was saved, not the value it began with
    assert app.text_area(key="ev.1.1").value == "成员名单"
    fresh = goto(start(data_dir), "item1")
    open_evidence(fresh, "1.1")
    assert fresh.text_area(key="ev.1.1").value == "成员名单"


def test_history_per_criterion(app: AppTest) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    answer(app, "1.1", "no")
    open_evidence(app, "1.1")
    app.toggle(key="hist.1.1").set_value(True).run()
    table = app.dataframe[0].value
    assert list(table["新内容"]) == ["不符合", "符合"]
    assert list(table["原内容"]) == ["符合", "未评"]


def test_evidence_file_counts_as_evidence(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    open_evidence(app, "1.1")
    app.file_uploader(key="file.1.1.0").upload("照片.png", png, "image/png").run()
    assert not app.exception
    files = other_store.list_files(app.session_state.aid, "1.1")
    assert [f.filename for f in files] == ["照片.png"]
    assert "缺佐证 0" in " ".join(m.value for m in app.sidebar.markdown)
    app.button(key=f"rm.{files[0].id}").click().run()
    assert not other_store.list_files(app.session_state.aid, "1.1")
    assert "缺佐证 1" in " ".join(m.value for m in app.sidebar.markdown)


def test_refused_evidence_file_is_explained(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    open_evidence(app, "1.1")
    app.file_uploader(key="file.1.1.0").upload("x.png", b"not a png", "image/png").run()
    assert not app.exception
    assert app.error and not other_store.list_files(app.session_state.aid)


def test_prev_next_walk_the_sections_in_order(app: AppTest, rubric: Rubric) -> None:
    # AppTest keeps the page it was pointed at, so each step starts from its own page.
    titles = []
    for n in range(1, len(rubric.items) + 1):
        goto(app, f"item{n}")
        titles.append(app.title[0].value)
        app.button(key="nav.next").click().run()
        assert not app.exception
    titles.append(app.title[0].value)
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
    goto(app, "item1")
    app.button(key="nav.prev").click().run()
    assert app.title[0].value == "机关事务标准化试点 自评"


def test_conflict_shows_current_value_and_who(app: AppTest, other_store: Store) -> None:
    goto(app, "item1")
    aid = app.session_state.aid
    other_store.save_answer(aid, "1.1", Answer("no"), expected_version=0, user="李四")
    answer(app, "1.1", "yes")
    warning = " ".join(w.value for w in app.warning)
    assert "李四" in warning and "不符合" in warning and "未保存" in warning
    assert app.button_group(key="ans.1.1").value == "no"
    assert other_store.answers(aid)["1.1"].value == "no"
    assert sidebar_total(app) == "0 / 100"
    answer(app, "1.1", "yes")  # now on the current version: saved
    assert other_store.answers(aid)["1.1"].value == "yes"


def test_store_down_keeps_changes_and_saves_later(
    app: AppTest, other_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    goto(app, "item1")

    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("数据库连接失败")

    with monkeypatch.context() as m:
        m.setattr(Store, "save_answer", down)
        answer(app, "1.1", "yes")
        assert sidebar_total(app) == "2 / 100"
        assert any("1 项未保存" in w.value for w in app.sidebar.warning)
        assert "1.1" not in other_store.answers(app.session_state.aid)
        open_evidence(app, "1.1")
    app.text_area(key="ev.1.1").set_value("发文").run()  # the next interaction retries
    assert not app.sidebar.warning
    saved = other_store.answers(app.session_state.aid)["1.1"]
    assert (saved.value, saved.evidence) == ("yes", "发文")


def test_answers_survive_a_new_session(app: AppTest, data_dir: Path) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    answer(app, "2.1", "partial")
    fresh = start(data_dir)
    assert fresh.session_state.aid == app.session_state.aid
    assert sidebar_total(fresh) == "3 / 100"
    goto(fresh, "item1")
    assert fresh.button_group(key="ans.2.1").value == "partial"


# ---------------------------------------------------------------------------------------------
# 汇总, 佐证检查


def test_summary_radar_is_per_item_percentage(app: AppTest, rubric: Rubric) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    goto(app, "item3")
    answer(app, "17.1", 1)
    goto(app, "results")
    assert app.title[0].value == "汇总"
    charts = app.get("plotly_chart")
    summary = next(c for c in charts if "radar.summary" in c.proto.id)
    spec = json.loads(summary.proto.spec)
    expected = item_percentages(score(rubric, app.session_state.answers))
    assert spec["data"][0]["r"] == expected
    assert expected[0] == 25.0 and expected[2] == pytest.approx(23.1)
    assert spec["data"][0]["theta"][0] == "组织管理"
    assert "得分" in spec["data"][0]["hovertemplate"]
    assert app.main.metric[0].value == "8 / 100"


def test_evidence_check_groups_by_method_and_links(app: AppTest) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    goto(app, "readiness")
    heads = [h.value for h in app.subheader]
    assert any(h.startswith("查看文件") for h in heads)
    assert any(h.startswith("实地查看") for h in heads)
    assert any(h.startswith("随机抽查") for h in heads)
    assert len(app.get("page_link")) >= 38


def test_evidence_check_ready_state(app: AppTest, rubric: Rubric, other_store: Store) -> None:
    from jiguan.scoring import all_yes

    other_store.replace_answers(app.session_state.aid, all_yes(rubric, evidence="文件"), user="t")
    goto(app, "readiness")
    assert any("可以迎接评估" in s.value for s in app.success)


# ---------------------------------------------------------------------------------------------
# 导入导出


def test_upload_previews_then_applies_on_confirm(
    app: AppTest, rubric: Rubric, other_store: Store
) -> None:
    aid = app.session_state.aid
    goto(app, "item1")
    answer(app, "1.1", "yes")  # will be changed by the import
    goto(app, "item2")
    answer(app, "6.1", "yes")  # will be cleared
    sheet = {"1.1": Answer("no"), "2.1": Answer("yes", evidence="任命文件"), "17.1": Answer(1)}
    goto(app, "import-export")
    app.file_uploader(key="import.0").upload("自评.csv", write_sheet(rubric, sheet), "text/csv")
    app.run()
    metrics = {m.label: m.value for m in app.main.metric}
    assert metrics == {"新增": "2", "修改": "1", "清空": "1", "总分": "4 → 8"}
    assert other_store.answers(aid)["1.1"].value == "yes"  # nothing applied yet
    app.button(key="import.confirm").click().run()
    assert not app.exception
    saved = other_store.answers(aid)
    assert {cid: a.value for cid, a in saved.items() if a.answered} == {
        "1.1": "no",
        "2.1": "yes",
        "17.1": 1,
    }
    assert sidebar_total(app) == "8 / 100"
    assert any("已导入" in s.value for s in app.success)


def test_bad_upload_shows_the_problem_and_changes_nothing(app: AppTest, other_store: Store) -> None:
    aid = app.session_state.aid
    goto(app, "item1")
    answer(app, "1.1", "yes")
    goto(app, "import-export")
    bad = b"criterion_id,answer\n1.1,maybe\n99.1,yes\n"
    app.file_uploader(key="import.0").upload("bad.csv", bad, "text/csv").run()
    assert not app.exception
    message = app.error[0].value
    assert "第 2 行" in message and "未导入任何内容" in message
    assert not [b for b in app.button if b.key == "import.confirm"]
    assert other_store.answers(aid)["1.1"].value == "yes"
    assert sidebar_total(app) == "2 / 100"


def test_download_sheet_named_by_unit_and_date(app: AppTest) -> None:
    goto(app, "import-export")
    buttons = app.get("download_button")
    assert buttons
    assert UNIT in buttons[0].proto.url or buttons[0].proto.label == "下载答题表（CSV）"


# ---------------------------------------------------------------------------------------------
# Failures at start-up


def test_rubric_error_is_shown_without_traceback(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jiguan.rubric import RubricError
    from pages import state

    def broken() -> None:
        raise RubricError("评估指引配置有误（x.yaml）：\nitems[0].max: 应为正数")

    state.get_rubric.clear()
    monkeypatch.setattr(state, "load_rubric", broken)
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        assert "items[0].max" in at.error[0].value
    finally:
        state.get_rubric.clear()


def test_database_down_at_start_is_explained(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGUAN_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "无法打开自评数据库" in at.error[0].value


def test_no_url_path_equals_a_pages_module(rubric: Rubric) -> None:
    """Streamlit's legacy pages/-folder mode (first run of a server process) maps a URL whose
    path equals a pages/*.py stem to that file, bypassing app.py; ours must never collide."""
    from pages.nav import url_paths

    stems = {p.stem for p in (PROJECT_ROOT / "pages").glob("*.py")}
    paths = url_paths(rubric)
    assert len(paths) == len(set(paths)) == 3 + len(rubric.items)
    assert not stems & set(paths)


def test_server_process_freezes_its_start_up_objects(data_dir: Path) -> None:
    """After the first run, what start-up created is out of the collector's reach (see
    state.settle_process): full collections stay short under load."""
    start(data_dir)
    assert gc.get_freeze_count() > 10_000
