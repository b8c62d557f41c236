"""The Streamlit settings that `make run` serves with and that the app's speed depends on
(bench/README.md has the measurements). Both are easy to lose in a config clean-up."""

from __future__ import annotations

import tomllib

from jiguan import PROJECT_ROOT

CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"


def served_config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_no_source_watcher_per_session() -> None:
    # With a watcher, every new session walks all loaded modules: 300-400 ms of CPU each.
    assert served_config()["server"]["fileWatcherType"] == "none"


def test_no_full_garbage_collection_after_every_run() -> None:
    # runner.postScriptGC holds the GIL 100-300 ms after each run, answers included.
    assert served_config()["runner"]["postScriptGC"] is False
