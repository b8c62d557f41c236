"""The form's details (issue 12) through AppTest and the domain: when an indicator is done,
提分空间 per criterion, partial credit marked as the tool's practice, and allow_partial: false."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from jiguan import DEFAULT_RUBRIC_PATH
from jiguan.reports import Profile, build_xlsx
from jiguan.rubric import RUBRIC_ENV, load_rubric
from jiguan.scoring import PARTIAL_NOTE, Answer
from jiguan.sheet import SheetError, read_sheet, write_sheet
from tests.app_support import (
    answer,
    create,
    flagged_count,
    goto,
    indicator_flags,
    run,
    sidebar_text,
    start,
)


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    return create(start(data_dir))


def test_17_at_its_cap_is_done_everywhere(app: AppTest) -> None:
    goto(app, "item3")
    answer(app, "17.1", 1)
    assert "未评" in indicator_flags(app, 17)  # 6 of 10: 17.2-17.5 could still add
    before = flagged_count(app)
    answer(app, "17.2", 1)  # 6 + 4 = 10, the cap: nothing blank can change the score
    flags = indicator_flags(app, 17)
    assert "未评" not in flags and "缺佐证" in flags
    assert flagged_count(app) == before  # still flagged, now only for its evidence
    assert "未评 37" in sidebar_text(app)  # 38 indicators, 17 no longer among the unanswered
    goto(app, "readiness")
    texts = " ".join(md.value for md in app.main.markdown)
    assert "尚可争取" in texts
    assert "0 分" not in texts.replace("10 分", "")  # no row of 「尚可争取 0 分」
    goto(app, "results")
    unanswered = " ".join(e.label for e in app.main.expander)
    assert "标准体系与标准制定：" in unanswered  # 13-16, 18-20 are still open there
    body = " ".join(md.value for md in app.main.markdown)
    assert "17.3" not in body and "17.5" not in body  # blank, but they cannot count


def test_37_with_its_top_level_met_is_done_and_completion_counts_it(app: AppTest, rubric) -> None:
    goto(app, "item7")
    answer(app, "37.2", "yes")
    assert "未评" in indicator_flags(app, 37)  # 37.1 could still give 3
    answer(app, "37.1", "yes")
    assert "未评" not in indicator_flags(app, 37)
    # 37.3 is blank but settled: 3 criteria count for 完成度 (2 answered)
    n = len(rubric.criteria)
    assert app.sidebar.metric[1].value == f"{3 / n:.0%}" != f"{2 / n:.0%}"
    item7 = sum(len(ind.criteria) for c in rubric.items[6].contents for ind in c.indicators)
    done = next(m.value for m in app.main.metric if m.label == "已完成评分项")
    assert done == f"3 / {item7}"


def test_gaps_list_every_criterion_that_can_still_gain(app: AppTest) -> None:
    goto(app, "item3")
    answer(app, "18.1", "no")
    goto(app, "results")
    table = app.table[2].value
    rows = table[table["指标"] == "指标 18"]
    assert list(rows["评分项"]) == ["18.1", "18.2"]
    assert list(rows["该项可加"]) == ["2", "2"]


def test_partial_credit_says_it_is_the_tools_practice(app: AppTest) -> None:
    goto(app, "item1")
    assert PARTIAL_NOTE not in [c.value for c in app.main.caption]
    answer(app, "1.1", "partial")
    assert PARTIAL_NOTE in [c.value for c in app.main.caption]
    assert "附件2" in PARTIAL_NOTE


# --- allow_partial: false -----------------------------------------------------------------


@pytest.fixture
def no_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "indicators.yaml"
    text = DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8")
    path.write_text(text.replace("allow_partial: true", "allow_partial: false"), encoding="utf-8")
    monkeypatch.setenv(RUBRIC_ENV, str(path))
    yield path
    monkeypatch.delenv(RUBRIC_ENV)


def test_the_rubric_allows_partial_by_default(tmp_path: Path) -> None:
    assert load_rubric().allow_partial is True
    path = tmp_path / "r.yaml"
    path.write_text(
        DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8").replace("allow_partial: true\n", ""),
        encoding="utf-8",
    )
    assert load_rubric(path).allow_partial is True


def test_without_partial_the_app_offers_no_partial(no_partial: Path, data_dir: Path) -> None:
    at = create(start(data_dir))
    goto(at, "item1")
    assert [o.strip() for o in at.button_group(key="ans.1.1").options] == ["符合", "不符合", "未评"]
    goto(at, "item2")
    assert "部分符合" not in [o.strip() for o in at.button_group(key="ans.7.1").options]


def test_without_partial_csv_import_refuses_it_in_chinese(no_partial: Path) -> None:
    rubric = load_rubric(no_partial)
    data = write_sheet(load_rubric(), {"1.1": Answer("partial", 1.0), "2.1": Answer("yes")})
    with pytest.raises(SheetError) as caught:
        read_sheet(data, rubric)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.key) == (2, "answer", "partial_not_allowed")
    assert "评分项 1.1" in str(problem) and "不设「部分符合」" in str(problem)
    header = write_sheet(rubric, {}).decode("utf-8-sig").splitlines()[0]
    assert "部分符合/" not in header


def test_without_partial_the_workbook_dropdown_has_no_partial(no_partial: Path) -> None:
    rubric = load_rubric(no_partial)
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(rubric, {"1.1": Answer("yes")}, Profile())))
    sources = {dv.formula1 for dv in book.worksheets[0].data_validations.dataValidation}
    lists = [s for s in sources if s and "符合" in s]
    assert lists and all("部分符合" not in s for s in lists)


def test_with_partial_the_workbook_dropdown_offers_it(rubric) -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(rubric, {}, Profile())))
    sources = {dv.formula1 for dv in book.worksheets[0].data_validations.dataValidation}
    assert any(s and "部分符合" in s for s in sources)


def test_run_helper_keeps_default_rubric(data_dir: Path) -> None:
    at = create(start(data_dir))
    goto(at, "item1")
    run(at)
    assert "部分符合" in [o.strip() for o in at.button_group(key="ans.1.1").options]
