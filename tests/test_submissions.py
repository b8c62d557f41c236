"""提交自评 (issue 23 item 1) in the store, on both backends: an immutable snapshot with its content
hash; read-only to the unit while it stands; 退回修改 with a reason; every submission kept; a
double submit makes one submission; scope and audit in 共享模式."""

from __future__ import annotations

import threading

import pytest

from jiguan.accounts import COMMAND_LINE, FILLER, REVIEWER
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import NO_EVIDENCE, UNANSWERED, Answer, all_yes
from jiguan.store import Store, StoreError
from jiguan.store.scoped import AccessDenied, ScopedStore
from jiguan.submission import INCOMPLETE, content_hash, make_snapshot, readiness
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PDF = b"%PDF-1.7\n%%EOF\n"
PASSWORD = "一个足够长的密码123"
WHO = {"filled_by": "张三", "leader": "李四"}


@pytest.fixture
def aid(store: Store, rubric: Rubric) -> int:
    info = store.create_assessment("甲局", "2026年")
    first, second = list(rubric.criteria)[:2]
    store.save_answer(info.id, first, Answer("yes", evidence="通知"), expected_version=0, user="x")
    store.add_file(info.id, second, "a.pdf", PDF, user="x")
    return info.id


def test_submit_keeps_a_snapshot_that_later_edits_do_not_change(
    store: Store, rubric: Rubric, aid: int
) -> None:
    first, second = list(rubric.criteria)[:2]
    done = store.submissions.submit(aid, user="张三", **WHO)
    assert done.number == 1 and done.standing
    assert done.answers[first].evidence == "通知" and done.answers[second].attachments == 1
    assert done.content_hash == content_hash(done.snapshot)
    store.submissions.give_back(aid, user="审", reason="请补充佐证")
    saved = store.load_answers(aid)[first]
    store.save_answer(aid, first, Answer("no"), expected_version=saved.version, user="x")
    again = store.submissions.submit(aid, user="张三", **WHO)
    history = store.submissions.history(aid)
    assert [s.number for s in history] == [1, 2]
    assert history[0].content_hash == done.content_hash  # the first one never changes
    assert history[0].snapshot == done.snapshot
    assert history[0].return_reason == "请补充佐证" and not history[0].standing
    assert again.content_hash != done.content_hash and again.answers[first].value == "no"


def test_read_only_to_the_unit_while_it_stands(store: Store, rubric: Rubric, aid: int) -> None:
    first, second = list(rubric.criteria)[:2]
    store.submissions.submit(aid, user="张三", **WHO)
    file_id = store.list_files(aid)[0].id
    writes = [
        lambda: store.save_answer(aid, second, Answer("yes"), expected_version=0, user="x"),
        lambda: store.replace_answers(aid, {}, user="x"),
        lambda: store.add_file(aid, first, "b.pdf", PDF + b" ", user="x"),
        lambda: store.remove_file(file_id, user="x"),
        lambda: store.update_assessment(aid, round_name="改名"),
        lambda: store.delete_assessment(aid),  # it would vanish from the panel's overview
    ]
    for write in writes:
        with pytest.raises(StoreError, match=r"已于 .* 提交"):
            write()
    assert store.answers(aid) == store.submissions.latest(aid).answers
    # the panel still judges
    store.reviews.save_verdict(aid, first, Verdict("yes"), expected_version=0, user="审")


def test_a_return_needs_a_reason_and_something_to_return(store: Store, aid: int) -> None:
    with pytest.raises(StoreError, match="没有待评估的提交"):
        store.submissions.give_back(aid, user="审", reason="x")
    store.submissions.submit(aid, user="张三", **WHO)
    with pytest.raises(StoreError, match="理由"):
        store.submissions.give_back(aid, user="审", reason="  ")
    with pytest.raises(StoreError, match="单位负责人"):
        store.submissions.give_back(aid, user="审", reason="ok")
        store.submissions.submit(aid, user="张三", filled_by="张三", leader="")


