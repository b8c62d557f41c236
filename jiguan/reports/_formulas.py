"""The workbook's 答题 columns and its formulas: what a criterion earns, its share of the total
after caps and tiers, its 状态 — each the app's rule, written as Excel/WPS/LibreOffice formulas
(`excel.py` writes them with their cached values)."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from jiguan.reports._common import pts
from jiguan.rubric import Criterion, Indicator
from jiguan.scoring import NO_EVIDENCE, PARTIAL, YES, Answer, answer_problem
from jiguan.sheet import ANSWER_WORDS_OUT

# 答题 columns: (header, width in characters, wrapped)
ANSWER_COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("评分项编号", 7, False),
    ("评定", 10, False),
    ("部分得分", 7, False),
    ("佐证材料", 36, True),
    ("备注", 20, True),
    ("评估项目", 10, True),
    ("评估内容", 10, True),
    ("指标", 5, False),
    ("评分项", 40, True),
    ("分值", 6, False),
    ("评分项得分（计上限前）", 9, False),
    ("得分（已按指标上限和只取最高档计算，本列合计即总分）", 12, False),
    ("评估方式", 10, True),
    ("状态", 7, False),
)
ID_COL, ANSWER_COL, POINTS_COL, EVIDENCE_COL, NOTE_COL = 0, 1, 2, 3, 4
FULL_COL, OWN_COL, COUNTED_COL, METHODS_COL, STATUS_COL = 9, 10, 11, 12, 13
CONTINUED = "（续）"  # the 评分项编号 of a continuation row: long evidence and notes go on there
SCORE_COLUMN = OWN_COL + 1  # 1-based, as openpyxl counts: the 评分项得分 column (K)
CHECK_WORDS = [ANSWER_WORDS_OUT[YES], ANSWER_WORDS_OUT[PARTIAL], "不符合"]


def criterion_formula(criterion: Criterion, row: int) -> str:
    """The criterion's own points from its answer cells (row 0-based)."""
    a, p, full = (f"{xl_col_to_name(c)}{row + 1}" for c in (ANSWER_COL, POINTS_COL, FULL_COL))
    if criterion.kind == "count":
        return f"=IF(ISNUMBER({a}),MAX(0,INT({a}))*{full},0)"
    return f'=IF({a}="{CHECK_WORDS[0]}",{full},IF({partial_ok(row)},{p},0))'


def partial_ok(row: int) -> str:
    """部分符合 with points the app accepts: a number, > 0, < 分值, in 0.5 steps."""
    a, p, full = (f"{xl_col_to_name(c)}{row + 1}" for c in (ANSWER_COL, POINTS_COL, FULL_COL))
    return f'AND({a}="{CHECK_WORDS[1]}",{points_ok(p, full)})'


def points_ok(p: str, full: str) -> str:
    return f"ISNUMBER({p}),{p}>0,{p}<{full},MOD({p}*2,1)=0"


def counted_formula(indicator: Indicator, own: list[str], k: int) -> str:
    """The criterion's share of the total (`scoring.counted_points`) as a formula over the
    indicator's 评分项得分 cells ``own`` (A1 references in rubric order), for the k-th."""
    cell, before = own[k], own[:k]
    if indicator.combine == "max":
        top = f"MAX({','.join(own)})"
        earlier = "+".join(f"({c}={top})" for c in before)
        return f"=IF(AND({cell}={top},{earlier or 0}=0),{cell},0)"
    if indicator.cap is None:
        return f"={cell}"
    used = f"SUM({','.join(before)})" if before else "0"
    return f"=MAX(0,MIN({cell},{pts(indicator.cap)}-{used}))"


def indicator_formula(indicator: Indicator, refs: str) -> str:
    """The indicator's score over its criteria's cells, with its combine rule and cap."""
    inner = f"MAX({refs})" if indicator.combine == "max" else f"SUM({refs})"
    return f"=MIN({pts(indicator.cap)},{inner})" if indicator.cap is not None else f"={inner}"


def rule_text(indicator: Indicator) -> str:
    """The indicator's rule in words, as printed next to its formula."""
    rule = "取各评分项最高分" if indicator.combine == "max" else "各评分项得分相加"
    if indicator.cap is not None:
        rule += f"，最高 {pts(indicator.cap)} 分"
    return rule


def evidence_range(first: int, last: int) -> str:
    """The 佐证材料 cells of rows `first`..`last` (0-based), e.g. D5:D9."""
    letter = xl_col_to_name(EVIDENCE_COL)
    return f"{letter}{first + 1}:{letter}{last + 1}"


def status_formula(c: Criterion, row: int, evidence_range: str | None) -> str:
    """状态 as the app says it: 未评 (blank, or 部分符合 without valid points), 缺佐证 (earns
    points while its indicator has no evidence at all; ``evidence_range`` None: it has files),
    else 已评."""
    a = f"{xl_col_to_name(ANSWER_COL)}{row + 1}"
    own = f"{xl_col_to_name(OWN_COL)}{row + 1}"
    blank = f'{a}=""'
    if c.kind == "check":
        blank = f'OR({a}="",AND({a}="{CHECK_WORDS[1]}",NOT({partial_ok(row)})))'
    if evidence_range is None:
        return f'=IF({blank},"未评","已评")'
    none = f"SUMPRODUCT(--(LEN(TRIM({evidence_range}))>0))=0"
    return f'=IF({blank},"未评",IF(AND({own}>0,{none}),"缺佐证","已评"))'


def cell_status(c: Criterion, a: Answer, own: float, flags: tuple[str, ...]) -> str:
    """The cached value of `status_formula` (the same rule as the CSV's 状态)."""
    if a.value is None or (a.value == PARTIAL and answer_problem(c, a) is not None):
        return "未评"
    return "缺佐证" if own > 0 and NO_EVIDENCE in flags else "已评"
