"""Subcommands on answer sheets and the rubric: score, check, rubric, report, export-evidence."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from jiguan.cli.common import (
    EXIT_FLAGGED,
    EXIT_OK,
    InputError,
    Subcommands,
    emit_json,
    fmt,
    num,
    pad,
    rubric_from,
    sheet_from,
    width,
)
from jiguan.format import format_time, today
from jiguan.rubric import Rubric
from jiguan.scoring import (
    FLAG_LABELS,
    NO_EVIDENCE,
    Answer,
    GroupResult,
    Result,
    points_at_stake,
    score,
)
from jiguan.text import os_error_text

# ---------------------------------------------------------------------------------------------
# score


def _group_json(g: GroupResult) -> dict[str, object]:
    return {"name": g.name, "score": num(g.score), "max": num(g.max)}


def result_json(result: Result) -> dict[str, object]:
    """The `score --json` object."""
    return {
        "total": num(result.total),
        "max": num(result.max),
        "answered": result.answered,
        "criteria": result.criteria_count,
        "items": [{"name": g.name, "score": num(g.score), "max": num(g.max)} for g in result.items],
        "contents": [
            {"name": g.name, "score": num(g.score), "max": num(g.max)} for g in result.contents
        ],
        "indicators": [
            {"id": r.id, "score": num(r.score), "max": num(r.max), "flags": list(r.flags)}
            for r in result.indicators.values()
        ],
    }


def _run_score(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    result = score(rubric, sheet_from(args, rubric))
    if args.json:
        emit_json(result_json(result))
        return EXIT_OK
    out = [
        f"{rubric.title}（{rubric.source} 版本 {rubric.version}）",
        f"总得分：{fmt(result.total)} / {fmt(result.max)} 分",
        f"完成度：已评 {result.answered} / {result.criteria_count} 个评分项"
        f"（{result.completion:.0%}）",
    ]
    if result.passed is not None:
        out.append(
            f"合格线 {fmt(result.pass_line or 0)} 分：{'达到' if result.passed else '未达到'}"
        )
    out.append("")
    names = [g.name for g in result.items] + [f"  {g.name}" for g in result.contents]
    columns = max(width(n) for n in names) + 2
    out.append(pad("评估项目 / 评估内容", columns) + "得分 / 满分")
    for item in result.items:
        out.append(pad(item.name, columns) + f"{fmt(item.score)} / {fmt(item.max)}")
        for content in result.contents:
            if content.item == item.name:
                line = pad(f"  {content.name}", columns)
                out.append(line + f"{fmt(content.score)} / {fmt(content.max)}")
    flagged = result.flagged
    if flagged:
        out.append("")
        out.append(f"有 {len(flagged)} 个指标未评或缺佐证，运行 check 子命令查看清单。")
    print("\n".join(out))
    return EXIT_OK


def add_score(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "score", parents=[common], help="计算答题表的得分", description="计算答题表（CSV）的得分。"
    )
    p.add_argument("sheet", metavar="答题表.csv", help="答题表 CSV 文件（- 表示标准输入）")
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
        "score": num(row.score),
        "max": num(row.max),
        "flags": list(row.flags),
        "at_stake": num(row.at_stake),
    }


def _run_check(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    answers = sheet_from(args, rubric)
    result = score(rubric, answers)
    rows = check_list(rubric, result)
    if args.json:
        emit_json({"flagged": [_flagged_json(r) for r in rows]})
        return EXIT_FLAGGED if rows else EXIT_OK
    if not rows:
        print(f"预评审检查通过：{result.criteria_count} 个评分项均已作答，得分的指标都有佐证材料。")
        return EXIT_OK
    total = sum(r.at_stake for r in rows)
    out = [f"预评审清单：{len(rows)} 个指标需要处理，共涉及 {fmt(total)} 分", ""]
    for row in rows:
        labels = "、".join(FLAG_LABELS[f] for f in row.flags)
        out.append(
            f"指标 {row.id}（{row.item} / {row.content}）：{labels}，"
            f"当前 {fmt(row.score)} / {fmt(row.max)} 分，涉及 {fmt(row.at_stake)} 分"
        )
        for c in rubric.indicator_by_id[row.id].criteria:
            a = answers.get(c.id)
            if a is None or not a.answered:
                out.append(f"    {c.id} 未评：{c.text}")
        if NO_EVIDENCE in row.flags:
            out.append("    请补充佐证材料（发文、记录、照片等），否则评审时该得分可能不被认可")
    print("\n".join(out))
    return EXIT_FLAGGED


def add_check(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check",
        parents=[common],
        help="预评审清单：未评或缺佐证的指标",
        description="列出未评或缺佐证的指标及涉及分值；有需要处理的指标时退出码为 1。",
    )
    p.add_argument("sheet", metavar="答题表.csv", help="答题表 CSV 文件（- 表示标准输入）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(run=_run_check)


# ---------------------------------------------------------------------------------------------
# rubric


def _run_rubric(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    if args.json:
        emit_json(rubric.model_dump(mode="json"))
        return EXIT_OK
    out = [f"{rubric.title}（{rubric.source} 版本 {rubric.version}），满分 {fmt(rubric.max)} 分"]
    for item in rubric.items:
        out.append("")
        out.append(f"{item.name}（{fmt(item.max)} 分）")
        for content in item.contents:
            out.append(f"  {content.name}（{fmt(content.max)} 分）")
            for ind in content.indicators:
                rules = []
                if ind.combine == "max":
                    rules.append("不累加，取单项最高分")
                if ind.cap is not None:
                    rules.append(f"最高 {fmt(ind.cap)} 分")
                extra = f"；{'，'.join(rules)}" if rules else ""
                out.append(
                    f"    指标 {ind.id}（{fmt(ind.max)} 分；{'、'.join(ind.methods)}{extra}）"
                )
                for c in ind.criteria:
                    unit = f"每{c.unit or '项'} " if c.kind == "count" else ""
                    out.append(f"      {c.id}  [{unit}{fmt(c.points)} 分]  {c.text}")
    print("\n".join(out))
    return EXIT_OK


def add_rubric(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "rubric", parents=[common], help="显示评估指引", description="显示评估指引（附件2）。"
    )
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(run=_run_rubric)


if TYPE_CHECKING:
    from jiguan.rectification import RectificationItem
    from jiguan.reports._common import Files, Profile


# ---------------------------------------------------------------------------------------------
# report (the documents come from jiguan.reports; this only wires the command line)


def _run_report(args: argparse.Namespace) -> int:
    if args.blank == bool(args.sheet):
        raise InputError("请给出答题表 CSV 文件，或用 --blank 生成空白附件2（二者选一）")
    if args.blank and args.format not in ("docx", "pdf"):
        raise InputError("空白附件2只有 docx 和 pdf 两种格式")
    rubric = rubric_from(args)
    try:
        from jiguan.reports import Profile, ReportError, build_blank_form, build_report
    except ImportError as exc:
        raise InputError(f"报告功能不可用：无法加载报告模块（{exc}）") from None
    if args.blank:
        return _write_report(Path(args.output), build_blank_form(args.format, rubric))
    files = items = None
    if args.sheet.isdigit() and not Path(args.sheet).exists():  # an assessment's id
        answers, profile, files = _saved_assessment(rubric, int(args.sheet))
        if args.format.startswith("rectification-"):
            items = _saved_items(rubric, int(args.sheet))
    else:
        answers = sheet_from(args, rubric)
        profile = Profile(
            unit_name=args.unit,
            assessment_date=args.date or today(),
            filled_by=args.filled_by,
            contact=args.contact,
            round_name=args.round,
        )
    try:
        data = build_report(args.format, rubric, answers, profile, files=files, items=items)
    except ReportError as exc:
        raise InputError(f"无法生成报告：{exc}") from None
    return _write_report(Path(args.output), data)


def _saved_assessment(rubric: Rubric, aid: int) -> tuple[dict[str, Answer], Profile, Files]:
    """The answers, profile and attached file names of assessment ``aid`` in the app's database."""
    from jiguan.package import files_by_criterion
    from jiguan.reports import Profile
    from jiguan.store import NotFoundError, Store, StoreError
    from jiguan.submission import signature_line

    try:
        store = Store.from_environment(rubric)
    except StoreError as exc:
        raise InputError(f"无法打开数据库：{exc}") from None
    try:
        info = store.get_assessment(aid)
        files = files_by_criterion(store.list_files(aid))
        names = {cid: [f.filename for f in found] for cid, found in files.items()}
        profile = Profile.from_assessment(info)
        sub = store.submissions.latest(aid)
        if sub is not None and sub.standing:
            stamp = signature_line(sub.number, format_time(sub.submitted_at), sub.content_hash)
            profile = replace(profile, submitted=stamp, filled_by=sub.filled_by)
        return store.answers(aid), profile, names
    except NotFoundError:
        raise InputError(f"没有编号为 {aid} 的自评") from None
    except StoreError as exc:
        raise InputError(f"无法读取自评 {aid}：{exc}") from None
    finally:
        store.close()


