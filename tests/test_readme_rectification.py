"""The README's 「从自评到整改」 commands, as written, on a database with a finalised review (and
the 命令行 section's 整改台账 lines): each exits 0 and writes the document it names."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from jiguan import PROJECT_ROOT
from jiguan.review import Verdict
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store

README = PROJECT_ROOT / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _commands(section: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if "rectification-" in line]


@pytest.fixture
def database(rubric: Rubric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Assessments 1–3 of 甲局, each with 3.1 不符合; the first with a finalised review."""
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGUAN_DATABASE_URL", raising=False)
    store = Store.from_environment(rubric)
    store.migrate()
    for n in (1, 2, 3):
        info = store.create_assessment("甲局", f"第{n}轮")
        store.save_answer(info.id, "3.1", Answer("no"), expected_version=0, user="x")
    verdicts = {
        cid: Verdict(0 if c.kind == "count" else "no", None, "制度未建立")
        for cid, c in rubric.criteria.items()
    }
    store.reviews.update_details(1, user="审", reviewers="王审", review_date="2026-05-01")
    store.reviews.replace_verdicts(1, verdicts, user="审")
    store.reviews.finalise(1, user="审")
    yield store
    store.close()


def test_readme_commands_as_written(database: Store, tmp_path: Path) -> None:
    commands = _commands(_section("从自评到整改")) + _commands(_section("命令行"))
    assert len(commands) == 4
    for line in commands:
        args = shlex.split(line.split("#", 1)[0])
        assert args[:3] == [".venv/bin/python", "-m", "jiguan"], line
        out = tmp_path / args[args.index("-o") + 1]
        args[args.index("-o") + 1] = str(out)
        proc = subprocess.run(
            [sys.executable, *args[1:]],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, (line, proc.stderr)
        assert out.is_file() and out.stat().st_size > 0, line
        if out.suffix == ".xlsx" and args[3] == "1":  # the finalised review's points and reasons
            ws = openpyxl.load_workbook(out).active
            reasons = [c.value for c in ws["E"][1:]]
            assert reasons and all("评估组：制度未建立" in r for r in reasons)
