"""The rubric YAML: faithful to 附件2, and the loader refuses anything that does not add up."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from jiguan import DEFAULT_RUBRIC_PATH, PROJECT_ROOT
from jiguan.rubric import Rubric, RubricError, load_rubric

SOURCE = PROJECT_ROOT / "tests" / "data" / "附件2_source.txt"


def _squash(text: str) -> str:
    """All whitespace removed, half-width parentheses made full-width."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


@pytest.fixture(scope="module")
def source() -> str:
    return _squash(SOURCE.read_text(encoding="utf-8"))


@pytest.fixture()
def raw() -> dict:
    """The real rubric YAML as plain data, to break in a test."""
    return yaml.safe_load(DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the real rubric ---------------------------------------------------------------------------


def test_shape_of_the_rubric(rubric: Rubric) -> None:
    assert rubric.max == 100
    assert rubric.pass_line is None  # the source sets no pass score
    assert len(rubric.items) == 7
    assert sum(len(item.contents) for item in rubric.items) == 20
    assert [ind.id for _, _, ind in rubric.indicators()] == list(range(1, 39))
    assert sum(item.max for item in rubric.items) == 100


def test_rule_types_are_where_the_source_states_them(rubric: Rubric) -> None:
    counts = [c.id for c in rubric.criteria.values() if c.kind == "count"]
    assert counts == ["17.1", "17.2", "17.3", "17.4", "17.5", "21.1"]
    assert {i.id: i.cap for i in rubric.indicator_by_id.values() if i.cap} == {17: 10, 21: 3}
    assert [i.id for i in rubric.indicator_by_id.values() if i.combine == "max"] == [37, 38]
    assert [c.points for c in rubric.indicator_by_id[17].criteria] == [6, 4, 3, 2, 1]
    assert [c.points for c in rubric.indicator_by_id[37].criteria] == [3, 2, 1]
    assert rubric.indicator_by_id[8].max == 2
    assert rubric.indicator_by_id[37].max == 3


def test_every_criterion_text_is_in_the_source(rubric: Rubric, source: str) -> None:
    missing = [c.id for c in rubric.criteria.values() if _squash(c.text) not in source]
    assert missing == []


def test_every_indicator_text_is_in_the_source(rubric: Rubric, source: str) -> None:
    missing = [i.id for _, _, i in rubric.indicators() if _squash(i.text) not in source]
    assert missing == []


def test_points_in_the_text_match_the_yaml_points(rubric: Rubric) -> None:
    wrong = []
    for c in rubric.criteria.values():
        stated = re.findall(r"[得加](\d+(?:\.\d+)?)分", _squash(c.text))
        if [float(p) for p in stated] != [c.points]:
            wrong.append((c.id, stated, c.points))
    assert wrong == []


def test_caps_and_combine_are_stated_in_the_indicator_text(rubric: Rubric) -> None:
    for ind in rubric.indicator_by_id.values():
        text = _squash(ind.text)
        caps = [float(n) for n in re.findall(r"最高(?:分为)?(\d+)分", text)]
        assert caps == ([ind.cap] if ind.cap is not None else []), ind.id
        assert ("得分不累加，取单项最高分" in text) == (ind.combine == "max"), ind.id


def test_items_and_contents_with_their_maxima_are_in_the_source(
    rubric: Rubric, source: str
) -> None:
    for item in rubric.items:
        assert f"{item.name}（{item.max:g}分）" in source
        for content in item.contents:
            assert f"{content.name}（{content.max:g}分）" in source


def test_methods_are_in_the_source(rubric: Rubric, source: str) -> None:
    methods = {m for _, _, ind in rubric.indicators() for m in ind.methods}
    assert {m for m in methods if _squash(m) not in source} == set()


def test_rubric_is_frozen(rubric: Rubric) -> None:
    with pytest.raises(ValueError):
        rubric.items[0].max = 9  # type: ignore[misc]


# --- the loader refuses what does not add up ---------------------------------------------------


def test_the_unchanged_yaml_round_trips_through_tmp(tmp_path: Path, raw: dict) -> None:
    assert load_rubric(_write(tmp_path, raw)).max == 100


def test_refuses_content_whose_indicators_do_not_add_up(tmp_path: Path, raw: dict) -> None:
    raw["items"][3]["contents"][0]["max"] = 3  # 宣贯动员 states 2
    path = _write(tmp_path, raw)
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    text = str(err.value)
    assert str(path) in text
    assert "items[3].contents[0]" in text
    assert "宣贯动员" in text and "3" in text and "2" in text
    # The item then no longer adds up either; both places are named.
    assert "items[3]: " in text


def test_refuses_a_changed_criterion_naming_its_content(tmp_path: Path, raw: dict) -> None:
    raw["items"][0]["contents"][1]["indicators"][0]["criteria"][0]["points"] = 3  # 3.1: 2 -> 3
    with pytest.raises(RubricError, match=r"items\[0\]\.contents\[1\].*标明 4 分.*合计 5 分"):
        load_rubric(_write(tmp_path, raw))


def test_refuses_item_and_total_that_do_not_add_up(tmp_path: Path, raw: dict) -> None:
    raw["items"][6]["max"] = 25
    raw["max"] = 99
    with pytest.raises(RubricError) as err:
        load_rubric(_write(tmp_path, raw))
    text = str(err.value)
    assert "items[6]: " in text and "实施效果" in text
    assert "max: 总分标明 99 分，各评估项目合计 101 分" in text


def test_refuses_a_lowered_cap(tmp_path: Path, raw: dict) -> None:
    ind17 = raw["items"][2]["contents"][1]["indicators"][0]
    assert ind17["id"] == 17
    ind17["cap"] = 8
    with pytest.raises(RubricError, match=r"items\[2\]\.contents\[1\].*标准制定"):
        load_rubric(_write(tmp_path, raw))


def test_refuses_count_criteria_without_a_cap(tmp_path: Path, raw: dict) -> None:
    ind21 = raw["items"][3]["contents"][1]["indicators"][0]
    assert ind21["id"] == 21
    del ind21["cap"]
    with pytest.raises(RubricError, match=r"items\[3\]\.contents\[1\]\.indicators\[0\].*cap"):
        load_rubric(_write(tmp_path, raw))


def test_refuses_misnumbered_criteria(tmp_path: Path, raw: dict) -> None:
    raw["items"][1]["contents"][0]["indicators"][2]["criteria"][1]["id"] = "8.3"
    with pytest.raises(RubricError, match=r"items\[1\]\.contents\[0\]\.indicators\[2\]"):
        load_rubric(_write(tmp_path, raw))


def test_refuses_duplicate_indicator_ids(tmp_path: Path, raw: dict) -> None:
    broken = copy.deepcopy(raw)
    ind = broken["items"][0]["contents"][0]["indicators"][1]
    ind["id"] = 1
    ind["criteria"][0]["id"] = "1.1"
    with pytest.raises(RubricError, match=r"指标编号 1 重复"):
        load_rubric(_write(tmp_path, broken))


def test_refuses_unknown_keys_and_wrong_types(tmp_path: Path, raw: dict) -> None:
    raw["items"][0]["contents"][0]["indicators"][0]["criteria"][0]["kind"] = "bonus"
    raw["items"][0]["colour"] = "red"
    with pytest.raises(RubricError) as err:
        load_rubric(_write(tmp_path, raw))
    text = str(err.value)
    assert "items[0].contents[0].indicators[0].criteria[0].kind" in text
    assert "items[0].colour" in text


def test_refuses_a_pass_line_above_the_maximum(tmp_path: Path, raw: dict) -> None:
    raw["pass_line"] = 120
    with pytest.raises(RubricError, match="pass_line"):
        load_rubric(_write(tmp_path, raw))


def test_refuses_broken_yaml_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("title: x\nitems:\n  - name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    text = str(err.value)
    assert str(path) in text and "不是有效的 YAML" in text and "第 4 行" in text


def test_refuses_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"list\.yaml"):
        load_rubric(path)


def test_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(RubricError, match=r"无法读取.*nope\.yaml"):
        load_rubric(path)


def test_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("title: 评估指引\n".encode("gbk"))
    with pytest.raises(RubricError, match="UTF-8"):
        load_rubric(path)
