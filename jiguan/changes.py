"""What an imported answer sheet would change, for the preview before it is applied. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jiguan.rubric import Rubric
from jiguan.scoring import Answer

ADDED, CHANGED, CLEARED = "added", "changed", "cleared"
CHANGE_LABELS = {ADDED: "新增", CHANGED: "修改", CLEARED: "清空"}


@dataclass(frozen=True, slots=True)
class Change:
    criterion_id: str
    kind: str  # ADDED / CHANGED / CLEARED
    old: Answer | None
    new: Answer | None


def _content(a: Answer | None) -> tuple[object, ...]:
    """What a sheet carries for one criterion (attachments live in the store, not the sheet)."""
    if a is None:
        return (None, None, "", "")
    return (a.value, a.points, a.evidence.strip(), a.note.strip())


def _blank(a: Answer | None) -> bool:
    return a is None or a.is_blank()


def diff_answers(
    rubric: Rubric, before: Mapping[str, Answer], after: Mapping[str, Answer]
) -> list[Change]:
    """The criteria whose answer, points, evidence or note differ, in rubric order.

    ``added``: nothing was entered before; ``cleared``: something was, and the new sheet has
    nothing; ``changed``: anything else that differs.
    """
    out: list[Change] = []
    for cid in rubric.criteria:
        old, new = before.get(cid), after.get(cid)
        if _content(old) == _content(new) or (_blank(old) and _blank(new)):
            continue
        if _blank(old):
            kind = ADDED
        elif _blank(new):
            kind = CLEARED
        else:
            kind = CHANGED
        out.append(Change(cid, kind, old, new))
    return out


def with_attachments(answers: Mapping[str, Answer], counts: Mapping[str, int]) -> dict[str, Answer]:
    """The sheet as the store will score it: attached file counts carried over."""
    out = dict(answers)
    for cid, n in counts.items():
        if n:
            a = out.get(cid, Answer())
            out[cid] = Answer(a.value, a.points, a.evidence, a.note, n)
    return out
