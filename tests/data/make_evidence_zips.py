"""Writes the crafted evidence ZIPs of issue 21 into tests/data/crafted/ (committed; run again
to remake them): ``python tests/data/make_evidence_zips.py``. Each is a few KB."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).with_name("crafted")


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


EVIDENCE_ZIPS = {
    # 10 MB of zeros in ~10 KB: a 1000:1 zip
    "evidence_bomb.zip": {"台账.txt": b"\0" * (10 * 2**20)},
    "evidence_traversal.zip": {"说明.txt": b"ok", "../../evil.sh": b"#!/bin/sh\nrm -rf ~\n"},
    "evidence_exe.zip": {"台账/说明.txt": b"ok", "台账/setup.EXE": b"MZ\x90\x00"},
    "evidence_absolute.zip": {"/etc/cron.d/x.txt": b"* * * * * root id\n"},
    "evidence_drive.zip": {"C:/Windows/x.txt": b"x"},
    "evidence_ok.zip": {"台账/说明.txt": "制度汇编".encode(), "照片/一.png": b"\x89PNG" * 100},
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, entries in EVIDENCE_ZIPS.items():
        (HERE / name).write_bytes(_zip(entries))


if __name__ == "__main__":
    main()
