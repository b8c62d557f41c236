"""What every subcommand shares: exit codes, `InputError`, the rubric and sheet readers, output.

A subcommand module raises `InputError` (Chinese message) for anything the user can fix; `main`
prints it and exits 2, never with a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TypeAlias

from jiguan import DEFAULT_RUBRIC_PATH
from jiguan.rubric import Rubric, RubricError, load_rubric
from jiguan.scoring import Answer
from jiguan.sheet import SheetError, read_sheet
from jiguan.text import os_error_text

# What each command module's ``register(sub, common)`` is given (generic only to the checker).
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

EXIT_OK, EXIT_FLAGGED, EXIT_BAD_INPUT = 0, 1, 2
RUBRIC_ENV = "JIGUAN_RUBRIC"


class InputError(Exception):
    """Bad input the user can fix; the message (Chinese) goes to stderr, exit 2."""


def num(x: float) -> float | int:
    """100.0 -> 100, 1.5 -> 1.5 (cleaner JSON and text)."""
    return int(x) if float(x).is_integer() else x


def fmt(x: float) -> str:
    return f"{x:g}"


def rubric_from(args: argparse.Namespace) -> Rubric:
    path = getattr(args, "rubric", None) or os.environ.get(RUBRIC_ENV) or DEFAULT_RUBRIC_PATH
    try:
        return load_rubric(path)
    except RubricError as exc:
        raise InputError(str(exc)) from None


def read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path} 是一个文件夹，不是答题表文件")
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到文件：{path}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{os_error_text(exc)}") from None


def sheet_from(args: argparse.Namespace, rubric: Rubric) -> dict[str, Answer]:
    data = read_bytes(args.sheet)
    try:
        return read_sheet(data, rubric)
    except SheetError as exc:
        raise InputError(f"答题表 {args.sheet} 未被接受。\n{exc}") from None


def emit_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))
