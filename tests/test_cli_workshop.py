"""`python -m jiguan workshop` (issue 26): the trainer's account is made once (password asked
once), a workshop with a join code is opened or reused, the room's address and a QR code are
printed; a filler's name is refused with a Chinese message."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from jiguan.accounts import ADMIN, COMMAND_LINE, FILLER, TRAINER
from jiguan.cli import main
from jiguan.rubric import Rubric
from jiguan.store import Store

PASSWORD = "一个足够长的密码123"


def _run(monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["workshop", "--no-serve", "--password-stdin", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_one_command_prepares_the_room_and_reuses_it(
    data_dir: Path, other_store: Store, monkeypatch, capsys, rubric: Rubric
) -> None:
    code, out, err = _run(monkeypatch, capsys, stdin=PASSWORD + "\n")
    assert code == 0, err
    (trainer,) = other_store.users.list()
    assert (trainer.name, trainer.role) == ("培训教师", ADMIN)  # 共享模式 needs an administrator
    (workshop,) = other_store.workshops.list(trainer.caller())
    assert workshop.active() and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{5}", workshop.code)
    assert f"培训班代码：{workshop.code}" in out
    assert "█" in out  # the QR code
    assert re.search(r"http://\d+\.\d+\.\d+\.\d+:8501/", out) or "未找到本机的局域网地址" in out
    # again: no password asked, the same account and the open workshop reused
    code, out, err = _run(monkeypatch, capsys, "--port", "8600")
    assert code == 0, err
    assert "设置密码" not in out and f"培训班代码：{workshop.code}" in out
    assert len(other_store.workshops.list(trainer.caller())) == 1


def test_a_second_trainer_is_a_trainer_and_a_filler_is_refused(
    data_dir: Path, other_store: Store, monkeypatch, capsys
) -> None:
    other_store.users.add("管理员", ADMIN, PASSWORD, by=COMMAND_LINE)
    other_store.users.add("甲", FILLER, PASSWORD, by=COMMAND_LINE)
    code, _, err = _run(
        monkeypatch, capsys, "--trainer", "王老师", "--code", "NJ-2026", stdin=PASSWORD
    )
    assert code == 0, err
    info = next(u for u in other_store.users.list() if u.name == "王老师")
    assert info.role == TRAINER
    assert other_store.workshops.get("NJ-2026").trainer == "王老师"
    code, _, err = _run(monkeypatch, capsys, "--trainer", "甲")
    assert code == 2 and "不是培训师或管理员" in err
    code, _, err = _run(monkeypatch, capsys, "--trainer", "新人", stdin="short")
    assert code == 2 and "至少 10 个字符" in err
    with pytest.raises(SystemExit):
        main(["workshop", "--days", "abc"])
