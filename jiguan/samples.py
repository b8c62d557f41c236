"""Sample units for training: fictional answer sheets with answer keys, shipped as data.

``config/samples/samples.yaml`` lists the samples; each has the unit's own self-assessment
(``sheet``: answers claimed, evidence lines) and the answer key as a sheet (``key_sheet``),
both in the answer-sheet CSV contract (`jiguan.sheet.read_sheet`), plus per indicator the
key's score and a one-line reason. Loading checks every key score against the one scoring
engine, so a sample edited by hand cannot teach a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric
from jiguan.scoring import Answer, answer_words, score
from jiguan.sheet import SheetError, read_sheet
from jiguan.text import os_error_text

SAMPLES_DIR = PROJECT_ROOT / "config" / "samples"
NOTICE = "示例单位，非真实单位"


class SampleError(ValueError):
    """The sample files cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """The answer key for one indicator."""

    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class Sample:
    """One fictional unit.

    Attributes:
        id: short id (``strong``), stored in a practice assessment's profile as 练习样例.
        unit: the unit's (fictional) name.
        level: 较好 / 中等 / 较弱.
        summary: one sentence on what the sample teaches.
        sheet: the unit's self-assessment: claimed answers with evidence.
        key_sheet: the answer key's answers per criterion (reasons per criterion in ``note``).
        key: per indicator id, the key's score and reason.
        key_total: the key's total.
    """

    id: str
    unit: str
    level: str
    summary: str
    sheet: MappingProxyType[str, Answer]
    key_sheet: MappingProxyType[str, Answer]
    key: MappingProxyType[int, KeyEntry]
    key_total: float
    notice: str = field(default=NOTICE)

    @property
    def title(self) -> str:
        """How the sample is named everywhere it is shown: always marked as fictional."""
        return f"{self.unit}（{self.notice}）"

    def claim(self, rubric: Rubric, criterion_id: str) -> str:
        """The unit's own answer to one criterion in words (符合 / 3 项 / 部分符合 1 分)."""
        return answer_words(rubric.criteria[criterion_id], self.sheet.get(criterion_id))

    def practice_sheet(self, rubric: Rubric) -> dict[str, Answer]:
        """What a trainee starts from: the unit's evidence, its claim in the note, no answers.

        The trainee then scores every criterion; the key stays hidden until they hand in.
        """
        sheet: dict[str, Answer] = {}
        for cid in rubric.criteria:
            claimed = self.sheet.get(cid, Answer())
            note = f"单位自评：{self.claim(rubric, cid)}"
            sheet[cid] = Answer(None, evidence=claimed.evidence, note=note)
        return sheet


def _read(path: Path, rubric: Rubric) -> dict[str, Answer]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SampleError(f"无法读取示例文件 {path.name}：{os_error_text(exc)}") from None
    try:
        return read_sheet(data, rubric)
    except SheetError as exc:
        raise SampleError(f"示例文件 {path.name} 不符合答题表格式：\n{exc}") from None


def _sample(entry: Any, directory: Path, rubric: Rubric, notice: str, where: str) -> Sample:
    if not isinstance(entry, dict):
        raise SampleError(f"{where}: 应为一个示例单位的设置")
    required = ("id", "unit", "level", "sheet", "key_sheet", "key", "key_total")
    missing = [k for k in required if k not in entry]
    if missing:
        raise SampleError(f"{where}: 缺少 {'、'.join(missing)}")
    sheet = _read(directory / str(entry["sheet"]), rubric)
    key_sheet = _read(directory / str(entry["key_sheet"]), rubric)
    raw_key = entry["key"]
    if not isinstance(raw_key, dict):
        raise SampleError(f"{where}.key: 应为“指标编号: 得分与理由”")
    result = score(rubric, key_sheet)
    problems = []
    key: dict[int, KeyEntry] = {}
    for ind_id, ind_result in result.indicators.items():
        item = raw_key.get(ind_id)
        if not isinstance(item, dict) or "score" not in item or not item.get("reason"):
            problems.append(f"{where}.key.{ind_id}: 缺少该指标的得分（score）或理由（reason）")
            continue
        if float(item["score"]) != ind_result.score:
            problems.append(
                f"{where}.key.{ind_id}: 标明 {float(item['score']):g} 分，"
                f"按答案表计算为 {ind_result.score:g} 分"
            )
        key[ind_id] = KeyEntry(float(item["score"]), str(item["reason"]).strip())
    if float(entry["key_total"]) != result.total:
        problems.append(
            f"{where}.key_total: 标明 {float(entry['key_total']):g} 分，"
            f"按答案表计算为 {result.total:g} 分"
        )
    if problems:
        raise SampleError("\n".join(problems))
    return Sample(
        id=str(entry["id"]),
        unit=str(entry["unit"]),
        level=str(entry["level"]),
        summary=str(entry.get("summary", "")),
        sheet=MappingProxyType(sheet),
        key_sheet=MappingProxyType(key_sheet),
        key=MappingProxyType(key),
        key_total=result.total,
        notice=notice,
    )


def load_samples(rubric: Rubric, directory: str | Path = SAMPLES_DIR) -> tuple[Sample, ...]:
    """Load and check every sample unit.

    Raises:
        SampleError: a file is missing or is not a valid sheet, or a key's stated score
            differs from what the scoring engine gives its key sheet (every problem listed).
    """
    directory = Path(directory)
    path = directory / "samples.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SampleError(f"无法读取示例单位清单 {path}：{os_error_text(exc)}") from None
    except yaml.YAMLError as exc:
        raise SampleError(f"示例单位清单 {path} 不是有效的 YAML：{exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("samples"), list):
        raise SampleError(f"示例单位清单 {path} 应含 samples 列表")
    notice = str(data.get("notice") or NOTICE)
    samples = tuple(
        _sample(entry, directory, rubric, notice, f"{path.name}: samples[{i}]")
        for i, entry in enumerate(data["samples"])
    )
    ids = [s.id for s in samples]
    if len(set(ids)) != len(ids):
        raise SampleError(f"{path.name}: 示例单位编号重复：{ids}")
    return samples


def sample_by_id(samples: tuple[Sample, ...], sample_id: str) -> Sample | None:
    return next((s for s in samples if s.id == sample_id), None)
