"""导入导出 offers the 自评报告 draft beside the other documents (built when clicked)."""

from __future__ import annotations

from pathlib import Path

from tests.app_support import create, goto, start


def test_import_export_offers_the_self_report(data_dir: Path) -> None:
    at = goto(create(start()), "import-export")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "自评报告（Word 草稿）" in labels
    button = at.get("download_button")[labels.index("自评报告（Word 草稿）")]
    assert button.proto.ignore_rerun
    assert button.proto.deferred_file_id  # built on click, within the caller's session
