"""汇总, 佐证检查, 导入导出 and start-up failures through AppTest."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan import DEFAULT_RUBRIC_PATH
from jiguan.charts import item_percentages
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, all_yes, score
from jiguan.sheet import write_sheet
from jiguan.store import Store
from tests.app_support import (
    HARNESS,
    answer,
    create,
    goto,
    sess,
    sidebar_total,
    start,
)


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    return create(start(data_dir))


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
    expected = item_percentages(score(rubric, sess(app).answers))
    assert spec["data"][0]["r"] == [*expected, expected[0]]  # the outline closed
    assert expected[0] == 25.0 and expected[2] == pytest.approx(23.1)
    assert spec["data"][0]["theta"][0] == "组织管理<br><b>25%</b>"  # the % outside the shape
    assert "得分" in spec["data"][0]["hovertemplate"]
    assert app.main.metric[0].value == "8 / 100"


def test_evidence_check_groups_by_method_and_links_to_the_indicator(app: AppTest) -> None:
    goto(app, "item1")
    answer(app, "1.1", "yes")
    goto(app, "readiness")
    heads = [h.value for h in app.subheader]
    assert any(h.startswith("查看文件") for h in heads)
    assert any(h.startswith("实地查看") for h in heads)
    assert any(h.startswith("随机抽查") for h in heads)
    links = app.get("page_link")
    assert len(links) >= 38
    aid = sess(app).aid
    to_37 = [
        link
        for link in links
        if f"a={aid}" in link.proto.query_string and "at=37" in link.proto.query_string
    ]
    assert to_37 and to_37[0].proto.page == "item7"


def test_evidence_check_ready_state(app: AppTest, rubric: Rubric, other_store: Store) -> None:
    other_store.replace_answers(sess(app).aid, all_yes(rubric, evidence="文件"), user="t")
    goto(app, "readiness")
    assert any("可以迎接评估" in s.value for s in app.success)


def test_upload_previews_then_applies_on_confirm(
    app: AppTest,
    rubric: Rubric,
    other_store: Store,
) -> None:
    aid = sess(app).aid
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
    aid = sess(app).aid
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


def test_download_sheet_is_a_csv_that_does_not_rerun_the_page(app: AppTest) -> None:
    goto(app, "import-export")
    button = next(b for b in app.get("download_button") if b.proto.label == "下载答题表（CSV）")
    assert button.proto.url.endswith(".csv")
    assert button.proto.ignore_rerun


def test_rubric_error_is_shown_without_traceback(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jiguan.rubric import RUBRIC_ENV

    broken = tmp_path / "indicators.yaml"
    text = DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace("max: 10", "max: -10", 1), encoding="utf-8")
    monkeypatch.setenv(RUBRIC_ENV, str(broken))
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    assert not at.exception
    assert "评估指引配置无法使用" in at.error[0].value
    assert str(broken) in at.error[0].value


def test_database_down_at_start_is_explained(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIGUAN_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    assert not at.exception
    assert "无法打开自评数据库" in at.error[0].value


def test_server_process_freezes_its_start_up_objects(data_dir: Path) -> None:
    """After the first run, what start-up created is out of the collector's reach (see
    state.settle_process): full collections stay short under load."""
    start(data_dir)
    assert gc.get_freeze_count() > 10_000
