"""The 佐证材料汇编 download on 导入导出, through AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store, database_url, default_files_dir
from tests.app_support import HARNESS, goto

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def aid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rubric: Rubric) -> int:
    monkeypatch.setenv("JIGUAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGUAN_DATABASE_URL", raising=False)
    store = Store(database_url(), rubric, files_dir=default_files_dir())
    store.migrate()
    info = store.create_assessment("某某市机关事务管理局", "第一轮自评")
    store.replace_answers(info.id, {"1.1": Answer("yes", evidence="会议纪要")}, user="张三")
    store.add_file(info.id, "1.1", "领导小组通知.pdf", PDF, user="张三")
    store.close()
    return info.id


def test_transfer_page_offers_the_evidence_package(aid: int) -> None:
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.query_params["a"] = str(aid)
    at.run()
    goto(at, "import-export")
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("download.evidence")]
    assert button.proto.label == "下载佐证材料汇编（ZIP）"
    assert button.proto.ignore_rerun  # a download does not rerun the page
    assert button.proto.deferred_file_id  # the ZIP is built when pressed, not on every run
    assert "下载佐证材料汇编" in [h.value for h in at.subheader]
    assert any("纸质/现场材料" in c.value for c in at.caption)
