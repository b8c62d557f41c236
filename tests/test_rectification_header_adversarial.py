"""The 整改台账 workbook's printed page header names the unit: an ``&`` in the name is Excel's
header code character (``&B`` bold, ``&P`` page number …), so it must reach Excel doubled."""

from __future__ import annotations

import io
import re
import zipfile

from jiguan.reports import Profile, build_report
from jiguan.rubric import Rubric
from jiguan.scoring import Answer


def test_an_ampersand_in_the_unit_name_is_printed_as_typed(rubric: Rubric) -> None:
    data = build_report("rectification-xlsx", rubric, {"3.1": Answer("no")}, Profile("甲&B局&P"))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    (header,) = re.findall(r"<oddHeader>(.*?)</oddHeader>", sheet)
    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), header).replace("&amp;", "&")
    assert text == "&C甲&&B局&&P 整改台账"
