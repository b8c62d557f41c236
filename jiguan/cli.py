"""Command line: ``python -m jiguan score|check|rubric|report|export-evidence``.

Exit codes: 0 done, 1 `check` found flagged indicators, 2 bad input (unreadable or refused
sheet, bad rubric, bad arguments). Errors go to stderr as one Chinese message, never a traceback.

The rubric is ``--rubric PATH``, else ``$JIGUAN_RUBRIC``, else ``config/indicators.yaml``.

Each subcommand is an `add_*` function registering a parser whose ``run`` default takes the parsed
arguments and returns the exit code, so a new subcommand is one more function in `SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple, NoReturn

from jiguan import DEFAULT_RUBRIC_PATH
from jiguan.format import today
from jiguan.rubric import Rubric, RubricError, load_rubric
from jiguan.scoring import (
    FLAG_LABELS,
    NO_EVIDENCE,
    Answer,
    GroupResult,
    Result,
    points_at_stake,
    score,
)
from jiguan.sheet import SheetError, read_sheet

EXIT_OK, EXIT_FLAGGED, EXIT_BAD_INPUT = 0, 1, 2
RUBRIC_ENV = "JIGUAN_RUBRIC"


class InputError(Exception):
    """Bad input the user can fix; the message (Chinese) goes to stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"参数错误：{message}\n")


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _num(x: float) -> float | int:
    """100.0 -> 100, 1.5 -> 1.5 (cleaner JSON and text)."""
    return int(x) if float(x).is_integer() else x


def _fmt(x: float) -> str:
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
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from None


def sheet_from(args: argparse.Namespace, rubric: Rubric) -> dict[str, Answer]:
    data = read_bytes(args.sheet)
    try:
        return read_sheet(data, rubric)
    except SheetError as exc:
        raise InputError(f"答题表 {args.sheet} 未被接受。\n{exc}") from None


def _emit_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


# ---------------------------------------------------------------------------------------------
# score


def _group_json(g: GroupResult) -> dict[str, object]:
    return {"name": g.name, "score": _num(g.score), "max": _num(g.max)}


def result_json(result: Result) -> dict[str, object]:
    """The `score --json` object."""
    return {
        "total": _num(result.total),
        "max": _num(result.max),
        "answered": result.answered,
        "criteria": result.criteria_count,
        "items": [
            {"name": g.name, "score": _num(g.score), "max": _num(g.max)} for g in result.items
        ],
        "contents": [
            {"name": g.name, "score": _num(g.score), "max": _num(g.max)} for g in result.contents
        ],
        "indicators": [
            {"id": r.id, "score": _num(r.score), "max": _num(r.max), "flags": list(r.flags)}
            for r in result.indicators.values()
        ],
    }


