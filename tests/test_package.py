"""The evidence package: from a real store, through the CLI, read back by zipfile, unzip and 7z."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path
from types import SimpleNamespace

import docx
import openpyxl
import pytest

from jiguan import PROJECT_ROOT
from jiguan.package import (
    MAX_PATH_CHARS,
    PAPER,
    build_evidence_package,
    package_filename,
    safe_name,
)
from jiguan.reports import Profile
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from tests.conftest import require_service

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LONG = "关于印发机关事务标准化试点工作实施方案及各项配套制度的通知" * 6 + ".pdf"
UPLOADS = [  # criterion, name as uploaded, content
    ("1.1", "关于成立标准化试点领导小组的通知.pdf", PDF + b"1"),
    ("1.1", "领导小组成员名单.pdf", PDF + b"2"),
    ("1.1", "领导小组成员名单.pdf", PDF + b"3"),  # same name, other content: both kept
    ("17.1", "国家标准立项批复.jpg", JPEG + b"4"),
    ("26.1", "现场照片:东门?.png", PNG + b"5"),  # reserved characters
    ("26.1", "現場照片😀.png", PNG + b"6"),  # not representable in GBK
    ("38.3", LONG, PDF + b"7"),
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("JIGUAN_")}
    full["JIGUAN_DATA_DIR"] = str(tmp_path / "data")
    return full


@pytest.fixture
def assessment(env: dict[str, str], rubric: Rubric) -> int:
    store = Store.from_environment(rubric, env)
    store.migrate()
    info = store.create_assessment(
        "某某市机关事务管理局", "第一轮自评", profile={"评估日期": "2026-05-08"}
    )
    store.replace_answers(
        info.id,
        {
            "1.1": Answer("yes", evidence="关于成立标准化试点领导小组的通知\n领导小组会议纪要"),
            "2.1": Answer("yes", evidence="主要负责人讲话稿（现场查看）"),
            "17.1": Answer(1),
            "26.1": Answer("yes"),
            "38.3": Answer("yes"),
        },
        user="张三",
    )
    for cid, name, data in UPLOADS:
        store.add_file(info.id, cid, name, data, user="张三")
    store.close()
    return info.id


def _export(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        [sys.executable, "-m", "jiguan", "export-evidence", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


def test_cli_exports_every_file_once_under_its_catalogue_number(env, assessment, tmp_path) -> None:
    out = tmp_path / "包.zip"
    proc = _export(env, str(assessment), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "7 个电子文件" in proc.stdout.decode()
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[:2] == ["佐证材料目录.docx", "佐证材料目录.xlsx"]
        files = names[2:]
        assert len(files) == len(set(files)) == len(UPLOADS)
        contents = sorted(zf.read(n) for n in files)
        assert contents == sorted(data for _, _, data in UPLOADS)
        # 1.1: its typed line that names the file is not listed twice; the other one is paper
        assert files[:3] == [
            "一、组织管理/指标01/1-2_关于成立标准化试点领导小组的通知.pdf",
            "一、组织管理/指标01/1-3_领导小组成员名单.pdf",
            "一、组织管理/指标01/1-4_领导小组成员名单.pdf",
        ]
        assert files[3].startswith("三、标准体系与标准制定/指标17/17-1_国家标准立项批复")
        assert files[4] == "五、实施路径与监督/指标26/26-1_现场照片_东门_.png"
        assert files[5] == "五、实施路径与监督/指标26/26-2_現場照片_.png"
        for info in zf.infolist():
            assert info.flag_bits & 0x800  # names marked UTF-8 for Windows Explorer
            assert len(info.filename) < MAX_PATH_CHARS
            assert all(len(part.encode()) < 255 for part in info.filename.split("/"))
            info.filename.encode("gbk")  # representable on Chinese Windows
            assert not set('<>:"\\|?*') & set(info.filename)
        catalogue = openpyxl.load_workbook(io.BytesIO(zf.read("佐证材料目录.xlsx")))
        rows = list(catalogue.active.iter_rows(min_row=2, values_only=True))
        word = docx.Document(io.BytesIO(zf.read("佐证材料目录.docx")))
    by_number = {r[0]: r for r in rows}
    for path in files:
        number = path.rsplit("/", 1)[1].split("_", 1)[0]
        assert by_number[number][7] == path  # catalogue numbers match the files
    assert by_number["1-1"][4:6] == ("领导小组会议纪要", PAPER)
    assert by_number["2-1"][4:6] == ("主要负责人讲话稿（现场查看）", PAPER)
    word_text = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    assert "领导小组会议纪要（纸质/现场材料）" in word_text
    assert "一、组织管理/指标01/1-3_领导小组成员名单.pdf" in word_text


def test_cli_refuses_an_unknown_assessment_in_chinese(env, assessment, tmp_path) -> None:
    proc = _export(env, "999", "-o", str(tmp_path / "x.zip"))
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "没有编号为 999 的自评" in err and "某某市机关事务管理局" in err
    assert not (tmp_path / "x.zip").exists()


def _extracted_names(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_names_survive_unzip_and_7z(env, assessment, tmp_path) -> None:
    require_service(
        bool(shutil.which("unzip")) and bool(shutil.which("7z")),
        "unzip and 7z",
        "apt-get install unzip p7zip-full",
    )
    out = tmp_path / "包.zip"
    assert _export(env, str(assessment), "-o", str(out)).returncode == 0
    expected = set(zipfile.ZipFile(out).namelist())
    for name, command in (
        # Debian's unzip 6.0 has no -O; it reads the UTF-8 flag, as Windows Explorer does
        ("unzip", ["unzip", "-q", str(out), "-d"]),
        ("7z", ["7z", "x", "-y", "-bd", str(out)]),
    ):
        dest = tmp_path / name
        dest.mkdir()
        args = [*command, str(dest)] if name == "unzip" else [*command, f"-o{dest}"]
        subprocess.run(args, check=True, capture_output=True, timeout=120)
        assert _extracted_names(dest) == expected, name


def test_safe_name() -> None:
    assert safe_name("a:b?.pdf") == "a_b_.pdf"
    assert safe_name("CON.txt") == "_CON.txt"
    assert safe_name("表格\x07.pdf") == "表格.pdf"
    assert safe_name("😀.jpg") == "_.jpg"
    assert safe_name("x" * 300 + ".pdf", limit=50) == "x" * 46 + ".pdf"
    assert package_filename("某局", "第一轮") == "佐证材料汇编_某局_第一轮.zip"
    assert package_filename("", "") == "佐证材料汇编.zip"


class _Zeros(io.RawIOBase):
    """`size` bytes produced on demand, never held whole."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = b"\x00" * n
        self.left -= n
        return n


def test_a_200_mb_package_streams_without_holding_it_in_memory(rubric, tmp_path) -> None:
    size, count = 10 * 2**20, 20  # 200 MB in all
    files = {
        f"{n}.1": [SimpleNamespace(id=n, criterion_id=f"{n}.1", filename=f"照片{n}.jpg")]
        for n in range(1, count + 1)
    }
    answers = {cid: Answer("yes") for cid in files}
    out = tmp_path / "big.zip"
    tracemalloc.start()
    try:
        summary = build_evidence_package(
            rubric,
            answers,
            Profile(unit_name="某局"),
            files,
            lambda f: io.BufferedReader(_Zeros(size)),
            out,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.files == count and summary.bytes_in == size * count
    assert out.stat().st_size > size * count
    assert peak < 24 * 2**20, (
        f"peak {peak / 2**20:.1f} MB for a {size * count / 2**20:.0f} MB package"
    )
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert sum(i.file_size for i in zf.infolist()[2:]) == size * count
