"""Shared fixtures and the one rule for missing services.

Outside CI a test that needs a missing service (Chromium, PostgreSQL, LibreOffice …) skips
with a message that says what to install. Under CI=true it fails instead: CI installs
everything (.ci/run), so a skip there would hide a broken install step.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jiguan import PROJECT_ROOT
from jiguan.rubric import Rubric, load_rubric

pytest_plugins = ["tests.browser_support", "tests.app_support"]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = PROJECT_ROOT / "artifacts"


def require_service(available: bool, what: str, how_to_install: str) -> None:
    """Skip (outside CI) or fail (under CI) when a service the test needs is missing."""
    if available:
        return
    message = f"{what} is not available; install it with: {how_to_install}"
    if IN_CI:
        pytest.fail(f"CI must not skip: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    return load_rubric()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave screenshots and rendered documents for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
