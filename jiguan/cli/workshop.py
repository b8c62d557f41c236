"""`python -m jiguan workshop` (`make workshop`): the server for a training room, in one command.

Creates the trainer's account the first time (the password is asked once, in the terminal;
the first account of a database is its administrator, since 共享模式 needs one), reuses it
afterwards; opens a workshop with a join code until 23:59 today (or reuses the trainer's open
one); prints this machine's addresses with a QR code; then runs the app on every interface in
共享模式 until Ctrl-C. ``--no-serve`` does everything but the last step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import secrets
import subprocess
import sys
from typing import TYPE_CHECKING

from jiguan import PROJECT_ROOT, accounts
from jiguan.cli.common import Subcommands
from jiguan.format import CHINA_TZ, format_time
from jiguan.room_address import DEFAULT_PORT, join_url, lan_addresses, qr_text

if TYPE_CHECKING:
    from jiguan.store import Store
    from jiguan.store.workshops import WorkshopInfo

EXIT_OK, EXIT_BAD_INPUT = 0, 2
DEFAULT_TRAINER = "培训教师"
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones


def register(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "workshop",
        parents=[common],
        help="为培训课堂启动服务（共享模式，开设培训班并显示地址和二维码）",
        description="一条命令开一堂培训课：培训教师账户（首次询问密码）、培训班代码、本机地址和二维码，"
        "然后在局域网内启动服务，按 Ctrl+C 结束。",
    )
    p.add_argument(
        "--trainer",
        default=DEFAULT_TRAINER,
        metavar="用户名",
        help=f"培训教师的用户名（默认「{DEFAULT_TRAINER}」）",
    )
    p.add_argument("--code", metavar="代码", help="培训班代码（默认由系统生成，9 个字符）")
    p.add_argument(
        "--title", default="", metavar="名称", help="培训班名称（默认「<日期> 培训班」）"
    )
    p.add_argument(
        "--days",
        type=int,
        default=1,
        metavar="天数",
        help="培训班持续天数，到最后一天 23:59 结束（默认 1）",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="端口",
        help=f"端口（默认 {DEFAULT_PORT}）",
    )
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为新账户的密码")
    p.add_argument(
        "--no-serve", action="store_true", help="只准备账户和培训班、显示地址，不启动服务"
    )
    p.set_defaults(run=run)


def new_code() -> str:
    """A join code of 9 characters from 31 (≈ 44.6 bits), grouped 4-5 for reading aloud."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(9))
    return f"{chars[:4]}-{chars[4:]}"


def _password(args: argparse.Namespace, name: str) -> str:
    print(f"首次使用：为培训教师账户「{name}」设置密码（至少 10 个字符，登录时使用）。")
    try:
        if args.password_stdin or not sys.stdin.isatty():  # piped: one line, no echo question
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\r\n")
        first = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != first:
            raise accounts.AccountError("两次输入的密码不一致")
        return first
    except EOFError:
        raise accounts.AccountError(
            "没有读到密码：请在终端中运行，或用 --password-stdin 从标准输入给出一行密码"
        ) from None


def _trainer(store: Store, args: argparse.Namespace) -> accounts.Caller:

    users = store.users
    name = accounts.check_name(args.trainer)
    found = next((u for u in users.list() if u.name == name), None)
    if found is None:
        role = accounts.TRAINER if users.has_admin() else accounts.ADMIN
        password = _password(args, name)
        accounts.check_password(password, name)
        found = users.add(name, role, password, by=accounts.COMMAND_LINE)  # audits it
        print(f"已新建{accounts.ROLE_LABELS[role]}账户「{name}」（首次登录时须修改密码）。")
    elif found.role not in (accounts.TRAINER, accounts.ADMIN):
        raise accounts.AccountError(
            f"账户「{name}」不是培训师或管理员，请用 --trainer 指定另一个用户名"
        )
    return found.caller("命令行")


def _workshop(store: Store, trainer: accounts.Caller, args: argparse.Namespace) -> WorkshopInfo:

    workshops = store.workshops
    open_ones = [w for w in workshops.list(trainer) if w.active()]
    wanted = [w for w in open_ones if w.code == args.code] if args.code else open_ones
    if wanted:
        return wanted[0]
    today = dt.datetime.now(CHINA_TZ).date()
    last = today + dt.timedelta(days=max(1, args.days) - 1)
    until = dt.datetime.combine(last, dt.time(23, 59), tzinfo=CHINA_TZ)
    title = args.title or f"{today.isoformat()} 培训班"
    return workshops.open(trainer, args.code or new_code(), title, until)


def _announce(info: WorkshopInfo, trainer: accounts.Caller, port: int) -> None:
    addresses = lan_addresses()
    print()
    print(f"培训班代码：{info.code}　（{info.name}，{format_time(info.expires_at)} 结束）")
    if not addresses:
        print("未找到本机的局域网地址：请确认已连接网络（Wi-Fi 或网线），学员与本机须在同一网络。")
        print(f"本机浏览器可打开 http://127.0.0.1:{port}/")
        return
    print("学员用手机或电脑浏览器打开（与本机在同一网络）：")
    for address in addresses:
        print(f"  {join_url(address, port)}")
    print(f"或扫描二维码（已带培训班代码）：{join_url(addresses[0], port, info.code)}")
    print(qr_text(join_url(addresses[0], port, info.code)))
    print(f"培训教师在本机打开 http://127.0.0.1:{port}/ ，用账户「{trainer.name}」登录；")
    print("「培训与比较 → 培训班结果」看全班结果，「投影视图」投到大屏幕。按 Ctrl-C 结束服务。")


def run(args: argparse.Namespace) -> int:
    from jiguan.rubric import load_rubric
    from jiguan.store import Store, StoreError

    try:
        store = Store.from_environment(load_rubric())
        try:
            store.migrate()
            trainer = _trainer(store, args)
            info = _workshop(store, trainer, args)
        finally:
            store.close()
    except StoreError as exc:  # AccountError is one
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _announce(info, trainer, args.port)
    if args.no_serve:
        return EXIT_OK
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        "--server.address",
        "0.0.0.0",
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        # Our own addresses are printed above; Streamlit's welcome would look up the
        # machine's external address on the internet (net_util.get_external_ip).
        "--logger.hideWelcomeMessage",
        "true",
    ]
    env = dict(os.environ, JIGUAN_MODE="shared")
    try:
        return subprocess.call(command, cwd=PROJECT_ROOT, env=env)
    except KeyboardInterrupt:
        return EXIT_OK
