"""Workshop handouts (issue 26): 评估指引讲义, a sample unit's evidence pack and its answer key,
A4 PDFs whose text (read back with pdftotext) holds every indicator, the engine's worked
examples, the unit's evidence and the key's reasons; the evidence pack never the key."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from jiguan.reports.handouts import build_guide_handout, build_key_handout, build_sample_handout
from jiguan.rubric import Rubric
from jiguan.samples import load_samples
from jiguan.training import worked_examples


def _text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "h.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def _a4(pdf: bytes) -> bool:
    return b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf


def test_the_guide_handout_has_every_rule_and_example(rubric: Rubric, tmp_path) -> None:
    pdf = build_guide_handout(rubric)
    assert pdf.startswith(b"%PDF-") and _a4(pdf)
    text = _text(pdf, tmp_path)
    for ind in rubric.indicator_by_id.values():
        assert f"指标{ind.id}" in text
    example = worked_examples(rubric, rubric.indicator_by_id[17])[0].text
    assert "".join(example.split())[:20] in text
    assert "第2页" in text


def test_the_sample_pack_and_its_key(rubric: Rubric, tmp_path) -> None:
    sample = load_samples(rubric)[1]
    pack = _text(build_sample_handout(rubric, sample), tmp_path)
    evidence = "".join(sample.sheet["1.1"].evidence.split())
    assert evidence[:15] in pack and "答案" not in pack
    key = _text(build_key_handout(rubric, sample), tmp_path)
    assert "".join(sample.key[36].reason.split())[:15] in key
    assert f"总分{sample.key_total:g}分" in key