def test_no_return_once_the_review_is_final(store: Store, rubric: Rubric, aid: int) -> None:
    """A 定稿 review judged the submission standing: returning it then would let the unit edit
    a round whose result is fixed (the browser journey offered it). Reopen the review first."""
    store.submissions.submit(aid, user="张三", **WHO)
    verdicts = {cid: Verdict(a.value, a.points, "现场核实") for cid, a in all_yes(rubric).items()}
    store.reviews.update_details(aid, user="审", reviewers="王五", review_date="2026-12-01")
    store.reviews.replace_verdicts(aid, verdicts, user="审")
    store.reviews.finalise(aid, user="审")
    with pytest.raises(StoreError, match="评审已定稿"):
        store.submissions.give_back(aid, user="审", reason="请补充")
    assert store.submissions.latest(aid).standing
    store.reviews.reopen(aid, user="审", reason="单位需补充材料")
    assert not store.submissions.give_back(aid, user="审", reason="请补充").standing


def test_names_are_required(store: Store, aid: int) -> None:
    with pytest.raises(StoreError, match="填表人"):
        store.submissions.submit(aid, user="张三", filled_by=" ", leader="李四")
    assert store.submissions.latest(aid) is None


def test_submitting_twice_at_once_makes_one_submission(store: Store, aid: int) -> None:
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def submit() -> None:
        start.wait()
        try:
            outcomes.append(store.submissions.submit(aid, user="张三", **WHO))
        except StoreError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(store.submissions.history(aid)) == 1
    assert sum(isinstance(o, StoreError) for o in outcomes) == 1


