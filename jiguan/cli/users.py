"""`python -m jiguan user add [--admin | --role ROLE] [--unit UNIT] [--oidc] NAME` and
`python -m jiguan user unlock NAME`: accounts for 共享模式.

The command runs on the server, as whoever may open the database: it acts as the local
all-powerful caller `accounts.COMMAND_LINE` (named 「命令行」 in the audit log).

The password is read from the terminal twice (or one line on stdin with ``--password-stdin``),
never from the command line, where other users could see it in the process list. The account
must change it at its first login. With ``--oidc`` the account has no password and signs in
only through the identity provider (NAME is the e-mail or user name the provider reports).
Same database as the app (JIGUAN_DATABASE_URL or the SQLite file in the data directory).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from jiguan import accounts
from jiguan.cli.common import Subcommands

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def register(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "user",
        parents=[common],
        help="管理共享模式的账户（user add）",
        description="新建账户、解除登录限制。共享模式下应用在至少有一位管理员之前不会启动。",
    )
    actions = p.add_subparsers(dest="user_command", metavar="操作")
    actions.required = True
    add = actions.add_parser("add", help="新建账户（首次登录须修改密码）")
    add.add_argument("name", metavar="用户名", help="用户名（登录时输入）")
    role = add.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_true", help="管理员")
    role.add_argument(
        "--role",
        choices=[r for r in accounts.ROLE_LABELS if r != accounts.ADMIN],
        help="filler 填报人、reviewer 评估组、trainer 培训师",
    )
    add.add_argument("--unit", metavar="单位", help="所属单位（填报人）或负责评估的单位（评估组）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码")
    add.add_argument(
        "--oidc",
        action="store_true",
        help="只用统一身份认证（OIDC）登录、没有密码的账户；用户名为身份提供方给出的邮箱或用户名",
    )
    unlock = actions.add_parser("unlock", help="解除账户的登录限制（清除所有来源的密码错误计数）")
    unlock.add_argument("name", metavar="用户名", help="要解除登录限制的用户名")
    p.set_defaults(run=run)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        # getpass would read the pipe with a warning that the password may be echoed.
        raise accounts.AccountError(
            "标准输入不是终端，无法安全地询问密码：请加 --password-stdin，从标准输入传入一行密码"
        )
    first = getpass.getpass("初始密码：")
    if getpass.getpass("再输入一次：") != first:
        raise accounts.AccountError("两次输入的密码不一致")
    return first


def run(args: argparse.Namespace) -> int:
    if args.user_command == "unlock":
        return _unlock(args)
    return _add(args)


def _unlock(args: argparse.Namespace) -> int:
    from jiguan.rubric import load_rubric
    from jiguan.store import Store, StoreError

    try:
        store = Store.from_environment(load_rubric())
        try:
            store.migrate()
            info = store.users.unlock(args.name, by=accounts.COMMAND_LINE)
        finally:
            store.close()
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"已解除账户「{info.name}」的登录限制。")
    return EXIT_OK


def _add(args: argparse.Namespace) -> int:
    from jiguan.rubric import load_rubric
    from jiguan.store import Store, StoreError

    role = accounts.ADMIN if args.admin else (args.role or accounts.FILLER)
    label = accounts.ROLE_LABELS[role]
    try:
        accounts.check_name(args.name)
        password = None if args.oidc else _password(args)
        if password is not None:
            accounts.check_password(password, args.name)
        store = Store.from_environment(load_rubric())
        try:
            store.migrate()
            info = store.users.add(
                args.name, role, password, unit=args.unit, by=accounts.COMMAND_LINE
            )
        finally:
            store.close()
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    how = "用统一身份认证登录" if args.oidc else "首次登录时须修改密码"
    print(f"已新建{label}账户「{info.name}」。{how}。")
    return EXIT_OK
