"""What the store returns (frozen dataclasses) and how answers and names are encoded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Generic, TypeVar

from jiguan.cells import ANSWER_CELL, Cell, CellKind
from jiguan.limits import (
    MAX_NAME_CHARS,
    MAX_PROFILE_CHARS,
    MAX_PROFILE_FIELDS,
    too_long,
)
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store.errors import StoreError

C = TypeVar("C", Answer, Verdict)  # the same as jiguan.cells.C


@dataclass(frozen=True, slots=True)
class AssessmentInfo:
    id: int
    unit_name: str
    round_name: str
    rubric_version: str
    profile: dict[str, str]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    predecessor_id: int | None = None  # the round this one was copied from (复制为下一轮)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def title(self) -> str:
        """「单位 · 轮次」 for lists and headings."""
        return f"{self.unit_name} · {self.round_name}"

    @property
    def audit_name(self) -> str:
        """「#id 单位 · 轮次」: how the audit log names the assessment."""
        return f"#{self.id} {self.title}"


@dataclass(frozen=True, slots=True)
class SavedCell(Generic[C]):
    """A cell (an answer or a verdict) as saved, with the version to pass back as
    ``expected_version``. ``version`` 0 means nothing is saved for this criterion
    (``updated_at`` is then None)."""

    criterion_id: str
    cell: C
    version: int
    updated_by: str
    updated_at: datetime | None


class SavedAnswer(SavedCell[Answer]):
    """An answer as saved (`SavedCell`); ``.answer`` is its cell."""

    __slots__ = ()
    answer: Answer = property(attrgetter("cell"))  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change to a criterion.

    ``event`` is "answer" (an answer saved; ``old`` None when there was none), "file_added" /
    "file_removed" (``filename`` says which; old/new show the attachment count before and
    after) or "copied" (the answer was copied from another round; ``detail`` says which).
    ``old`` and ``new`` carry the whole answer, evidence text and note included.
    """

    criterion_id: str
    old: Answer | None
    new: Answer
    changed_by: str
    changed_at: datetime
    event: str = "answer"
    version: int | None = None
    filename: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    id: int
    criterion_id: str
    filename: str  # for display only, sanitised
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    content_type: str = "application/octet-stream"
    assessment_id: int = 0
    removed_at: datetime | None = None


def now() -> datetime:
    return datetime.now(UTC)


def clean_name(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise StoreError(f"{what}应为文字")
    text = " ".join(text.split())
    if not text:
        raise StoreError(f"{what}不能为空")
    problem = too_long(what, text, MAX_NAME_CHARS)
    if problem:
        raise StoreError(problem)
    if "\x00" in text:
        raise StoreError(f"{what}含有无法保存的控制字符")
    return text


def clean_user(user: str) -> str:
    user = " ".join(str(user or "").replace("\x00", "").split())
    return user[:100] or "未署名"


def clean_profile(profile: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if len(profile or {}) > MAX_PROFILE_FIELDS:
        raise StoreError(f"基本信息最多 {MAX_PROFILE_FIELDS} 项，未保存")
    for key, value in (profile or {}).items():
        if not isinstance(key, str) or not isinstance(value, str | int | float):
            raise StoreError("基本信息（profile）的项目名和内容应为文字")
        text = str(value)
        if "\x00" in key or "\x00" in text:
            raise StoreError(f"基本信息「{key}」含有无法保存的控制字符")
        problem = too_long("项目名", key, MAX_NAME_CHARS) or too_long(
            f"基本信息「{key[:MAX_NAME_CHARS]}」", text, MAX_PROFILE_CHARS
        )
        if problem:
            raise StoreError(f"{problem}，未保存")
        out[key] = text
    return out


def json_dict(value: Any) -> dict[str, Any] | None:
    """A JSON column's value as a dict (some drivers hand back text)."""
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value) if value else None


# How an answer is kept: the one encoding of answers and verdicts (jiguan.cells).
answer_json = ANSWER_CELL.to_json
answer_values = ANSWER_CELL.values
same_answer = ANSWER_CELL.same


def answer_from_json(data: Mapping[str, Any] | None, attachments: int = 0) -> Answer | None:
    return ANSWER_CELL.from_json(data, attachments=attachments)


def answer_from_row(row: Any, attachments: int = 0) -> Answer:
    return ANSWER_CELL.from_row(row, attachments=attachments)


def check_cell(kind: CellKind[C], rubric: Rubric, criterion_id: str, cell: Cell) -> None:
    """Raises StoreError (naming the criterion) when ``cell`` cannot be saved."""
    criterion = rubric.criteria.get(criterion_id)
    if criterion is None:
        raise StoreError(f"评估指引中没有评分项「{criterion_id}」")
    problem = kind.problem(criterion, cell)
    if problem is not None:
        raise StoreError(f"评分项 {criterion_id} {kind.what}：{problem}")


def check_cells(kind: CellKind[C], rubric: Rubric, cells: Mapping[str, Cell], refused: str) -> None:
    """Check a whole sheet before anything is written; StoreError lists every problem."""
    problems = []
    for cid, cell in cells.items():
        try:
            check_cell(kind, rubric, cid, cell)
        except StoreError as exc:
            problems.append(str(exc))
    if problems:
        raise StoreError(f"{refused}问题如下：\n" + "\n".join(problems))


def saved_answer(row: Any, attachments: int) -> SavedAnswer:
    return SavedAnswer(
        criterion_id=row.criterion_id,
        cell=answer_from_row(row, attachments),
        version=row.version,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def assessment_info(row: Any) -> AssessmentInfo:
    profile = json_dict(row.profile) or {}
    return AssessmentInfo(
        id=row.id,
        unit_name=row.unit_name,
        round_name=row.round_name,
        rubric_version=row.rubric_version,
        profile={str(k): str(v) for k, v in profile.items()},
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        predecessor_id=getattr(row, "predecessor_id", None),
    )


def evidence_file(row: Any) -> EvidenceFile:
    return EvidenceFile(
        id=row.id,
        criterion_id=row.criterion_id,
        filename=row.filename,
        size=int(row.size),
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        content_type=row.content_type,
        assessment_id=row.assessment_id,
        removed_at=row.removed_at,
    )
