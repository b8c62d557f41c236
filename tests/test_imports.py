"""The domain never imports streamlit: the CLI and the reports run without it."""

from __future__ import annotations

import json
import subprocess
import sys

from jiguan import PROJECT_ROOT


def test_domain_modules_load_no_streamlit() -> None:
    code = (
        "import json, sys\n"
        "import jiguan.cli, jiguan.store, jiguan.reports\n"
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
