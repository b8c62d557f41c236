"""The overview of all units (总览): many assessments read in a fixed number of queries, each row
scored by the one engine, and a caller sees only the assessments in their scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from jiguan.accounts import COMMAND_LINE, FILLER, REVIEWER
from jiguan.overview import (
    DRAFT,
    FINALISED,
    IN_REVIEW,
    RETURNED,
    SUBMITTED,
    overview_rows,
    overview_workbook,
    status_counts,
)
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, score
from jiguan.store import Store
from jiguan.store.scoped import ScopedStore
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PDF = b"%PDF-1.7\n%%EOF\n"
PASSWORD = "一个足够长的密码123"


def _fill(store: Store, rubric: Rubric, aid: int, n: int) -> None:
    for cid in list(rubric.criteria)[:n]:
        criterion = rubric.criteria[cid]
        answer = Answer(3) if criterion.kind == "count" else Answer("yes", evidence="文件")
        store.save_answer(aid, cid, answer, expected_version=0, user="x")


@pytest.fixture
def three(store: Store, rubric: Rubric) -> dict[str, int]:
    """甲局 in 自评, 乙局 in review (one verdict), 丙局 finalised; a file on an unanswered
    criterion of 甲局."""
    aids = {u: store.create_assessment(u, "2026年").id for u in ("甲局", "乙局", "丙局")}
    _fill(store, rubric, aids["甲局"], 5)
    _fill(store, rubric, aids["乙局"], 6)
    _fill(store, rubric, aids["丙局"], len(rubric.criteria))
    last = list(rubric.criteria)[-1]
    store.add_file(aids["甲局"], last, "a.pdf", PDF, user="x")
    first = next(iter(rubric.criteria))
    store.reviews.save_verdict(
        aids["乙局"], first, Verdict("no", reason="未见文件"), expected_version=0, user="审"
    )
    store.reviews.update_details(
        aids["丙局"], user="审", reviewers="张三", review_date="2026-12-01"
    )
    store.reviews.adopt_claims(aids["丙局"], user="审")
    store.reviews.finalise(aids["丙局"], user="审")
    return aids


def test_sheets_match_what_each_assessment_reads_alone(store: Store, three: dict[str, int]) -> None:
    sheets = store.sheets(list(three.values()))
    assert set(sheets) == set(three.values())
    for aid in three.values():
        assert sheets[aid].answers == store.answers(aid)
        assert sheets[aid].review == store.reviews.get(aid)
        saved = store.reviews.verdicts(aid)
        assert sheets[aid].verdicts == {c: v.verdict for c, v in saved.items()}


def test_rows_status_scores_and_flags(store: Store, rubric: Rubric, three: dict[str, int]) -> None:
    infos = store.list_assessments()
    rows = {r.unit: r for r in overview_rows(rubric, infos, store.sheets([i.id for i in infos]))}
    assert [rows[u].status for u in ("甲局", "乙局", "丙局")] == [DRAFT, IN_REVIEW, FINALISED]
    for unit, aid in three.items():
        result = score(rubric, store.answers(aid))
        assert rows[unit].self_total == result.total
        assert rows[unit].completion == result.completion
        unanswered = sum("unanswered" in r.flags for r in result.indicators.values())
        assert rows[unit].unanswered == unanswered
    assert rows["甲局"].panel_total is None
    assert rows["乙局"].panel_total == 0  # its one verdict is 不符合
    assert rows["丙局"].panel_total == rows["丙局"].self_total  # adopted the claims
    counts = status_counts(rows.values())
    assert counts == {
        DRAFT: 1,
        SUBMITTED: 0,
        RETURNED: 0,
        IN_REVIEW: 1,
        FINALISED: 1,
        "整改中": 0,
        "整改完成": 0,
    }


def test_status_follows_submission_and_return(store: Store, rubric: Rubric) -> None:
    aid = store.create_assessment("丁局", "2026年").id

    def status() -> str:
        info = store.get_assessment(aid)
        return overview_rows(rubric, [info], store.sheets([aid]))[0].status

    assert status() == DRAFT
    store.submissions.submit(aid, user="x", filled_by="张三", leader="李四")
    assert status() == SUBMITTED
    store.submissions.give_back(aid, user="审", reason="补充")
    assert status() == RETURNED
    store.submissions.submit(aid, user="x", filled_by="张三", leader="李四")
    store.reviews.start(aid, user="审")
    assert status() == IN_REVIEW


def test_a_caller_sees_only_their_scope(
    store: Store, rubric: Rubric, three: dict[str, int]
) -> None:
    users = store.users
    filler = users.add("甲", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    reviewer = users.add("审", REVIEWER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller()
    everything = list(three.values())
    assert set(ScopedStore(store, filler).sheets(everything)) == {three["甲局"]}
    assert set(ScopedStore(store, reviewer).sheets(everything)) == {three["乙局"]}


def test_a_fixed_number_of_queries_whatever_the_number_of_assessments(
    store: Store, rubric: Rubric
) -> None:
    """Reading 3 or 30 assessments costs the same number of statements (no query per row)."""
    counted: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        counted.append(statement)

    aids = []
    for n in range(30):
        aid = store.create_assessment(f"单位{n}", "2026年").id
        _fill(store, rubric, aid, 3)
        aids.append(aid)
    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        store.sheets(aids[:3])
        few = len(counted)
        counted.clear()
        store.sheets(aids)
        many = len(counted)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert many == few


def test_workbook_has_a_row_per_assessment_and_text_stays_text(rubric: Rubric) -> None:
    from datetime import UTC, datetime

    from jiguan.overview import COLUMNS, UnitRow

    rows = [
        UnitRow(1, '=HYPERLINK("x")', "2026年", DRAFT, 81.5, None, 0.5, 2, 3, datetime.now(UTC)),
        UnitRow(2, "乙局", "2026年", FINALISED, 90, 88.5, 1.0, 0, 0, datetime.now(UTC)),
    ]
    book = openpyxl.load_workbook(io.BytesIO(overview_workbook(rows)))
    sheet = book.active
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s"
    assert sheet["D2"].value == 81.5 and sheet["E2"].value in (None, "")
    assert sheet["E3"].value == 88.5
    assert sheet.auto_filter.ref == "A1:K3"
