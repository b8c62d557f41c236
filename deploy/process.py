"""One `streamlit run` process on a port of this machine, and the wait until it answers: the one
launcher of the cluster (deploy/cluster.py), the benchmarks (bench/) and the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
STREAMLIT = ("-m", "streamlit")  # how Python starts Streamlit's CLI (bench may wrap it)
STREAMLIT_HEALTH = "/_stcore/health"  # Streamlit's own; the app's is /healthz (jiguan/web.py)


class NotHealthy(RuntimeError):
    """The process exited, or did not answer its health check in time; the message ends with
    the tail of its log."""


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_streamlit(
    port: int,
    log: Path,
    *,
    script: str | Path = "app.py",
    env: Mapping[str, str] | None = None,
    address: str | None = LOOPBACK,
    args: Sequence[str] = (),
    launcher: Sequence[str] = STREAMLIT,
) -> subprocess.Popen[bytes]:
    """``streamlit run script`` (headless) on ``port``, output appended to ``log``.

    ``address`` None leaves the bind address to the project's .streamlit/config.toml (what
    `make run` does); ``args`` are more Streamlit options; ``launcher`` replaces ``-m
    streamlit`` (e.g. ``-c CODE`` that patches something first, then calls Streamlit's CLI).
    """
    command = [sys.executable, *launcher, "run", str(script), "--server.headless=true"]
    command += [f"--server.port={port}"]
    if address is not None:
        command += [f"--server.address={address}"]
    command += list(args)
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(os.environ if env is None else env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_healthy(
    url: str,
    proc: subprocess.Popen[bytes],
    log: Path,
    *,
    timeout: float = 90.0,
    path: str = STREAMLIT_HEALTH,
) -> float:
    """Poll ``url + path`` until it answers 200; the seconds it took. Raises NotHealthy."""
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() - start > timeout:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            why = "exited" if proc.poll() is not None else f"no answer in {timeout:g} s"
            raise NotHealthy(f"{url} did not become healthy ({why}):\n{tail}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate, and kill what does not stop within 10 s."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
