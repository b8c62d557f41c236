"""Several units side by side: ranking by item and total, and where they differ most.

For a trainer comparing sample units or a provincial office comparing its pilot units. Every
score comes from the one scoring engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jiguan.rubric import Rubric
from jiguan.scoring import Answer, Result, score


@dataclass(frozen=True, slots=True)
class Spread:
    """One indicator across the units: its scores in unit order, and the gap between them."""

    id: int
    scores: tuple[float, ...]

    @property
    def gap(self) -> float:
        return max(self.scores) - min(self.scores)


@dataclass(frozen=True, slots=True)
class UnitComparison:
    labels: tuple[str, ...]
    results: tuple[Result, ...]

    def ranks(self, values: Sequence[float]) -> list[int]:
        """Competition ranking (1, 2, 2, 4): equal scores share a rank."""
        return [1 + sum(1 for other in values if other > v) for v in values]

    def ranking_rows(self) -> list[dict[str, object]]:
        """One row per unit, best total first: total and rank, then each item's score and rank."""
        totals = [r.total for r in self.results]
        total_rank = self.ranks(totals)
        item_ranks = [
            self.ranks([r.items[i].score for r in self.results])
            for i in range(len(self.results[0].items) if self.results else 0)
        ]
        rows = []
        for u, (label, result) in enumerate(zip(self.labels, self.results, strict=True)):
            row: dict[str, object] = {"名次": total_rank[u], "单位": label, "总分": result.total}
            for i, item in enumerate(result.items):
                row[item.name] = item.score
                row[f"{item.name}名次"] = item_ranks[i][u]
            rows.append(row)
        return sorted(rows, key=lambda row: (row["名次"], self.labels.index(row["单位"])))

    def spreads(self, limit: int = 10) -> list[Spread]:
        """The indicators where the units differ most (largest gap first; none with no gap)."""
        if not self.results:
            return []
        ids = list(self.results[0].indicators)
        spreads = [Spread(i, tuple(r.indicators[i].score for r in self.results)) for i in ids]
        spreads = [s for s in spreads if s.gap > 0]
        return sorted(spreads, key=lambda s: (-s.gap, s.id))[:limit]


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Two units with the same name are told apart: 某局, 某局（2）."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}（{seen[label]}）")
    return out


def compare_units(
    rubric: Rubric, units: Sequence[tuple[str, Mapping[str, Answer]]]
) -> UnitComparison:
    """Score each unit's sheet once; labels made unique."""
    labels = unique_labels([label for label, _ in units])
    results = tuple(score(rubric, answers) for _, answers in units)
    return UnitComparison(tuple(labels), results)
