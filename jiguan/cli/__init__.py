"""Command line: ``python -m jiguan COMMAND``.

Exit codes: 0 done, 1 `check` found flagged indicators, 2 bad input (unreadable or refused
sheet, bad rubric, bad archive, bad arguments). Errors go to stderr as one Chinese message,
never a traceback.

The rubric is ``--rubric PATH``, else ``$JIGUAN_RUBRIC``, else ``config/indicators.yaml``.

Modules: `common` (exit codes, `InputError`, readers, output helpers), `sheets` (score, check,
rubric, report, export-evidence), `data` (export, import, backup, restore). Each subcommand
module has ``register(sub, common)`` adding its parsers, whose ``run`` default takes the parsed
arguments and returns the exit code. A new subcommand is one new module plus one entry in
`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jiguan.cli import data, sheets, users, workshop
from jiguan.cli.common import EXIT_BAD_INPUT, EXIT_OK, RUBRIC_ENV, InputError
from jiguan.cli.parser import Parser

COMMAND_MODULES = (sheets, data, users, workshop)


def build_parser() -> Parser:
    # --rubric works before or after the subcommand; SUPPRESS keeps the subparser from
    # overwriting a value given before it.
    rubric_help = f"评估指引 YAML 文件（默认取 ${RUBRIC_ENV}，再默认 config/indicators.yaml）"
    common = Parser(add_help=False)
    common.add_argument("--rubric", metavar="路径", default=argparse.SUPPRESS, help=rubric_help)
    parser = Parser(
        prog="python -m jiguan",
        description="机关事务标准化试点 自评：评分、预评审检查、评估指引、报告、数据导出与备份。",
        epilog="退出码：0 完成；1 check 发现需要处理的指标；2 输入有误。",
    )
    parser.add_argument("--rubric", metavar="路径", default=None, help=rubric_help)
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `python -m jiguan rubric | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
