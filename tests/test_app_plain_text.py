"""User-typed text is shown as plain text on every page: markdown, HTML and LaTeX put into
every field (unit, round, profile, evidence, note, file name) come back inert (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import Store
from pages import routes
from tests.app_support import goto, start

PAYLOAD = "![x](http://evil.example/t.png)**粗**<img src=x>$x^2$:red[红]"
# What any of those turns into when markdown, HTML or LaTeX is interpreted: the raw forms
# must never reach a markdown body unescaped.
# (An escaped "\\<img" is inert: hence the look-behind.)
RAW = re.compile(r"!\[x\]\(|\*\*粗\*\*|(?<!\\)<img|\$x\^2\$|:red\[")
PDF = b"%PDF-1.7\n%%EOF\n"


def _bodies(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "error",
        "warning",
        "info",
        "success",
        "toast",
    ):
        out += [str(e.value) for e in at.get(kind)]
    out += [str(e.label) for e in at.get("expander")]
    out += [str(e.label) for e in at.button]
    return out


@pytest.fixture
def hostile(other_store: Store, rubric: Rubric) -> int:
    info = other_store.create_assessment(
        "局" + PAYLOAD,
        "轮" + PAYLOAD,
        profile={"填表人": "人" + PAYLOAD, "联系方式": "电" + PAYLOAD, "评估日期": PAYLOAD},
    )
    for cid in list(rubric.criteria)[:6]:
        criterion = rubric.criteria[cid]
        value = 3 if criterion.kind == "count" else "yes"
        other_store.save_answer(
            info.id,
            cid,
            Answer(value, evidence="证" + PAYLOAD, note="注" + PAYLOAD),
            expected_version=0,
            user="名" + PAYLOAD,
        )
        other_store.add_file(info.id, cid, "文件" + PAYLOAD + ".pdf", PDF, user="名" + PAYLOAD)
    return info.id


def test_every_page_shows_user_text_as_plain_text(
    data_dir: Path, hostile: int, rubric: Rubric
) -> None:
    at = start()
    url_paths = [r.url_path for r in (*routes.MAIN_ROUTES, *routes.TRAINING_ROUTES)]
    url_paths += [routes.item_url(i) for i in range(len(rubric.items))]
    seen_payload = False
    for url_path in url_paths:
        goto(at, url_path)
        for body in _bodies(at):
            assert not RAW.search(body), (url_path, body)
            seen_payload |= "evil" in body
    assert seen_payload  # the text was shown somewhere, escaped
