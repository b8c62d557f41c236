"""Turning an uploaded answer sheet's bytes into text, within stated bounds, or refusing it.

Part of the CSV contract in `jiguan.sheet` (which re-exports `SheetError`, `SheetProblem` and
the limits): size first (nothing is parsed past `MAX_SHEET_BYTES`), then the encoding.

Encodings accepted: UTF-8 with or without BOM; GB18030 (a superset of GBK, what Excel and WPS
write on Chinese Windows); UTF-16 with BOM (Excel's 「Unicode 文本」), and UTF-16 without BOM when
its zero bytes say so unambiguously. Big5 and Shift-JIS files decode as GB18030 without error
but as nonsense, so text that decodes as GB18030 yet is mostly outside the common hanzi is
given to charset-normalizer to name its encoding, and refused with that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from jiguan.limits import MAX_CELL_CHARS, MAX_COUNT, MAX_SHEET_BYTES  # noqa: F401 (re-exported)

ACCEPTED_ENCODINGS = "UTF-8（带或不带 BOM）、GB18030/GBK、UTF-16（带 BOM）"

# The editable columns: key (the English header, also accepted) -> the Chinese header.
COLUMN_LABELS: dict[str, str] = {
    "criterion_id": "评分项编号",
    "answer": "评定",
    "points": "部分得分",
    "evidence": "佐证材料",
    "note": "备注",
}

# The optional review columns (the 评估组's verdicts, issue 14): key -> the Chinese header.
REVIEW_COLUMN_LABELS: dict[str, str] = {
    "review_answer": "评估组评定",
    "review_points": "评估组部分得分",
    "review_reason": "评审意见",
}

# Files people upload by mistake, recognised by their first bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "这是一个压缩包或 Excel（.xlsx）文件"),
    (b"\xd0\xcf\x11\xe0", "这是一个旧版 Excel（.xls）或 Word 文件"),
    (b"\x89PNG", "这是一张 PNG 图片"),
    (b"\xff\xd8\xff", "这是一张 JPEG 图片"),
    (b"GIF8", "这是一张 GIF 图片"),
    (b"%PDF", "这是一个 PDF 文件"),
)

# Encodings charset-normalizer may name for a file refused as not GB18030.
_FOREIGN = {
    "big5": "Big5（繁体中文）",
    "big5hkscs": "Big5-HKSCS（繁体中文）",
    "cp950": "Big5（繁体中文）",
    "shift_jis": "Shift-JIS（日文）",
    "shift_jis_2004": "Shift-JIS（日文）",
    "cp932": "Shift-JIS（日文）",
    "euc_jp": "EUC-JP（日文）",
    "euc_jis_2004": "EUC-JP（日文）",
    "euc_kr": "EUC-KR（韩文）",
    "cp949": "EUC-KR（韩文）",
}
_COMMON_SHARE = 0.8  # real simplified-Chinese text: ~100 % of its hanzi in GB2312 level 1


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """One problem in an uploaded sheet.

    Attributes:
        row: the row number as Excel shows it (header = 1, first data row = 2), or None when
            the problem concerns the whole file.
        column: the column's key (``criterion_id``, ``answer``, ``points``, ``evidence``,
            ``note``, and the review columns ``review_answer``, ``review_points``,
            ``review_reason``), or None; the message names it in Chinese.
        key: short English key (see `jiguan.sheet.PROBLEM_KEYS`).
        message: what is wrong, in Chinese.
    """

    row: int | None
    column: str | None
    key: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column is not None:
            label = COLUMN_LABELS.get(self.column, self.column)
            where.append(f"{label} 列" if label == self.column else f"{label}（{self.column}）列")
        prefix = "，".join(where) + "：" if where else ""
        return f"{prefix}{self.message}"  # the key is for programs; a person reads the message


MAX_LISTED_PROBLEMS = 50  # str(SheetError) lists at most this many; `.problems` has them all


class SheetError(ValueError):
    """The sheet was refused as a whole; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__(self._text())

    def _text(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            shown.append(f"……另有 {rest} 处问题")
        head = f"答题表有 {len(self.problems)} 处问题，未导入任何内容："
        return "\n".join([head, *shown])

    def __str__(self) -> str:
        return self._text()


def file_error(key: str, message: str) -> SheetError:
    return SheetError([SheetProblem(None, None, key, message)])


class DecodedSheet(NamedTuple):
    text: str
    encoding: str  # as a user would name it: "UTF-8", "GB18030", "UTF-16"


def check_sheet_size(size: int) -> None:
    """Refuse a sheet over `MAX_SHEET_BYTES` before reading it (the app checks the upload)."""
    if size > MAX_SHEET_BYTES:
        raise file_error(
            "too_large",
            f"文件过大（{size / 2**20:.1f} MB），答题表最大 {MAX_SHEET_BYTES // 2**20} MB。"
            "请确认上传的是本工具下载的答题表 CSV。",
        )


def _common_share(text: str) -> float:
    """Share of non-ASCII characters that are GB2312 symbols or level-1 (common) hanzi."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return 1.0
    common = 0
    for ch in wide:
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            continue
        common += 0xA1 <= lead <= 0xA9 or 0xB0 <= lead <= 0xD7
    return common / len(wide)


def _foreign_encoding(data: bytes) -> str | None:
    """The non-GB encoding charset-normalizer prefers for `data`, in Chinese, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(
        data[:65536], cp_isolation=["gb18030", "big5", "cp932", "shift_jis", "euc_kr"]
    ).best()
    return _FOREIGN.get(best.encoding) if best is not None else None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the zero bytes of the file's start say so.

    Mostly-ASCII text in UTF-16 has a zero in every other byte and almost none in between; no
    UTF-8 or GB18030 text has zero bytes at all.
    """
    head = data[:400]
    if len(head) < 8 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, others, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= len(zeros) / 2 and others.count(0) <= len(others) / 20:
            return codec
    return None


def decode_sheet(data: bytes) -> DecodedSheet:
    """The sheet's text and the encoding it was read in.

    Raises:
        SheetError: too large, not a CSV (a known binary format or NUL bytes), or an encoding
            that is not accepted (the message lists the accepted ones, or names the detected
            foreign one).
    """
    check_sheet_size(len(data))
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise file_error("not_csv", f"{what}，不是 CSV。请在 Excel 中另存为 CSV。")
    encoding = "UTF-8"
    bom16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    codec = "utf-16" if bom16 else _utf16_without_bom(data)
    if codec:
        encoding = "UTF-16"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise file_error("bad_encoding", "文件标明为 UTF-16 编码，但内容无法解码") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_gb18030(data)
            encoding = "GB18030"
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise file_error("not_csv", "文件含有二进制内容，不是 CSV")
    return DecodedSheet(text, encoding)


def _decode_gb18030(data: bytes) -> str:
    unreadable = (
        f"无法识别文件的文字编码。支持的编码：{ACCEPTED_ENCODINGS}。"
        "请在 Excel 中另存为「CSV UTF-8（逗号分隔）」，或在 WPS 中另存为 CSV。"
    )
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise file_error("bad_encoding", unreadable) from None
    if _common_share(text) >= _COMMON_SHARE:
        return text
    foreign = _foreign_encoding(data)
    if foreign is None:
        return text  # it decodes, and no other encoding fits better: leave the judging to rows
    raise file_error(
        "bad_encoding",
        f"文件似乎是 {foreign} 编码，按简体中文读取会成为乱码，未导入。"
        f"支持的编码：{ACCEPTED_ENCODINGS}。请在 Excel 中另存为「CSV UTF-8（逗号分隔）」。",
    )
