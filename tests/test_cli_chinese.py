"""Every word the CLI shows a user is Chinese (issue 27): help of every subcommand, argparse's
usage errors, our own errors, and no getpass warning when stdin is not a terminal.

Latin text is allowed only where it is something to type or a name: option strings,
subcommand names, choices, environment variables, file names and paths, and product names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiguan.cli import main
from tests.test_cli import run

COMMANDS = (
    "score",
    "check",
    "rubric",
    "report",
    "export-evidence",
    "export",
    "import",
    "backup",
    "restore",
    "user",
    "user add",
    "user unlock",
    "workshop",
)
CHOICES = {"docx", "xlsx", "pdf", "self-report", "self", "filler", "reviewer", "trainer"}
CHOICES |= {"rectification"}  # rectification-xlsx / rectification-docx
NAMES = {"CSV", "JSON", "YAML", "ZIP", "Word", "Excel", "PDF", "OIDC", "SQLite", "PostgreSQL"}
NAMES |= {"pg_dump", "python", "m", "jiguan", "Ctrl", "C"}
_LATIN = re.compile(r"[A-Za-z][A-Za-z_]*")
_TO_TYPE = re.compile(
    r"(?<![\w-])-{1,2}[a-z][\w-]*"  # option strings
    r"|\$?[A-Z][A-Z0-9]*_[A-Z0-9_]+"  # environment variables
    r"|[\w./-]*\.(?:yaml|csv|zip|docx|xlsx|pdf|db)\b"  # file names and paths
    r"|\?a=\S*"
    r"|'[^']*'"  # what the user typed, quoted back
    r"|（(?:criterion_id|answer)）"  # the CSV contract's English headers, which import accepts
)


def english_words(text: str) -> list[str]:
    text = _TO_TYPE.sub(" ", text)
    allowed = NAMES | CHOICES | set(re.split(r"[\s-]", " ".join(COMMANDS)))
    return [w for w in _LATIN.findall(text) if w not in allowed]


def call(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """The CLI in this process (fast); `tests.test_cli.run` runs it as a subprocess."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_top_help_lists_exactly_these_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "--help")
    assert code == 0
    listed = set(re.findall(r"^ {4}([a-z][\w-]*)", out, flags=re.MULTILINE))
    assert listed == {c for c in COMMANDS if " " not in c}


@pytest.mark.parametrize("command", ("", *COMMANDS))
def test_help_is_chinese(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, err = call(capsys, *command.split(), "--help")
    assert code == 0, err
    assert out.startswith("用法：")
    assert english_words(out) == [], out


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("frobnicate",),
        ("score",),
        ("score", "a.csv", "--nonsense"),
        ("report", "x.csv", "--format", "odt", "-o", "y"),
        ("report", "x.csv", "--format"),
        ("export-evidence", "x"),
        ("user", "add", "--admin", "--role", "filler", "x"),
        ("user",),
    ],
)
def test_usage_errors_are_chinese(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, _, err = call(capsys, *args)
    assert code == 2
    assert "参数错误：" in err
    assert english_words(err) == [], err


def test_input_errors_are_chinese(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    for args in (
        ("score", tmp_path / "missing.csv"),
        ("score", tmp_path),
        ("score", bad),
        ("rubric", "--rubric", tmp_path / "missing.yaml"),
    ):
        code, _, err = call(capsys, *args)
        assert code == 2, args
        assert err.startswith("错误："), err
        assert english_words(err.replace(str(tmp_path), "")) == [], err


def test_a_password_is_not_read_by_getpass_from_a_pipe(tmp_path: Path) -> None:
    env = {"JIGUAN_DATA_DIR": str(tmp_path), "JIGUAN_DATABASE_URL": ""}
    code, _, err = run("user", "add", "--admin", "chief", env=env, stdin=b"secret-pass-1\n")
    assert code == 2
    assert "Warning" not in err and "GetPassWarning" not in err
    assert "--password-stdin" in err
    assert english_words(err) == [], err
    code, out, err = run(
        "user", "add", "--admin", "--password-stdin", "chief", env=env, stdin=b"secret-pass-1\n"
    )
    assert code == 0, err
    assert "chief" in out