def _saved_items(rubric: Rubric, aid: int) -> list[RectificationItem]:
    """The 整改台账 of assessment ``aid`` as saved; when none is saved yet (nobody opened the
    page), the items its scores give (the finalised review's, else the unit's own), unsaved:
    the command writes nothing."""
    from jiguan.rectification import draft_items, sheet_and_source
    from jiguan.store import Store, StoreError

    try:
        store = Store.from_environment(rubric)
    except StoreError as exc:
        raise InputError(f"无法打开数据库：{exc}") from None
    try:
        items = store.rectification.items(aid)
        if items:
            return items
        review = store.reviews.get(aid)
        final = review is not None and review.final
        verdicts = {c: v.verdict for c, v in store.reviews.verdicts(aid).items()} if final else None
        sheet, source = sheet_and_source(store.answers(aid), verdicts, final)
        return draft_items(rubric, sheet, verdicts, source)
    except StoreError as exc:
        raise InputError(f"无法读取自评 {aid} 的整改台账：{exc}") from None
    finally:
        store.close()


def _write_report(out: Path, data: bytes) -> int:
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"无法写入 {out}：{os_error_text(exc)}") from None
    print(f"已生成 {out}（{len(data):,} 字节）")
    return EXIT_OK


def add_report(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report",
        parents=[common],
        help="生成 Word / Excel / PDF 报告",
        description="由答题表或应用中的一次自评（编号）生成 Word（附件2评估表）、Excel、PDF 报告"
        "、自评报告草稿（self-report）"
        "或整改台账（rectification-xlsx / rectification-docx）；"
        "--blank 生成空白附件2（Word 或 PDF，供打印填写）。",
    )
    p.add_argument(
        "sheet",
        nargs="?",
        metavar="答题表.csv|编号",
        help="答题表 CSV 文件（- 表示标准输入），或应用中自评的编号（?a=编号）",
    )
    p.add_argument("--blank", action="store_true", help="生成空白附件2（不读答题表）")
    p.add_argument(
        "--format",
        required=True,
        choices=(
            "docx",
            "xlsx",
            "pdf",
            "self-report",
            "rectification-xlsx",
            "rectification-docx",
        ),
        help="报告格式：docx 附件2评估表，xlsx 工作簿，pdf 摘要，self-report 自评报告草稿，"
        "rectification-xlsx 整改台账，rectification-docx 整改情况报告",
    )
    p.add_argument("-o", "--output", required=True, metavar="文件", help="输出文件")
    p.add_argument("--unit", default="", metavar="单位", help="承担单位")
    p.add_argument("--round", default="", metavar="轮次", help="轮次，如 第一次自评")
    p.add_argument("--date", default="", metavar="日期", help="评估日期（默认今天），如 2026年5月")
    p.add_argument("--filled-by", default="", metavar="姓名", help="填表人")
    p.add_argument("--contact", default="", metavar="电话等", help="联系方式")
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
            raise InputError(f"无法写入 {out}：{os_error_text(exc)}") from None
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


def add_export_evidence(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export-evidence",
        parents=[common],
        help="导出佐证材料汇编（ZIP）",
        description="把一次自评的佐证材料按评估项目、指标和编号整理为一个 ZIP，附佐证材料目录"
        "（Word、Excel）。数据库与应用相同（JIGUAN_DATABASE_URL 或数据目录下的 SQLite）。",
    )
    p.add_argument("assessment", type=int, metavar="编号", help="自评编号（应用地址中的 ?a=编号）")
    p.add_argument(
        "-o", "--output", metavar="文件", help="输出文件（默认 佐证材料汇编_单位_轮次.zip）"
    )
    p.set_defaults(run=_run_export_evidence)


# ---------------------------------------------------------------------------------------------


def register(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    for add in (add_score, add_check, add_rubric, add_report, add_export_evidence):
        add(sub, common)