def _run_score(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    result = score(rubric, sheet_from(args, rubric))
    if args.json:
        _emit_json(result_json(result))
        return EXIT_OK
    out = [
        f"{rubric.title}（{rubric.source} 版本 {rubric.version}）",
        f"总得分：{_fmt(result.total)} / {_fmt(result.max)} 分",
        f"完成度：已评 {result.answered} / {result.criteria_count} 个评分项"
        f"（{result.completion:.0%}）",
    ]
    if result.passed is not None:
        out.append(
            f"合格线 {_fmt(result.pass_line or 0)} 分：{'达到' if result.passed else '未达到'}"
        )
    out.append("")
    names = [g.name for g in result.items] + [f"  {g.name}" for g in result.contents]
    width = max(_width(n) for n in names) + 2
    out.append(_pad("评估项目 / 评估内容", width) + "得分 / 满分")
    for item in result.items:
        out.append(_pad(item.name, width) + f"{_fmt(item.score)} / {_fmt(item.max)}")
        for content in result.contents:
            if content.item == item.name:
                line = _pad(f"  {content.name}", width)
                out.append(line + f"{_fmt(content.score)} / {_fmt(content.max)}")
    flagged = result.flagged
    if flagged:
        out.append("")
        out.append(f"有 {len(flagged)} 个指标未评或缺佐证，运行 check 子命令查看清单。")
    print("\n".join(out))
    return EXIT_OK


def add_score(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "score", parents=[common], help="计算答题表的得分", description="计算答题表（CSV）的得分。"
    )
    p.add_argument("sheet", metavar="SHEET.csv", help="答题表 CSV 文件（- 表示标准输入）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(run=_run_score)


# ---------------------------------------------------------------------------------------------
# check


class Flagged(NamedTuple):
    """One line of the pre-review list."""

    id: int
    item: str
    content: str
    score: float
    max: float
    flags: tuple[str, ...]
    at_stake: float


def check_list(rubric: Rubric, result: Result) -> list[Flagged]:
    """The pre-review list: flagged indicators with the points at stake."""
    rows = []
    for r in result.flagged:
        item, content = rubric.place_of[r.id]
        at_stake = points_at_stake(rubric, result, r.id)
        rows.append(Flagged(r.id, item.name, content.name, r.score, r.max, r.flags, at_stake))
    return rows


def _flagged_json(row: Flagged) -> dict[str, object]:
    return {
        "id": row.id,
        "item": row.item,
        "content": row.content,
        "score": _num(row.score),
        "max": _num(row.max),
        "flags": list(row.flags),
        "at_stake": _num(row.at_stake),
    }


def _run_check(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    answers = sheet_from(args, rubric)
    result = score(rubric, answers)
    rows = check_list(rubric, result)
    if args.json:
        _emit_json({"flagged": [_flagged_json(r) for r in rows]})
        return EXIT_FLAGGED if rows else EXIT_OK
    if not rows:
        print(f"预评审检查通过：{result.criteria_count} 个评分项均已作答，得分的指标都有佐证材料。")
        return EXIT_OK
    total = sum(r.at_stake for r in rows)
    out = [f"预评审清单：{len(rows)} 个指标需要处理，共涉及 {_fmt(total)} 分", ""]
    for row in rows:
        labels = "、".join(FLAG_LABELS[f] for f in row.flags)
        out.append(
            f"指标 {row.id}（{row.item} / {row.content}）：{labels}，"
            f"当前 {_fmt(row.score)} / {_fmt(row.max)} 分，涉及 {_fmt(row.at_stake)} 分"
        )
        for c in rubric.indicator_by_id[row.id].criteria:
            a = answers.get(c.id)
            if a is None or a.value is None:
                out.append(f"    {c.id} 未评：{c.text}")
        if NO_EVIDENCE in row.flags:
            out.append("    请补充佐证材料（发文、记录、照片等），否则评审时该得分可能不被认可")
    print("\n".join(out))
    return EXIT_FLAGGED


def add_check(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check",
        parents=[common],
        help="预评审清单：未评或缺佐证的指标",
        description="列出未评或缺佐证的指标及涉及分值；有需要处理的指标时退出码为 1。",
    )
    p.add_argument("sheet", metavar="SHEET.csv", help="答题表 CSV 文件（- 表示标准输入）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(run=_run_check)


# ---------------------------------------------------------------------------------------------
# rubric


def _run_rubric(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    if args.json:
        _emit_json(rubric.model_dump(mode="json"))
        return EXIT_OK
    out = [f"{rubric.title}（{rubric.source} 版本 {rubric.version}），满分 {_fmt(rubric.max)} 分"]
    for item in rubric.items:
        out.append("")
        out.append(f"{item.name}（{_fmt(item.max)} 分）")
        for content in item.contents:
            out.append(f"  {content.name}（{_fmt(content.max)} 分）")
            for ind in content.indicators:
                rules = []
                if ind.combine == "max":
                    rules.append("不累加，取单项最高分")
                if ind.cap is not None:
                    rules.append(f"最高 {_fmt(ind.cap)} 分")
                extra = f"；{'，'.join(rules)}" if rules else ""
                out.append(
                    f"    指标 {ind.id}（{_fmt(ind.max)} 分；{'、'.join(ind.methods)}{extra}）"
                )
                for c in ind.criteria:
                    unit = f"每{c.unit or '项'} " if c.kind == "count" else ""
                    out.append(f"      {c.id}  [{unit}{_fmt(c.points)} 分]  {c.text}")
    print("\n".join(out))
    return EXIT_OK


def add_rubric(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "rubric", parents=[common], help="显示评估指引", description="显示评估指引（附件2）。"
    )
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(run=_run_rubric)


# ---------------------------------------------------------------------------------------------
# report (the documents come from jiguan.reports; this only wires the command line)


def _run_report(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    answers = sheet_from(args, rubric)
    try:
        from jiguan.reports import Profile, ReportError, build_report
    except ImportError as exc:
        raise InputError(f"报告功能不可用：无法加载报告模块（{exc}）") from None
    profile = Profile(
        unit_name=args.unit,
        assessment_date=args.date or today(),
        filled_by=args.filled_by,
        contact=args.contact,
        round_name=args.round,
    )
    try:
        data = build_report(args.format, rubric, answers, profile)
    except ReportError as exc:
        raise InputError(f"无法生成报告：{exc}") from None
    out = Path(args.output)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"无法写入 {out}：{exc.strerror or exc}") from None
    print(f"已生成 {out}（{len(data):,} 字节）")
    return EXIT_OK


def add_report(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report",
        parents=[common],
        help="生成 Word / Excel / PDF 报告",
        description="由答题表生成 Word（附件2评估表）、Excel 或 PDF 报告。",
    )
    p.add_argument("sheet", metavar="SHEET.csv", help="答题表 CSV 文件（- 表示标准输入）")
    p.add_argument("--format", required=True, choices=("docx", "xlsx", "pdf"), help="报告格式")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件")
    p.add_argument("--unit", default="", metavar="NAME", help="承担单位")
    p.add_argument("--round", default="", metavar="NAME", help="轮次，如 第一次自评")
    p.add_argument("--date", default="", metavar="DATE", help="评估日期（默认今天），如 2026年5月")
    p.add_argument("--filled-by", default="", metavar="NAME", help="填表人")
    p.add_argument("--contact", default="", metavar="TEXT", help="联系方式")
    p.set_defaults(run=_run_report)


# ---------------------------------------------------------------------------------------------
# export-evidence (the package comes from jiguan.package; the database from the app's config)


def _run_export_evidence(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    from jiguan.package import build_evidence_package, files_by_criterion, package_filename
    from jiguan.reports import Profile
    from jiguan.store import NotFoundError, Store, StoreError

    try:
        store = Store.from_environment(rubric)
    except StoreError as exc:
        raise InputError(f"无法打开数据库：{exc}") from None
    try:
        try:
            info = store.get_assessment(args.assessment)
        except NotFoundError:
            known = "；".join(f"{a.id} {a.title}" for a in store.list_assessments()[:20])
            raise InputError(
                f"没有编号为 {args.assessment} 的自评。现有：{known or '（无）'}"
            ) from None
        answers = store.answers(info.id)
        files = files_by_criterion(store.list_files(info.id))
        out = Path(args.output or package_filename(info.unit_name, info.round_name))
        partial = out.with_name(out.name + ".part")
        try:
            summary = build_evidence_package(
                rubric,
                answers,
                Profile.from_assessment(info),
                files,
                lambda f: store.read_file(f.id),
                partial,
            )
            partial.replace(out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise InputError(f"无法写入 {out}：{exc.strerror or exc}") from None
        except StoreError:
            partial.unlink(missing_ok=True)
            raise
    except StoreError as exc:
        raise InputError(f"无法导出佐证材料：{exc}") from None
    finally:
        store.close()
    print(
        f"已生成 {out}：{summary.files} 个电子文件，{summary.paper} 项纸质/现场材料，"
        f"佐证材料目录（Word、Excel）在压缩包根目录。"
    )
    return EXIT_OK


def add_export_evidence(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export-evidence",
        parents=[common],
        help="导出佐证材料汇编（ZIP）",
        description="把一次自评的佐证材料按评估项目、指标和编号整理为一个 ZIP，附佐证材料目录"
        "（Word、Excel）。数据库与应用相同（JIGUAN_DATABASE_URL 或数据目录下的 SQLite）。",
    )
    p.add_argument("assessment", type=int, metavar="ID", help="自评编号（应用地址中的 ?a=编号）")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="输出文件（默认 佐证材料汇编_单位_轮次.zip）"
    )
    p.set_defaults(run=_run_export_evidence)


# ---------------------------------------------------------------------------------------------

SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None], ...] = (
    add_score,
    add_check,
    add_rubric,
    add_report,
    add_export_evidence,
)


def build_parser() -> argparse.ArgumentParser:
    # --rubric works before or after the subcommand; SUPPRESS keeps the subparser from
    # overwriting a value given before it.
    rubric_help = f"评估指引 YAML 文件（默认取 ${RUBRIC_ENV}，再默认 config/indicators.yaml）"
    common = _Parser(add_help=False)
    common.add_argument("--rubric", metavar="PATH", default=argparse.SUPPRESS, help=rubric_help)
    parser = _Parser(
        prog="python -m jiguan",
        description="机关事务标准化试点 自评：评分、预评审检查、评估指引、报告。",
        epilog="退出码：0 完成；1 check 发现需要处理的指标；2 输入有误。",
    )
    parser.add_argument("--rubric", metavar="PATH", default=None, help=rubric_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in SUBCOMMANDS:
        add(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `python -m jiguan rubric | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
