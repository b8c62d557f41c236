"""Issue 21 item 6: a ZIP uploaded as evidence is opened and checked before it is stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from jiguan import limits
from jiguan.store import EvidenceFileError, Store, check_evidence_file
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

CRAFTED = Path(__file__).parent / "data" / "crafted"
MAX = 20 * 2**20


def crafted(name: str) -> bytes:
    return (CRAFTED / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("evidence_bomb.zip", r"「台账.txt」解压后 10\.0 MB，是压缩后的 [\d,]+ 倍"),
        ("evidence_traversal.zip", r"「\.\./\.\./evil\.sh」.*上级目录"),
        ("evidence_exe.zip", r"「台账/setup\.EXE」.*可执行"),
        ("evidence_absolute.zip", r"「/etc/cron\.d/x\.txt」.*绝对路径"),
        ("evidence_drive.zip", r"「C:/Windows/x\.txt」.*盘符"),
    ],
)
def test_a_crafted_zip_is_refused_naming_the_entry(name: str, message: str) -> None:
    with pytest.raises(EvidenceFileError, match=message) as caught:
        check_evidence_file("台账.zip", crafted(name), MAX)
    assert str(caught.value).startswith("「台账.zip」未上传：")


def test_too_many_entries_or_too_much_unpacked_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in range(limits.MAX_ZIP_ENTRIES + 1):
            zf.writestr(f"{n}.txt", b"")
    n = limits.MAX_ZIP_ENTRIES
    with pytest.raises(EvidenceFileError, match=f"压缩包中有 {n + 1:,} 个文件，超过 {n:,} 个"):
        check_evidence_file("多.zip", buf.getvalue(), MAX)
    # Random bytes barely compress: the total, not the ratio, is what is too much.
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w") as zf:
        chunk = bytes(range(256)) * 4096  # 1 MB
        for n in range(limits.MAX_ZIP_UNPACKED_BYTES // len(chunk) + 1):
            info = zipfile.ZipInfo(f"{n}.bin")
            zf.writestr(info, chunk, compress_type=zipfile.ZIP_DEFLATED)
    too_much = r"压缩包中的文件解压后共 201\.0 MB，超过上限 200\.0 MB"
    with pytest.raises(EvidenceFileError, match=too_much):
        check_evidence_file("大.zip", big.getvalue(), 10**9)


def test_an_ordinary_zip_is_accepted_and_stored(store: Store) -> None:
    assert check_evidence_file("台账.zip", crafted("evidence_ok.zip"), MAX)[1] == "application/zip"
    aid = store.create_assessment("某局", "第一次自评").id
    f = store.add_file(aid, "1.1", "台账.zip", crafted("evidence_ok.zip"), user="张三")
    assert store.read_file(f.id) == crafted("evidence_ok.zip")


def test_the_store_refuses_a_bomb_and_stores_nothing(store: Store) -> None:
    aid = store.create_assessment("某局", "第一次自评").id
    with pytest.raises(EvidenceFileError, match=r"台账\.txt"):
        store.add_file(aid, "1.1", "台账.zip", crafted("evidence_bomb.zip"), user="张三")
    assert store.list_files(aid) == []
