"""The offline install bundle: ``make bundle`` → ``dist/jiguan-<version>-offline.tar.gz``.

Pilot units and training centres often work on an intranet with no package index. The bundle
holds the app (every tracked file but tests and benchmarks), a wheelhouse with every wheel of
requirements.txt for each target below (``pip download --only-binary=:all:``), and
``install.sh`` / ``install.bat``, which install from that wheelhouse alone (``--no-index``).
Building needs a package index (PyPI or a mirror pip is configured for); installing does not.

    python -m deploy.bundle [--out DIR] [--target linux-3.11 …]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from jiguan import PROJECT_ROOT


@dataclass(frozen=True)
class Target:
    """One platform and Python version the wheelhouse serves."""

    name: str
    platforms: tuple[str, ...]
    python_version: str


_LINUX = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
TARGETS = {
    t.name: t
    for t in (
        Target("linux-3.11", _LINUX, "3.11"),
        Target("linux-3.12", _LINUX, "3.12"),
        Target("windows-3.11", ("win_amd64",), "3.11"),
        Target("windows-3.12", ("win_amd64",), "3.12"),
    )
}
# Not part of the installed app: tests, benchmarks, CI.
EXCLUDED_TOP = ("tests", "bench", ".ci", ".github")
SCRIPTS = Path(__file__).resolve().parent / "offline"


def version(root: Path = PROJECT_ROOT) -> str:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def app_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The app's files in the working tree (tracked, or new and not ignored), relative to root."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    files = sorted({Path(p) for p in out.split("\0") if p})
    return [p for p in files if p.parts[0] not in EXCLUDED_TOP and (root / p).is_file()]


def download_wheels(target: Target, requirements: Path, wheelhouse: Path) -> None:
    """Every wheel of requirements for one target; fails when any has no wheel."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
    for platform in target.platforms:
        cmd += ["--platform", platform]
    cmd += ["--python-version", target.python_version, "--implementation", "cp"]
    cmd += ["-d", str(wheelhouse), "-r", str(requirements)]
    print(f"wheels for {target.name} …", flush=True)
    subprocess.run(cmd, check=True)


def build(out_dir: Path, targets: list[Target], root: Path = PROJECT_ROOT) -> Path:
    """Write dist/jiguan-<version>-offline.tar.gz (or a -<targets> name for a partial one)."""
    name = f"jiguan-{version(root)}"
    suffix = (
        "offline"
        if len(targets) == len(TARGETS)
        else "offline-" + "-".join(t.name for t in targets)
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"{name}-{suffix}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / name
        for rel in app_files(root):
            (top / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, top / rel)
        for script in ("install.sh", "install.bat", "start.sh", "start.bat"):
            shutil.copy2(SCRIPTS / script, top / script)
        (top / "install.sh").chmod(0o755)
        (top / "start.sh").chmod(0o755)
        wheelhouse = top / "wheelhouse"
        wheelhouse.mkdir()
        for target in targets:
            download_wheels(target, root / "requirements.txt", wheelhouse)
        (wheelhouse / "TARGETS.txt").write_text(
            "\n".join(t.name for t in targets) + "\n", encoding="utf-8"
        )
        with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
            tar.add(top, arcname=name)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.bundle", description=__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "dist")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    args = parser.parse_args(argv)
    targets = [TARGETS[t] for t in (args.target or TARGETS)]
    print(build(args.out, targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
