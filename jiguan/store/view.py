"""`AssessmentView`: what a page shows of an assessment, as `Store.view` reads it. Its own
module because it gathers records of three (answers and files, submissions, reviews), which
import `records` themselves."""

from __future__ import annotations

from dataclasses import dataclass

from jiguan.store.records import AssessmentInfo, EvidenceFile, SavedAnswer
from jiguan.store.review_records import ReviewInfo
from jiguan.store.submissions import SubmissionInfo


@dataclass(frozen=True, slots=True)
class AssessmentView:
    """What a page shows of an assessment, read in one transaction (`Store.view`): one
    snapshot, and one round trip where a page load made five."""

    info: AssessmentInfo
    answers: dict[str, SavedAnswer]  # in rubric order, as `Store.load_answers`
    files: list[EvidenceFile]  # attached, oldest first, as `Store.list_files`
    submitted: SubmissionInfo | None  # the latest submission
    review: ReviewInfo | None  # the formal review, None when none was started
