"""Subcommands on the whole database: export, import (moving between databases), backup and
restore (a snapshot of this database). The database is the app's (`jiguan.store.load_config`):
``JIGUAN_DATABASE_URL``, ``.streamlit/secrets.toml`` or the SQLite file in the data dir."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from jiguan.cli.common import EXIT_OK, InputError, Subcommands, rubric_from
from jiguan.store import Store, StoreError


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[Store]:
    try:
        store = Store.from_environment(rubric_from(args))
    except StoreError as exc:
        raise InputError(f"无法打开数据库：{exc}") from None
    try:
        yield store
    finally:
        store.close()


def _counts(rows: dict[str, int]) -> str:
    return (
        f"{rows.get('assessments', 0)} 个自评、{rows.get('answers', 0)} 条答案、"
        f"{rows.get('answer_history', 0)} 条修改记录"
    )


def _run_export(args: argparse.Namespace) -> int:
    from jiguan.archive import ArchiveError, export_archive

    with _store(args) as store:
        try:
            summary = export_archive(store, Path(args.archive))
        except ArchiveError as exc:
            raise InputError(str(exc)) from None
    print(f"已导出 {args.archive}：{_counts(summary.rows)}、{summary.files} 个佐证材料文件。")
    if summary.missing_files:
        print(
            f"注意：{len(summary.missing_files)} 个佐证材料的文件内容在服务器上缺失或损坏，未导出。"
        )
    return EXIT_OK


def _run_import(args: argparse.Namespace) -> int:
    from jiguan.archive import ArchiveError, import_archive

    with _store(args) as store:
        try:
            summary = import_archive(store, Path(args.archive), with_accounts=args.with_accounts)
        except ArchiveError as exc:
            raise InputError(str(exc)) from None
    print(f"已导入 {args.archive}：{_counts(summary.rows)}、{summary.files} 个佐证材料文件。")
    if args.with_accounts:
        print(
            f"已导入 {summary.rows.get('users', 0)} 个账户和审计日志；"
            "登录状态不导入，所有人需重新登录。"
        )
    else:
        print("账户、审计日志和登录状态未导入（需要时加 --with-accounts 导入账户和审计日志）。")
    return EXIT_OK


def _run_backup(args: argparse.Namespace) -> int:
    from jiguan.archive import ArchiveError
    from jiguan.backup import backup

    out = Path(args.output or f"jiguan-backup-{datetime.now():%Y%m%d-%H%M%S}.zip")
    with _store(args) as store:
        try:
            summary = backup(store, out)
        except ArchiveError as exc:
            raise InputError(str(exc)) from None
    print(
        f"已备份到 {out}（{summary.database}，{summary.files} 个佐证材料文件，"
        f"{summary.bytes:,} 字节）。"
    )
    return EXIT_OK


def _run_restore(args: argparse.Namespace) -> int:
    from jiguan.archive import ArchiveError
    from jiguan.backup import restore

    if not args.yes:
        raise InputError(
            "恢复会用备份替换当前数据库的全部内容。请先停止应用进程，再加 --yes 确认后运行。"
        )
    with _store(args) as store:
        try:
            restore(store, Path(args.backup))
        except ArchiveError as exc:
            raise InputError(str(exc)) from None
    print(f"已从 {args.backup} 恢复数据库和佐证材料文件。请重新启动应用。")
    return EXIT_OK


def register(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    where = "数据库与应用相同（JIGUAN_DATABASE_URL 或数据目录下的 SQLite）。"
    p = sub.add_parser(
        "export",
        parents=[common],
        help="导出全部自评数据为 ZIP（可导入另一种数据库）",
        description="把全部自评、答案（含版本）、修改记录和佐证材料文件导出为一个与数据库无关的"
        f" ZIP，用于在 SQLite 与 PostgreSQL 之间迁移。{where}",
    )
    p.add_argument("archive", metavar="归档.zip", help="输出文件")
    p.set_defaults(run=_run_export)

    p = sub.add_parser(
        "import",
        parents=[common],
        help="把 export 生成的 ZIP 导入空数据库",
        description="把 export 生成的 ZIP 导入一个空数据库；编号保持不变。导入前检查全部内容"
        "（每一行、评分规则、长度上限、文件校验值），有任何问题则不导入。账户、审计日志默认"
        f"不导入；登录状态从不导入。{where}",
    )
    p.add_argument("archive", metavar="归档.zip", help="export 生成的文件")
    p.add_argument(
        "--with-accounts",
        action="store_true",
        help="同时导入账户、账户的单位、培训班和审计日志（登录状态仍不导入，所有人需重新登录）",
    )
    p.set_defaults(run=_run_import)

    p = sub.add_parser(
        "backup",
        parents=[common],
        help="备份数据库和佐证材料（应用运行时也可）",
        description="在应用运行时生成数据库和佐证材料文件的一致快照（SQLite 在线备份；PostgreSQL"
        f" 用 pg_dump）。{where}",
    )
    p.add_argument("-o", "--output", metavar="文件", help="输出文件（默认 jiguan-backup-时间.zip）")
    p.set_defaults(run=_run_backup)

    p = sub.add_parser(
        "restore",
        parents=[common],
        help="用 backup 生成的 ZIP 替换当前数据库",
        description=f"用 backup 生成的 ZIP 替换当前数据库的全部内容（请先停止应用）。{where}",
    )
    p.add_argument("backup", metavar="备份.zip", help="backup 生成的文件")
    p.add_argument("--yes", action="store_true", help="确认替换当前数据库")
    p.set_defaults(run=_run_restore)
