"""Make jiguan/reports/fonts/wqy-microhei-subset.ttf, the CJK font the PDF summary embeds.

Source: WenQuanYi Micro Hei 0.2.0-beta, face 0 of Debian's ``fonts-wqy-microhei``
(/usr/share/fonts/truetype/wqy/wqy-microhei.ttc), licensed Apache-2.0 or GPL-3+ with the font
exception; we use it under Apache-2.0 (LICENSE-Apache-2.0 beside this script, NOTICE says what
was changed). TrueType outlines, which reportlab can embed (Noto/Source Han CJK are CFF).

Kept: ASCII and Latin-1, every character of GB2312 (its 6,763 hanzi and its symbols, so any
ordinary user text renders), CJK and full-width punctuation, and every character in the
rubric YAML and in jiguan/ (what the reports print). Run from the project root after changing
either::

    apt-get install fonts-wqy-microhei
    .venv/bin/python jiguan/reports/fonts/make_subset.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[3]
SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TARGET = Path(__file__).with_name("wqy-microhei-subset.ttf")


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF01, 0xFF5F)}
    chars |= set("—–‘’“”…•·℃№←→↑↓√×÷≤≥①②③④⑤⑥⑦⑧⑨⑩〔〕")
    chars |= gb2312()
    texts = [ROOT / "config" / "indicators.yaml", *sorted((ROOT / "jiguan").rglob("*.py"))]
    for path in texts:
        chars |= set(path.read_text(encoding="utf-8"))
    return {ch for ch in chars if ch.isprintable()}


def main() -> int:
    font = TTCollection(str(SOURCE)).fonts[0]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False  # smaller; reportlab and PDF viewers do not use TrueType hints
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(wanted())))
    subsetter.subset(font)
    font.save(str(TARGET))
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
