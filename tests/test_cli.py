"""``python -m jiguan`` run as a user would: real subprocesses, exit codes, stdout/stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric
from jiguan.scoring import NO, PARTIAL, YES, Answer, all_yes, score
from jiguan.sheet import write_sheet


def run(*args: str | Path, env: dict[str, str] | None = None, stdin: bytes | None = None):
    full_env = {k: v for k, v in os.environ.items() if k != "JIGUAN_RUBRIC"}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "jiguan", *map(str, args)],
        cwd=PROJECT_ROOT,
        env=full_env,
        input=stdin,
        capture_output=True,
        timeout=60,
    )
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return proc.returncode, out, err


@pytest.fixture()
def all_yes_csv(tmp_path: Path, rubric: Rubric) -> Path:
    path = tmp_path / "all_yes.csv"
    path.write_bytes(write_sheet(rubric, all_yes(rubric, evidence="发文及文号")))
    return path


@pytest.fixture()
def mixed(rubric: Rubric) -> dict[str, Answer]:
    return {
        "1.1": Answer(YES, evidence="发文"),
        "2.1": Answer(YES),  # no evidence
        "8.1": Answer(PARTIAL, 0.5, evidence="办法"),
        "8.2": Answer(NO),
        "17.1": Answer(1, evidence="标准文本"),
        "17.2": Answer(0),
        "17.3": Answer(2),
        "17.4": Answer(0),
        "17.5": Answer(0),
        "21.1": Answer(5, evidence="签到表"),
        "37.1": Answer(YES, evidence="表彰文件"),
        "37.2": Answer(YES),
        "37.3": Answer(NO),
    }


@pytest.fixture()
def mixed_csv(tmp_path: Path, rubric: Rubric, mixed: dict[str, Answer]) -> Path:
    path = tmp_path / "mixed.csv"
    path.write_bytes(write_sheet(rubric, mixed))
    return path


def test_score_all_yes_prints_100_with_every_item_at_its_maximum(
    all_yes_csv: Path, rubric: Rubric
) -> None:
    code, out, err = run("score", all_yes_csv)
    assert code == 0, err
    assert "总得分：100 / 100 分" in out
    lines = out.splitlines()
    for item in rubric.items:
        line = next(x for x in lines if x.startswith(item.name))
        assert line.split()[-3:] == [f"{item.max:g}", "/", f"{item.max:g}"]


def test_score_json_shape_and_values(all_yes_csv: Path, rubric: Rubric) -> None:
    code, out, _ = run("score", all_yes_csv, "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["total", "max", "answered", "criteria", "items", "contents", "indicators"]
    assert (data["total"], data["max"]) == (100, 100)
    assert data["answered"] == data["criteria"] == len(rubric.criteria)
    assert data["items"] == [{"name": i.name, "score": i.max, "max": i.max} for i in rubric.items]
    names = [c.name for i in rubric.items for c in i.contents]
    assert [c["name"] for c in data["contents"]] == names
    assert all(set(c) == {"name", "score", "max"} for c in data["contents"])
    assert [i["id"] for i in data["indicators"]] == list(range(1, 39))
    assert all(i["flags"] == [] and i["score"] == i["max"] for i in data["indicators"])


def test_score_json_matches_the_engine(
    mixed_csv: Path, rubric: Rubric, mixed: dict[str, Answer]
) -> None:
    code, out, _ = run("score", mixed_csv, "--json")
    assert code == 0
    data = json.loads(out)
    r = score(rubric, mixed)
    assert data["total"] == r.total == 2 + 2 + 0.5 + 10 + 3 + 3
    assert data["answered"] == 13
    by_id = {i["id"]: i for i in data["indicators"]}
    assert by_id[17] == {"id": 17, "score": 10, "max": 10, "flags": []}
    assert by_id[2]["flags"] == ["no_evidence"]
    assert by_id[8] == {"id": 8, "score": 0.5, "max": 2, "flags": []}
    assert by_id[37]["score"] == 3
    assert by_id[3]["flags"] == ["unanswered"]


def test_score_reads_stdin(all_yes_csv: Path) -> None:
    code, out, _ = run("score", "-", "--json", stdin=all_yes_csv.read_bytes())
    assert code == 0 and json.loads(out)["total"] == 100


def test_check_lists_flagged_indicators_and_exits_1(mixed_csv: Path) -> None:
    code, out, err = run("check", mixed_csv)
    assert code == 1, err
    assert "预评审清单" in out
    assert "指标 2（组织管理 / 领导职责）：缺佐证，当前 2 / 2 分，涉及 2 分" in out
    assert "指标 3（组织管理 / 工作机构）：未评，当前 0 / 2 分，涉及 2 分" in out
    # complete and evidenced: not listed
    assert "指标 1（" not in out and "指标 17（" not in out and "指标 37（" not in out
    code, out, _ = run("check", mixed_csv, "--json")
    assert code == 1
    flagged = {f["id"]: f for f in json.loads(out)["flagged"]}
    assert flagged[2]["flags"] == ["no_evidence"] and flagged[2]["at_stake"] == 2
    assert 1 not in flagged and 37 not in flagged


def test_check_passes_with_exit_0(all_yes_csv: Path) -> None:
    code, out, _ = run("check", all_yes_csv)
    assert code == 0
    assert "预评审检查通过" in out


def test_rubric_text_and_json(rubric: Rubric) -> None:
    code, out, _ = run("rubric")
    assert code == 0
    for c in rubric.criteria.values():
        assert c.id in out
    assert "指标 37（3 分；查看文件；不累加，取单项最高分）" in out
    assert "17.1  [每项 6 分]" in out
    code, out, _ = run("rubric", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["max"] == 100 and len(data["items"]) == 7


def test_bad_sheet_exits_2_with_row_and_column_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("criterion_id,answer\n1.1,yes\n17.1,两项\n", encoding="utf-8")
    for command in ("score", "check", "report"):
        extra = ["--format", "docx", "-o", str(tmp_path / "r.docx")] if command == "report" else []
        code, out, err = run(command, bad, *extra)
        assert code == 2
        assert out == ""
        assert "第 3 行，评定列" in err and "[" not in err
        assert not (tmp_path / "r.docx").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"", "文件是空的"), (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"), (b"a,b\n1,2\n", "表头缺少必需的")],
)
def test_bad_files_exit_2(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    code, out, err = run("score", path)
    assert (code, out) == (2, "")
    assert words in err and "[" not in err  # Chinese only


def test_missing_file_and_directory_exit_2(tmp_path: Path) -> None:
    code, _, err = run("score", tmp_path / "nope.csv")
    assert code == 2 and "找不到文件" in err and "nope.csv" in err
    code, _, err = run("check", tmp_path)
    assert code == 2 and "文件夹" in err


def test_bad_rubric_by_option_and_by_environment(tmp_path: Path, all_yes_csv: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("items: [\n", encoding="utf-8")
    for args, env in [
        (("--rubric", broken, "score", all_yes_csv), None),
        (("score", all_yes_csv, "--rubric", broken), None),
        (("score", all_yes_csv), {"JIGUAN_RUBRIC": str(broken)}),
        (("rubric",), {"JIGUAN_RUBRIC": str(tmp_path / "missing.yaml")}),
    ]:
        code, out, err = run(*args, env=env)
        assert code == 2, (args, env)
        assert out == ""
        assert "评估指引配置" in err and str(tmp_path) in err


def test_rubric_option_overrides_environment(tmp_path: Path, all_yes_csv: Path) -> None:
    good = PROJECT_ROOT / "config" / "indicators.yaml"
    env = {"JIGUAN_RUBRIC": str(tmp_path / "missing.yaml")}
    code, out, _ = run("score", all_yes_csv, "--json", "--rubric", good, env=env)
    assert code == 0 and json.loads(out)["total"] == 100


def test_usage_errors_exit_2_in_chinese() -> None:
    bad_format = ("report", "x.csv", "--format", "odt", "-o", "y")
    for args in [(), ("frobnicate",), ("score",), bad_format]:
        code, _, err = run(*args)
        assert code == 2, args
        assert "参数错误" in err


def test_help_lists_the_subcommands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for name in ("score", "check", "rubric", "report"):
        assert name in out


def test_report_writes_the_document(tmp_path: Path, all_yes_csv: Path) -> None:
    out = tmp_path / "自评.xlsx"
    args = ("report", all_yes_csv, "--format", "xlsx", "-o", out, "--unit", "测试局")
    code, stdout, err = run(*args)
    assert code == 0, err
    assert str(out) in stdout
    workbook = openpyxl.load_workbook(out)
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and "测试局" in c for c in cells)


def test_report_prints_the_profile_given(tmp_path: Path, all_yes_csv: Path) -> None:
    out = tmp_path / "自评.xlsx"
    profile = {"--round": "第二次自评", "--date": "2026年5月", "--filled-by": "张三"}
    profile["--contact"] = "010-12345678"
    code, _, err = run(
        "report",
        all_yes_csv,
        "--format",
        "xlsx",
        "-o",
        out,
        *(x for kv in profile.items() for x in kv),
    )
    assert code == 0, err
    workbook = openpyxl.load_workbook(out)
    cells = {c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert set(profile.values()) <= {str(c) for c in cells if c is not None}


def test_report_to_an_unwritable_place_exits_2(tmp_path: Path, all_yes_csv: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "r.docx"
    code, stdout, err = run("report", all_yes_csv, "--format", "docx", "-o", out)
    assert (code, stdout) == (2, "")
    assert "无法写入" in err
