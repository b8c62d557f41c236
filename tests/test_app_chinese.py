"""No English in front of a user (issue 27): every page, for every role, in Chinese.

AppTest opens every page of each role's navigation (单机模式; 共享模式 as 填报人, 评估组,
培训师, 管理员, a trainee, and signed out) and reads every string the page sends to the
browser (labels, help, placeholders, options, text, captions, table cells). Latin words are
allowed only for names a user knows (CSV, Word, Excel …), file extensions and units. A select
with no placeholder of ours shows Streamlit's English 「Choose an option」 when cleared, so
every select must have one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiguan.accounts import ADMIN, FILLER, REVIEWER, TRAINER
from jiguan.rubric import Rubric
from jiguan.store import Store
from pages.common import routes
from tests.app_support import HARNESS, add_account, create, goto, login

ALLOWED = {
    *("CSV", "Word", "Excel", "PDF", "ZIP", "WPS", "OIDC", "UTF", "BOM", "GBK", "GB"),
    *("csv", "docx", "xlsx", "pdf", "doc", "xls", "wps", "et", "zip", "png", "jpg", "jpeg"),
    *("MB", "KB", "B"),
}
# Not text a person reads: markup, icons, ids, links, styles, chart specs.
_NOT_TEXT = re.compile(
    r"<style.*?</style>|<script.*?</script>|<[^>]+>"  # HTML
    r"|:material/[a-z_]+:"  # icons
    r"|:[a-z]+(?:-badge|-background)?\["  # colour / badge markup (the text inside stays)
    r"|\]\([^)]*\)"  # markdown link targets
    r"|https?://\S+|\?a=\d+|&[a-z]+;",
    re.DOTALL,
)
_LATIN = re.compile(r"[A-Za-z]+")
_SKIP_FIELDS = {"id", "form_id", "key", "type", "format", "url", "icon", "spec", "data", "css"}
_SKIP_FIELDS |= {"theme", "page_script_hash", "page_name", "url_path", "element_type", "arrow_data"}
_SKIP_FIELDS |= {"tag", "divider", "min", "max", "page", "query_string", "deferred_file_id"}
_SKIP_FIELDS |= {"color", "anchor", "mime", "file_name", "accept_file", "step", "autocomplete"}
_SKIP_FIELDS |= {"selection_mode", "default", "value", "style", "columns"}
_SELECTS = ("selectbox", "multiselect")


def _strings(message: object, out: list[str]) -> None:
    """Every string field of a protobuf message, recursively, but ids, specs and markup."""
    for field, value in message.ListFields():  # type: ignore[attr-defined]
        if field.name in _SKIP_FIELDS:
            continue
        single = isinstance(value, (str, bytes, int, float)) or hasattr(value, "ListFields")
        values = [value] if single else value
        for v in values:
            if isinstance(v, str):
                out.append(v)
            elif hasattr(v, "ListFields"):
                _strings(v, out)


def page_text(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in (
        *("markdown", "caption", "title", "header", "subheader", "text", "code"),
        *("success", "info", "warning", "error", "exception", "metric", "toast"),
        *("button", "checkbox", "toggle", "radio", "text_input", "text_area", "number_input"),
        *("date_input", "time_input", "button_group", "select_slider", "slider", "color_picker"),
        *(*_SELECTS, "chat_input", "page_link", "link_button", "download_button"),
        *("file_uploader", "expander", "tab", "status", "popover", "table", "dataframe"),
    ):
        for element in at.get(kind):
            proto = getattr(element, "proto", None)
            if proto is not None and hasattr(proto, "ListFields"):
                _strings(proto, out)
            label = getattr(element, "label", None)
            if isinstance(label, str):
                out.append(label)
            if kind in ("table", "dataframe"):
                frame = element.value
                out.extend(str(c) for c in frame.columns)
                out.extend(str(v) for v in frame.astype(str).to_numpy().ravel())
    return out


def english(texts: list[str]) -> set[str]:
    found = set()
    for text in texts:
        for word in _LATIN.findall(_NOT_TEXT.sub(" ", text)):
            if word not in ALLOWED:
                found.add(word)
    return found


def cleared_selects(at: AppTest) -> list[str]:
    """Selects that would show Streamlit's English placeholder once cleared."""
    return [
        element.label
        for kind in _SELECTS
        for element in at.get(kind)
        # an empty multiselect opens on Streamlit's 「No results」
        if not element.proto.placeholder or (kind == "multiselect" and not element.options)
    ]


def check_every_page(at: AppTest, rubric: Rubric, role: str | None) -> None:
    problems: dict[str, object] = {}
    for section in routes.sections(rubric, role).values():
        for route in section:
            goto(at, route.url_path)
            words = english(page_text(at))
            if words:
                problems[f"{route.title} english"] = sorted(words)
            selects = cleared_selects(at)
            if selects:
                problems[f"{route.title} placeholder"] = selects
    assert problems == {}


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("JIGUAN_MODE", "shared")


def test_standalone_every_page_is_chinese(data_dir: Path, rubric: Rubric) -> None:
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    check_every_page(at, rubric, None)  # before any assessment exists
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    create(at)
    check_every_page(at, rubric, None)


@pytest.mark.parametrize(
    ("name", "role", "unit"),
    [
        ("甲填报", FILLER, "甲局"),
        ("甲评估", REVIEWER, "甲局"),
        ("培训师", TRAINER, None),
        ("管理员", ADMIN, None),
    ],
)
def test_shared_every_page_is_chinese_for_each_role(
    shared: None,
    other_store: Store,
    rubric: Rubric,
    name: str,
    role: str,
    unit: str | None,
) -> None:
    admin = other_store.users.get(add_account(other_store, "管理员", ADMIN)).caller()
    if role != ADMIN:
        add_account(other_store, name, role, unit)
    other_store.create_assessment("甲局", "第一次自评")
    changed = add_account(other_store, "乙填报", FILLER, "乙局")
    other_store.users.set_role(changed, REVIEWER, by=admin)  # an entry of the audit log
    check_every_page(login(name), rubric, role)


def test_shared_signed_out_and_trainee_pages_are_chinese(
    shared: None, other_store: Store, rubric: Rubric
) -> None:
    add_account(other_store, "管理员", ADMIN)
    trainer = other_store.users.get(add_account(other_store, "培训师", TRAINER)).caller()
    until = datetime.now(UTC) + timedelta(days=1)
    other_store.workshops.open(trainer, "2026-南京", "南京班", until)
    at = AppTest.from_file(HARNESS, default_timeout=60).run()
    assert english(page_text(at)) == set()
    assert cleared_selects(at) == []
    at.text_input(key="join.code").set_value("2026-南京")
    at.text_input(key="join.name").set_value("小王")
    at.button(key="FormSubmitter:join-加入培训班").click().run()
    assert not at.exception, at.exception
    check_every_page(at, rubric, "trainee")
