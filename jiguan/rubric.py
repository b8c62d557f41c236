"""The rubric (附件2) as frozen pydantic models, loaded and cross-checked from YAML.

Every stated maximum is checked against what its parts give, so a typo in
config/indicators.yaml is refused at start-up instead of silently mis-scoring.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jiguan import DEFAULT_RUBRIC_PATH
from jiguan.text import os_error_text


class RubricError(ValueError):
    """The rubric file cannot be used; the message lists `place: problem` lines."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Guidance(_Frozen):
    """Our advice to the unit. Not part of the source rubric."""

    evidence: tuple[str, ...] = ()


class Criterion(_Frozen):
    id: str = Field(pattern=r"^\d+\.\d+$")
    kind: Literal["check", "count"]
    points: float = Field(gt=0, multiple_of=0.5)
    text: str = Field(min_length=1)
    unit: str | None = None  # for count criteria: 项, 次

    @property
    def indicator_id(self) -> int:
        return int(self.id.split(".")[0])


class Indicator(_Frozen):
    id: int = Field(ge=1)
    text: str = Field(min_length=1)
    methods: tuple[str, ...] = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    combine: Literal["sum", "max"] = "sum"
    cap: float | None = Field(default=None, gt=0)
    guidance: Guidance = Guidance()

    @model_validator(mode="after")
    def _criteria_ids_follow_indicator(self) -> Indicator:
        expected = [f"{self.id}.{n}" for n in range(1, len(self.criteria) + 1)]
        actual = [c.id for c in self.criteria]
        if actual != expected:
            raise ValueError(f"评分项编号应为 {expected}，实为 {actual}")
        if any(c.kind == "count" for c in self.criteria) and self.cap is None:
            raise ValueError("含计数评分项的指标必须给出 cap（最高分）")
        return self

    @property
    def max(self) -> float:
        """The most this indicator can score, applying combine and cap."""
        if self.combine == "max":
            top = max(c.points for c in self.criteria)
        else:
            top = sum(c.points for c in self.criteria if c.kind == "check")
            if any(c.kind == "count" for c in self.criteria):
                top = float("inf")
        return min(top, self.cap) if self.cap is not None else top


class Content(_Frozen):
    name: str = Field(min_length=1)
    max: float = Field(gt=0)
    indicators: tuple[Indicator, ...] = Field(min_length=1)


class Item(_Frozen):
    name: str = Field(min_length=1)
    max: float = Field(gt=0)
    contents: tuple[Content, ...] = Field(min_length=1)


class Rubric(_Frozen):
    title: str
    source: str = ""
    version: str = Field(min_length=1)
    max: float = Field(gt=0)
    pass_line: float | None = None
    # 部分符合 (part of a check criterion's points) is this tool's practice, not 附件2's: the
    # source states every check as 「得 N 分」. False removes it from the app, CSV and reports.
    allow_partial: bool = True
    items: tuple[Item, ...] = Field(min_length=1)

    def indicators(self) -> Iterator[tuple[Item, Content, Indicator]]:
        for item in self.items:
            for content in item.contents:
                for indicator in content.indicators:
                    yield item, content, indicator

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        """All criteria by id, in rubric order."""
        return {c.id: c for _, _, ind in self.indicators() for c in ind.criteria}

    @cached_property
    def indicator_by_id(self) -> dict[int, Indicator]:
        return {ind.id: ind for _, _, ind in self.indicators()}

    @cached_property
    def place_of(self) -> dict[int, tuple[Item, Content]]:
        """Item and content of each indicator id."""
        return {ind.id: (item, content) for item, content, ind in self.indicators()}


def _check_sums(rubric: Rubric) -> list[str]:
    """Every stated maximum must equal what its parts give."""
    problems: list[str] = []
    seen_indicators: set[int] = set()
    for i, item in enumerate(rubric.items):
        for c, content in enumerate(item.contents):
            for n, ind in enumerate(content.indicators):
                where = f"items[{i}].contents[{c}].indicators[{n}]"
                if ind.id in seen_indicators:
                    problems.append(f"{where}: 指标编号 {ind.id} 重复")
                seen_indicators.add(ind.id)
                if ind.max == float("inf"):
                    problems.append(f"{where}: 指标 {ind.id} 没有上限")
            parts = sum(ind.max for ind in content.indicators)
            if parts != content.max:
                problems.append(
                    f"items[{i}].contents[{c}]: 评估内容「{content.name}」"
                    f"标明 {_fmt(content.max)} 分，其指标合计 {_fmt(parts)} 分"
                )
        parts = sum(content.max for content in item.contents)
        if parts != item.max:
            problems.append(
                f"items[{i}]: 评估项目「{item.name}」标明 {_fmt(item.max)} 分，"
                f"其评估内容合计 {_fmt(parts)} 分"
            )
    parts = sum(item.max for item in rubric.items)
    if parts != rubric.max:
        problems.append(f"max: 总分标明 {_fmt(rubric.max)} 分，各评估项目合计 {_fmt(parts)} 分")
    ids = sorted(seen_indicators)
    if ids != list(range(1, len(ids) + 1)):
        problems.append(f"items: 指标编号应从 1 连续编号，实为 {ids}")
    if rubric.pass_line is not None and not 0 <= rubric.pass_line <= rubric.max:
        problems.append(
            f"pass_line: 合格线 {_fmt(rubric.pass_line)} 不在 0–{_fmt(rubric.max)} 之内"
        )
    return problems


def _fmt(x: float) -> str:
    return f"{x:g}"


def _loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(根)"


def parse_rubric(data: object, *, origin: str = "<rubric>") -> Rubric:
    """Validate already-parsed YAML data into a Rubric, or raise RubricError."""
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        lines = [f"{_loc(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise RubricError(f"评估指引配置有误（{origin}）：\n" + "\n".join(lines)) from None
    problems = _check_sums(rubric)
    if problems:
        raise RubricError(f"评估指引配置有误（{origin}）：\n" + "\n".join(problems))
    return rubric


RUBRIC_ENV = "JIGUAN_RUBRIC"  # another rubric file for the app and the CLI (tests, pilots)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load and validate the rubric YAML: ``path``, else ``$JIGUAN_RUBRIC``, else
    config/indicators.yaml.

    Raises:
        RubricError: the file is missing, not YAML, or fails validation; the message names
            the file and each place inside it (e.g. ``items[3].contents[0]``).
    """
    path = Path(path or os.environ.get(RUBRIC_ENV) or DEFAULT_RUBRIC_PATH)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricError(f"无法读取评估指引配置文件 {path}：{os_error_text(exc)}") from None
    except UnicodeDecodeError:
        raise RubricError(f"评估指引配置文件 {path} 不是 UTF-8 编码") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"评估指引配置文件 {path} 不是有效的 YAML：{where}：{problem}") from None
    return parse_rubric(data, origin=str(path))