def test_scope_and_audit(store: Store, aid: int) -> None:
    users = store.users
    filler = ScopedStore(
        store, users.add("甲", FILLER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    )
    panel = ScopedStore(
        store, users.add("审", REVIEWER, PASSWORD, unit="甲局", by=COMMAND_LINE).caller()
    )
    other = ScopedStore(
        store, users.add("乙", FILLER, PASSWORD, unit="乙局", by=COMMAND_LINE).caller()
    )
    with pytest.raises(AccessDenied):
        other.submissions.submit(aid, user="乙", **WHO)
    with pytest.raises(AccessDenied):
        panel.submissions.submit(aid, user="审", **WHO)
    filler.submissions.submit(aid, user="甲", **WHO)
    with pytest.raises(AccessDenied):
        filler.submissions.give_back(aid, user="甲", reason="自己退回")
    panel.submissions.give_back(aid, user="审", reason="请补充")
    filler.submissions.submit(aid, user="甲", **WHO)
    actions = [
        e.action for e in users.audit_log() if e.action in ("提交自评", "重新提交自评", "退回修改")
    ]
    assert sorted(actions) == sorted(["提交自评", "退回修改", "重新提交自评"])


@pytest.mark.parametrize("change", ["disabled", "demoted"])
def test_a_reviewer_disabled_or_demoted_while_the_page_was_open_returns_nothing(
    store: Store, aid: int, change: str
) -> None:
    """The caller a page drew with is checked again at every write: a 评估组 account disabled,
    or made a 填报人, while its 提交自评 page was open cannot 退回修改 (break-it finding: the
    return was saved and the unit's assessment opened for editing)."""
    users = store.users
    account = users.add("审", REVIEWER, PASSWORD, unit="甲局", by=COMMAND_LINE)
    panel = ScopedStore(store, account.caller())  # as the open page holds it
    store.submissions.submit(aid, user="甲", **WHO)
    if change == "disabled":
        users.set_disabled(account.id, True, by=COMMAND_LINE)
    else:
        users.set_role(account.id, FILLER, by=COMMAND_LINE)
    with pytest.raises(AccessDenied):
        panel.submissions.give_back(aid, user="审", reason="请补充")
    latest = store.submissions.latest(aid)
    assert latest is not None and latest.standing


def test_readiness_lists_what_is_not_ready(rubric: Rubric) -> None:
    ind1 = rubric.indicator_by_id[1]
    criterion = next(
        c
        for c in rubric.criteria.values()
        if c.kind == "check" and c.points > 1 and c.indicator_id != 1
    )
    sheet = {
        ind1.criteria[0].id: Answer("yes"),  # points without evidence
        criterion.id: Answer("partial"),  # 部分符合 without points
    }
    gaps = readiness(rubric, sheet)
    kinds = {(g.kind, g.where) for g in gaps}
    assert (NO_EVIDENCE, "指标 1") in kinds
    assert (INCOMPLETE, f"评分项 {criterion.id}") in kinds
    assert (UNANSWERED, "指标 3") in kinds


def test_the_hash_depends_on_content_not_on_order(rubric: Rubric) -> None:
    a, b = list(rubric.criteria)[:2]
    one = make_snapshot(rubric, {a: Answer("yes"), b: Answer("no")}, [])
    two = make_snapshot(rubric, {b: Answer("no"), a: Answer("yes")}, [])
    assert content_hash(one) == content_hash(two)
    three = make_snapshot(rubric, {a: Answer("yes"), b: Answer("no", note="x")}, [])
    assert content_hash(three) != content_hash(one)


def test_no_final_while_the_submission_is_returned(store: Store, rubric: Rubric, aid: int) -> None:
    """退回修改 gives the round back to the unit: a 定稿 then would fix the result against the
    snapshot the unit is revising. The panel finalises once the unit has submitted again."""
    store.submissions.submit(aid, user="张三", **WHO)
    verdicts = {cid: Verdict(a.value, a.points, "现场核实") for cid, a in all_yes(rubric).items()}
    store.reviews.update_details(aid, user="审", reviewers="王五", review_date="2026-12-01")
    store.reviews.replace_verdicts(aid, verdicts, user="审")
    store.submissions.give_back(aid, user="审", reason="请补充")
    with pytest.raises(StoreError, match="退回修改"):
        store.reviews.finalise(aid, user="审")
    assert not store.reviews.get(aid).final
    store.submissions.submit(aid, user="张三", **WHO)
    assert store.reviews.finalise(aid, user="审").final


def test_the_panel_judges_what_was_submitted(store: Store, rubric: Rubric, aid: int) -> None:
    """Adopting the claims and finalising use the submitted snapshot, not later live answers."""
    first = next(iter(rubric.criteria))
    submitted = store.submissions.submit(aid, user="张三", **WHO)
    store.submissions.give_back(aid, user="审", reason="再看看")
    saved = store.load_answers(aid)[first]
    store.save_answer(aid, first, Answer("no"), expected_version=saved.version, user="x")
    store.reviews.adopt_claims(aid, user="审")
    verdict = store.reviews.verdicts(aid)[first].verdict
    assert verdict.value == submitted.answers[first].value == "yes"


def test_the_signature_page_prints_the_content_hash(rubric: Rubric) -> None:
    """While a submission stands, the Word form and the PDF print its number and hash."""
    import io

    from docx import Document
    from pypdf import PdfReader

    from jiguan.reports import Profile, build_docx, build_pdf
    from jiguan.submission import short_hash, signature_line

    digest = "0123456789abcdef" * 4
    stamp = signature_line(2, "2026-12-05 09:30", digest)
    profile = Profile(unit_name="甲局", submitted=stamp)
    sheet = {next(iter(rubric.criteria)): Answer("yes")}
    text = "\n".join(
        p.text for p in Document(io.BytesIO(build_docx(rubric, sheet, profile))).paragraphs
    )
    assert stamp in text and short_hash(digest) in stamp
    pdf = PdfReader(io.BytesIO(build_pdf(rubric, sheet, profile)))
    assert short_hash(digest).replace(" ", "") in pdf.pages[0].extract_text().replace(" ", "")


def test_an_archive_carries_submissions_and_refuses_an_edited_snapshot(
    store: Store, rubric: Rubric, aid: int, tmp_path
) -> None:
    """export/import keep every submission; a snapshot edited in the archive is refused."""
    import json
    import zipfile

    from jiguan.archive import ArchiveError, export_archive, import_archive

    store.submissions.submit(aid, user="张三", **WHO)
    out = tmp_path / "a.zip"
    export_archive(store, out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        rows = [json.loads(x) for x in zf.read("tables/submissions.jsonl").decode().splitlines()]
        assert len(rows) == 1
        rows[0]["snapshot"]["answers"] = {}
        forged = tmp_path / "forged.zip"
        with zipfile.ZipFile(forged, "w") as zo:
            for name in names:
                data = zf.read(name)
                if name == "tables/submissions.jsonl":
                    data = (json.dumps(rows[0], ensure_ascii=False) + "\n").encode()
                zo.writestr(name, data)
    target = Store(f"sqlite:///{tmp_path / 't.db'}", rubric, files_dir=tmp_path / "tf")
    target.migrate()
    with pytest.raises(ArchiveError, match="content_hash"):
        import_archive(target, forged)
    import_archive(target, out)
    assert target.submissions.latest(aid).content_hash == store.submissions.latest(aid).content_hash
    target.close()
