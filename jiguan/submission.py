"""提交自评, pure: what is not ready yet, and the immutable snapshot the panel reviews with its
content hash (printed on the signature page, so a paper copy can be matched to what was
submitted)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from jiguan.rubric import Rubric
from jiguan.scoring import NO_EVIDENCE, PARTIAL, UNANSWERED, Answer, score


class Gap(NamedTuple):
    """Something not ready, which the submitter confirms as intended before submitting."""

    kind: str  # UNANSWERED, NO_EVIDENCE or INCOMPLETE
    where: str  # 「指标 3」, 「评分项 17.2」
    text: str


INCOMPLETE = "incomplete"  # 部分符合 without points
GAP_LABELS = {UNANSWERED: "未评", NO_EVIDENCE: "缺佐证", INCOMPLETE: "部分符合未选分数"}


def readiness(rubric: Rubric, answers: Mapping[str, Answer]) -> list[Gap]:
    """Indicators whose score can still change (未评), that claim points without evidence
    (缺佐证), and 部分符合 answers without points, in rubric order."""
    result = score(rubric, answers)
    gaps = []
    for _, _, ind in rubric.indicators():
        flags = result.indicators[ind.id].flags
        for flag in (UNANSWERED, NO_EVIDENCE):
            if flag in flags:
                gaps.append(Gap(flag, f"指标 {ind.id}", ind.text.splitlines()[0][:60]))
        for c in ind.criteria:
            a = answers.get(c.id)
            if a is not None and a.value == PARTIAL and a.points is None:
                gaps.append(Gap(INCOMPLETE, f"评分项 {c.id}", c.text[:60]))
    return gaps


class SnapshotFile(NamedTuple):
    criterion_id: str
    filename: str
    sha256: str
    size: int


def make_snapshot(
    rubric: Rubric, answers: Mapping[str, Answer], files: Sequence[SnapshotFile]
) -> dict[str, Any]:
    """The answers (value, points, evidence lines, note) and the files (name, hash, size) as
    submitted, in rubric order: plain JSON, the same whatever the database."""
    order = {cid: n for n, cid in enumerate(rubric.criteria)}
    return {
        "answers": {
            cid: {"value": a.value, "points": a.points, "evidence": a.evidence, "note": a.note}
            for cid, a in sorted(answers.items(), key=lambda kv: order.get(kv[0], len(order)))
            if cid in order and (a.value is not None or a.evidence or a.note)
        },
        "files": [
            list(f)
            for f in sorted(
                files, key=lambda f: (order.get(f.criterion_id, 0), f.filename, f.sha256)
            )
        ],
    }


def content_hash(snapshot: Mapping[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def snapshot_answers(snapshot: Mapping[str, Any]) -> dict[str, Answer]:
    """The submitted answer sheet (attachments counted from the snapshot's files)."""
    counts: dict[str, int] = {}
    for cid, *_ in snapshot.get("files", ()):
        counts[cid] = counts.get(cid, 0) + 1
    out = {
        cid: Answer(
            d.get("value"),
            d.get("points"),
            d.get("evidence") or "",
            d.get("note") or "",
            counts.get(cid, 0),
        )
        for cid, d in snapshot.get("answers", {}).items()
    }
    for cid, n in counts.items():
        out.setdefault(cid, Answer(attachments=n))
    return out


def short_hash(digest: str) -> str:
    """The first 16 hex digits in groups of four, for people to compare: 「1a2b 3c4d 5e6f 7a8b」."""
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))
