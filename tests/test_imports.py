"""Who may import what: the domain (every module of jiguan/) never imports streamlit, so the
CLI and the reports run without it; pages reach the store only through ``jiguan.store``."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import jiguan
from jiguan import PROJECT_ROOT

STORE_MODULES = {m.name for m in pkgutil.iter_modules([str(PROJECT_ROOT / "jiguan" / "store")])}


def _domain_modules() -> list[str]:
    """Every importable module of jiguan/ (``python -m jiguan``'s ``__main__`` runs the CLI)."""
    found = pkgutil.walk_packages(jiguan.__path__, "jiguan.")
    return ["jiguan", *sorted(m.name for m in found if not m.name.endswith(".__main__"))]


def _imported(path: Path) -> list[str]:
    """The modules a file imports, at any depth (function-level imports included); ``from a
    import b`` counts as ``a.b`` (b may be a module)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def test_every_domain_module_is_walked() -> None:
    modules = _domain_modules()
    files = [
        p
        for p in (PROJECT_ROOT / "jiguan").rglob("*.py")
        if p.name != "__main__.py" and (p.parent / "__init__.py").exists()
    ]
    assert len(modules) == len(files) > 50


def test_domain_modules_load_no_streamlit() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {_domain_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_no_domain_file_names_streamlit() -> None:
    """Also a deferred import inside a function, which loading the module does not run."""
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): name
        for path in sorted((PROJECT_ROOT / "jiguan").rglob("*.py"))
        for name in _imported(path)
        if name.split(".")[0] == "streamlit"
    }
    assert offenders == {}


def test_pages_import_the_store_only_through_its_package() -> None:
    """``from jiguan.store import Store, Users`` — never ``jiguan.store.users`` or
    ``from jiguan.store import users``: the package's face is the one contract pages use."""
    pages = sorted((PROJECT_ROOT / "pages").rglob("*.py"))
    assert len(pages) > 20
    offenders = {
        f"{path.relative_to(PROJECT_ROOT)}: {name}"
        for path in pages
        for name in _imported(path)
        if name.startswith("jiguan.store.") and name.split(".")[2] in STORE_MODULES
    }
    assert offenders == set()


def test_the_import_check_sees_a_store_submodule(tmp_path: Path) -> None:
    """The check above would catch each way of reaching into the store."""
    sample = tmp_path / "page.py"
    sample.write_text(
        "from jiguan.store import Store, logins\n"
        "import jiguan.store.users\n"
        "def f():\n"
        "    from jiguan.store.scoped import ScopedStore\n",
        encoding="utf-8",
    )
    reached = {n for n in _imported(sample) if n.startswith("jiguan.store.")}
    assert {n.split(".")[2] for n in reached} & STORE_MODULES == {"logins", "users", "scoped"}
