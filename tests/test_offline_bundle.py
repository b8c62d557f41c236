"""The offline install bundle (issue 27): built from the package index, installed without one.

Building downloads wheels, so this test needs PyPI (or the mirror pip is configured for):
marked ``network``; outside CI it skips when the index cannot be reached, under CI it runs
(the CI machines reach PyPI). It builds the Linux part for the running Python only, installs
it with the bundle's own install.sh into a fresh venv (``--no-index``), then runs the CLI and
serves the app.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from deploy import bundle
from tests.conftest import require_service

pytestmark = pytest.mark.network

TARGET = bundle.TARGETS[f"linux-{sys.version_info.major}.{sys.version_info.minor}"]


def _index_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=5).close()
        return True
    except (OSError, urllib.error.URLError):
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_every_target_is_a_wheel_platform_pip_knows() -> None:
    assert {t.python_version for t in bundle.TARGETS.values()} == {"3.11", "3.12"}
    assert {p for t in bundle.TARGETS.values() for p in t.platforms} >= {
        "win_amd64",
        "manylinux2014_x86_64",
    }


def test_the_bundle_holds_the_app_but_not_its_tests() -> None:
    files = {str(p) for p in bundle.app_files()}
    assert {"app.py", "requirements.txt", "config/indicators.yaml", "alembic.ini"} <= files
    assert not any(f.startswith(("tests/", "bench/")) for f in files)
    assert any(f.startswith("migrations/versions/") for f in files)


def test_linux_bundle_installs_offline_and_serves(tmp_path: Path) -> None:
    require_service(_index_reachable(), "PyPI (https://pypi.org)", "a network route to PyPI")
    archive = bundle.build(tmp_path / "dist", [TARGET])
    assert archive.name == f"jiguan-{bundle.version()}-offline-{TARGET.name}.tar.gz"
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "site", filter="data")
    (top,) = (tmp_path / "site").iterdir()
    for script in ("install.sh", "install.bat", "start.sh", "start.bat"):
        assert (top / script).is_file(), script
    assert not (top / "tests").exists()

    # No index at all: pip's own configuration and environment are ignored (--isolated), and
    # any index URL still set would have to be used and fail.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PYTHON"] = sys.executable
    env["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple"
    subprocess.run(["sh", "install.sh"], cwd=top, env=env, check=True, timeout=600)
    python = top / ".venv" / "bin" / "python"

    rubric = subprocess.run(
        [str(python), "-m", "jiguan", "rubric"],
        cwd=top,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rubric.returncode == 0, rubric.stderr
    assert "组织管理" in rubric.stdout

    port = _free_port()
    env = dict(os.environ, JIGUAN_DATA_DIR=str(tmp_path / "data"))
    env.pop("JIGUAN_DATABASE_URL", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        ["sh", "start.sh", "--server.headless", "true", "--server.port", str(port)],
        cwd=top,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.5)
        assert status == 200, body
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert "<noscript>" in page or '<div id="root">' in page
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
