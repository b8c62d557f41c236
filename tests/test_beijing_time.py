"""Beijing time everywhere, whatever the server's time zone: a subprocess runs under several TZ
values (two of them are always on a different date than Beijing: UTC-12 before 20:00 Beijing
time, UTC+14 from 18:00) and reports the dates the app, the CLI and the PDF would write."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from jiguan import PROJECT_ROOT

ZONES = ["UTC", "America/New_York", "Etc/GMT+12", "Pacific/Kiritimati"]

_SCRIPT = r"""
import io, json, os, re, sys, tempfile, time
from pathlib import Path
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest
from jiguan.cli import main
from jiguan.format import format_time, today
from datetime import UTC, datetime

out = {}
tmp = Path(tempfile.mkdtemp())
os.environ["JIGUAN_DATA_DIR"] = str(tmp)
csv = tmp / "sheet.csv"
csv.write_text("criterion_id,answer\n1.1,yes\n", encoding="utf-8")
for tz in sys.argv[1:]:
    os.environ["TZ"] = tz
    time.tzset()
    at = AppTest.from_file(str(Path("tests/harness_app.py").resolve()), default_timeout=60).run()
    pdf = tmp / f"{tz.replace('/', '_')}.pdf"
    main(["report", str(csv), "--format", "pdf", "-o", str(pdf)])
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    out[tz] = {
        "today": today().isoformat(),
        "time": format_time(datetime.now(UTC))[:10],
        "new_form": at.date_input(key="new.date").value.isoformat(),
        "pdf": re.search(r"生成（(\d{4}-\d{2}-\d{2})）", text.replace("\n", "")).group(1),
        "pdf_date": re.findall(r"\d{4}-\d{2}-\d{2}", text.replace("\n", "")),
    }
print(json.dumps(out))
"""


def test_dates_are_beijing_dates_in_any_server_time_zone() -> None:
    beijing = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *ZONES],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    for tz in ZONES:
        dates = seen[tz]
        assert dates["today"] == dates["time"] == dates["new_form"] == beijing, (tz, dates)
        assert dates["pdf"] == beijing, (tz, dates)
        assert beijing in dates["pdf_date"]  # 评估日期 in the heading defaults to today too
