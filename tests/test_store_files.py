"""Evidence files: types, size limit, hostile names, content-hash storage, soft removal."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import (
    ALLOWED_EXTENSIONS,
    MAX_FILENAME_CHARS,
    EvidenceFileError,
    Store,
    StoreError,
    check_evidence_file,
    display_filename,
)
from tests import store_support

db_url = store_support.db_url
files_dir = store_support.files_dir
store = store_support.store

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buf.getvalue()


ZIP = _zip("台账/说明.txt")
DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
SAMPLES = {
    "pdf": PDF,
    "doc": OLE,
    "docx": DOCX,
    "xls": OLE,
    "xlsx": XLSX,
    "wps": OLE,
    "et": OLE,
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "zip": ZIP,
}


@pytest.fixture
def aid(store: Store) -> int:
    return store.create_assessment("某局", "第一次自评").id


def files_on_disk(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def assert_only_blobs(store: Store) -> None:
    """Everything under files_dir is <ab>/<sha256 of its content>."""
    for path in files_on_disk(store.files_dir):
        rel = path.relative_to(store.files_dir)
        assert len(rel.parts) == 2, rel
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert rel.parts == (digest[:2], digest), rel


# ---- checks without a database -----------------------------------------------------------


def test_every_allowed_type_is_accepted() -> None:
    assert set(SAMPLES) == set(ALLOWED_EXTENSIONS)
    for ext, data in SAMPLES.items():
        shown, content_type = check_evidence_file(f"佐证.{ext.upper()}", data, 2**20)
        assert shown == f"佐证.{ext.upper()}" and content_type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("照片.png", JPEG),
        ("制度.pdf", PNG),
        ("表格.xlsx", OLE),  # an old .xls renamed
        ("文档.doc", ZIP),
        ("台账.xls", b"<html><table></table></html>"),  # an HTML export renamed
        ("报告.wps", PDF),
        ("压缩包.zip", b"Rar!\x1a\x07\x00"),
        ("程序.pdf", b"MZ\x90\x00" + b"\x00" * 60 + b"%PDF-1.4"),  # an EXE dressed as PDF
        ("网页.pdf", b"<html><!-- %PDF-1.4 --><script></script></html>"),
        ("文档.docx", ZIP),  # a zip, but no Word document inside
        ("文档.docx", XLSX),  # a workbook renamed
        ("表格.xlsx", DOCX),
        ("坏的.docx", b"PK\x03\x04" + b"\x14\x00" * 20),  # a zip header, no archive
    ],
)
def test_content_must_match_the_extension(name: str, data: bytes) -> None:
    with pytest.raises(EvidenceFileError, match=f"「{name}」未上传：文件内容不是.*与扩展名"):
        check_evidence_file(name, data, 2**20)


@pytest.mark.parametrize(
    "name", ["程序.exe", "脚本.js", "网页.html", "无扩展名", "a.pdf.exe", ".pdf"]
)
def test_refused_types(name: str) -> None:
    with pytest.raises(EvidenceFileError, match="不支持此类文件。可上传的类型：pdf、doc"):
        check_evidence_file(name, PDF, 2**20)


def test_size_limit_and_empty_files() -> None:
    assert check_evidence_file("a.pdf", PDF + b"x" * (1000 - len(PDF)), 1000)
    with pytest.raises(EvidenceFileError, match=r"「大\.pdf」未上传：文件大小 .*超过单个文件上限"):
        check_evidence_file("大.pdf", PDF + b"x" * 1000, 1000)
    with pytest.raises(EvidenceFileError, match="文件是空的"):
        check_evidence_file("空.pdf", b"", 1000)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\桌面\\通知.pdf", "通知.pdf"),
        ("a\x00b\r\n\tc.pdf", "ab c.pdf"),
        ("文件\u202egpj.pdf", "文件gpj.pdf"),  # right-to-left override dropped
        ("  ..  ", "未命名文件"),
        ("..", "未命名文件"),
        (".pdf", "pdf"),
        ("证明.pdf".encode("gbk"), "证明.pdf"),  # bytes from a Chinese Windows zip
        ("证明.pdf".encode("gbk").decode("utf-8", "surrogateescape"), "证明.pdf"),
        (b"\xff\xfe\xfa.pdf", "\ufffd\ufffd\ufffd.pdf"),
    ],
)
def test_display_names_are_sanitised(raw: str | bytes, shown: str) -> None:
    assert display_filename(raw) == shown


def test_long_names_keep_their_extension() -> None:
    shown = display_filename("很" * 300 + ".docx")
    assert len(shown) == MAX_FILENAME_CHARS
    assert shown.endswith("….docx")


# ---- stored files ---------------------------------------------------------------------------


def test_add_list_read(store: Store, aid: int) -> None:
    f = store.add_file(aid, "1.1", "关于成立标准化工作领导小组的通知.pdf", PDF, user="张三")
    assert f.filename == "关于成立标准化工作领导小组的通知.pdf"
    assert (f.size, f.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert (f.criterion_id, f.uploaded_by, f.content_type) == ("1.1", "张三", "application/pdf")
    assert store.list_files(aid) == [f] == store.list_files(aid, "1.1")
    assert store.list_files(aid, "2.1") == []
    assert store.read_file(f.id) == PDF
    blob = store.files_dir / f.sha256[:2] / f.sha256
    assert blob.read_bytes() == PDF
    assert_only_blobs(store)
    [entry] = store.history(aid, "1.1")
    assert (entry.event, entry.filename, entry.old.attachments, entry.new.attachments) == (
        "file_added",
        f.filename,
        0,
        1,
    )


def test_identical_content_is_stored_once(store: Store, aid: int) -> None:
    a = store.add_file(aid, "1.1", "通知.pdf", PDF, user="张三")
    b = store.add_file(aid, "2.1", "同一份通知.pdf", PDF, user="李四")
    assert a.id != b.id and a.sha256 == b.sha256
    assert len(files_on_disk(store.files_dir)) == 1
    # the same upload again on the same criterion (a rerun, a double click) is not a new file
    again = store.add_file(aid, "1.1", "通知(1).pdf", PDF, user="张三")
    assert again == a
    assert len(store.list_files(aid)) == 2


def test_refused_uploads_store_nothing(store: Store, aid: int, rubric: Rubric) -> None:
    small = Store(store.url, rubric, files_dir=store.files_dir, max_file_bytes=100)
    cases = [
        (small, "大文件.pdf", PDF + b"x" * 200, "超过单个文件上限 100 字节"),
        (store, "程序.exe", b"MZ\x90\x00", "不支持此类文件"),
        (store, "伪装.pdf", b"MZ\x90\x00", "文件内容不是PDF"),
    ]
    for s, name, data, reason in cases:
        with pytest.raises(EvidenceFileError) as info:
            s.add_file(aid, "1.1", name, data, user="张三")
        assert f"「{name}」未上传" in str(info.value) and reason in str(info.value)
    small.close()
    assert store.list_files(aid, include_removed=True) == []
    assert files_on_disk(store.files_dir) == []
    assert store.history(aid) == []


def test_hostile_names_stay_inside_files_dir(store: Store, aid: int, tmp_path: Path) -> None:
    names = [
        "../../x.pdf",
        "../" * 20 + "etc/passwd.pdf",
        "/tmp/absolute.pdf",
        "..\\..\\x.pdf",
        "长" * 300 + ".pdf",
        "x" * 300 + ".pdf",
        "证明.pdf".encode("gbk").decode("utf-8", "surrogateescape"),
        b"\xff\xfe\xba\xcf.pdf".decode("utf-8", "surrogateescape"),
        "CON.pdf",
        "a\x00b.pdf",
        "\u202eftp.pdf",
    ]
    before_outside = sorted(p for p in tmp_path.parent.iterdir())
    stored = []
    for n, name in enumerate(names):
        f = store.add_file(aid, "1.1", name, PDF + str(n).encode(), user="张三")
        stored.append(f)
        assert "/" not in f.filename and "\\" not in f.filename
        assert len(f.filename) <= MAX_FILENAME_CHARS
        assert all(ch.isprintable() for ch in f.filename)
        f.filename.encode("utf-8")  # always valid UTF-8, so PostgreSQL and the browser take it
        assert store.read_file(f.id) == PDF + str(n).encode()
    assert stored[0].filename == "x.pdf" and stored[6].filename == "证明.pdf"
    assert len(files_on_disk(store.files_dir)) == len(names)
    assert_only_blobs(store)
    assert sorted(p for p in tmp_path.parent.iterdir()) == before_outside
    assert {p.name for p in tmp_path.iterdir()} <= {
        "files",
        "jiguan.db",
        "jiguan.db-wal",
        "jiguan.db-shm",
    }


def test_remove_is_soft_and_recorded(store: Store, aid: int) -> None:
    store.save_answer(aid, "1.1", Answer("yes"), expected_version=0, user="张三")
    keep = store.add_file(aid, "1.1", "制度.pdf", PDF, user="张三")
    drop = store.add_file(aid, "1.1", "照片.png", PNG, user="张三")
    assert store.answers(aid)["1.1"].attachments == 2
    store.remove_file(drop.id, user="李四")
    store.remove_file(drop.id, user="李四")  # twice is harmless
    assert store.list_files(aid) == [keep]
    removed = [f for f in store.list_files(aid, include_removed=True) if f.id == drop.id]
    assert removed[0].removed_at is not None
    assert store.answers(aid)["1.1"].attachments == 1
    assert store.read_file(drop.id) == PNG  # still there for the history
    last = store.history(aid, "1.1")[-1]
    assert (last.event, last.filename, last.changed_by) == ("file_removed", "照片.png", "李四")
    assert (last.old.attachments, last.new.attachments) == (2, 1)
    assert last.new.value == "yes"
    # removing does not bump the answer's version: the next answer save still works
    assert store.save_answer(aid, "1.1", Answer("no"), expected_version=1, user="张三").version == 2


def test_damaged_or_missing_content_is_detected(store: Store, aid: int) -> None:
    f = store.add_file(aid, "1.1", "制度.pdf", PDF, user="张三")
    blob = store.files_dir / f.sha256[:2] / f.sha256
    blob.write_bytes(PDF + b"tampered")
    with pytest.raises(StoreError, match=r"「制度\.pdf」的文件内容已损坏"):
        store.read_file(f.id)
    blob.write_bytes(PDF.replace(b"obj", b"OBJ"))  # same size, different bytes
    with pytest.raises(StoreError, match="已损坏"):
        store.read_file(f.id)
    store.add_file(aid, "2.1", "制度.pdf", PDF, user="张三")  # the same content again repairs it
    assert store.read_file(f.id) == PDF
    blob.unlink()
    with pytest.raises(StoreError, match="找不到"):
        store.read_file(f.id)
    store.add_file(aid, "3.1", "制度.pdf", PDF, user="张三")
    assert store.read_file(f.id) == PDF


def test_purge_deletes_only_unshared_content(store: Store, aid: int) -> None:
    other = store.create_assessment("某局", "第二次自评").id
    shared = store.add_file(aid, "1.1", "共用.pdf", PDF, user="张三")
    store.add_file(other, "1.1", "共用.pdf", PDF, user="张三")
    own = store.add_file(aid, "1.1", "独有.png", PNG, user="张三")
    store.delete_assessment(aid)
    assert len(files_on_disk(store.files_dir)) == 2  # soft delete keeps everything
    store.purge_assessment(aid)
    remaining = files_on_disk(store.files_dir)
    assert [p.name for p in remaining] == [shared.sha256]
    assert own.sha256 not in {p.name for p in remaining}


def test_files_need_a_live_assessment_and_a_real_criterion(store: Store, aid: int) -> None:
    with pytest.raises(StoreError, match=r"没有评分项「88\.1」"):
        store.add_file(aid, "88.1", "a.pdf", PDF, user="张三")
    store.delete_assessment(aid)
    with pytest.raises(StoreError, match="已删除"):
        store.add_file(aid, "1.1", "a.pdf", PDF, user="张三")
    assert files_on_disk(store.files_dir) == []


@pytest.mark.parametrize(
    "name", ["制\x00度.pdf", "\x00\x01\x1f报告.pdf", "a\r\nb\tc.pdf", b"x\x00y.pdf"]
)
def test_control_characters_in_names_are_cleaned(name: str | bytes) -> None:
    shown, _ = check_evidence_file(name, PDF, 2**20)
    assert shown.endswith(".pdf")
    assert not any(ord(ch) < 32 for ch in shown)
