"""An argparse parser that speaks Chinese: usage, section titles, -h and every error message.

argparse's own words come from gettext with no Chinese catalogue; rather than patch the
module, the formatter passes its own usage prefix, the parser names its two argument groups
and adds its own -h, and `error` translates the message argparse composed (the patterns
below are all the user-facing messages of argparse 3.11-3.13).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

EXIT_BAD_INPUT = 2

# (English pattern, Chinese); applied in order, each once, to argparse's composed message.
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"^argument (\S+?): ", r"参数 \1："),
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"one of the arguments (.*) is required", r"以下参数须给出一个：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", r"无效的选择：\1（可选：\2）"),
    (r"invalid (\w+) value: (.*)", r"值无效（应为 \1）：\2"),
    (r"not allowed with argument (.*)", r"不能与 \1 同时使用"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义，可能是：\2"),
    (r"expected one argument", r"需要一个值"),
    (r"expected at least one argument", r"至少需要一个值"),
    (r"expected at most one argument", r"最多一个值"),
    (r"expected (\d+) arguments?", r"需要 \1 个值"),
    (r"ignored explicit argument (.*)", r"不接受值：\1"),
)
_TYPE_NAMES = {"int": "整数", "float": "数字"}


def translate(message: str) -> str:
    """argparse's English error message in Chinese (unknown text is kept as it is)."""
    for pattern, chinese in _MESSAGES:
        message = re.sub(pattern, chinese, message, count=1)
    return re.sub(r"应为 (\w+)", lambda m: "应为" + _TYPE_NAMES.get(m[1], m[1]), message)


class HelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """`argparse.ArgumentParser` with Chinese usage, titles, help and errors (exit code 2)."""

    def __init__(
        self,
        *args: Any,
        add_help: bool = True,
        parents: tuple[argparse.ArgumentParser, ...] | list[argparse.ArgumentParser] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)  # type: ignore[misc]  # add_help is ours
        # Named before the parents' arguments come in, so that theirs join the same groups
        # (argparse matches groups by title) instead of a second 「选项」.
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
        for parent in parents:  # what ArgumentParser.__init__ does with parents=
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"参数错误：{translate(message)}\n")
